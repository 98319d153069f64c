"""A customer's media as a turn reads it: the ports of the processor's MediaReader
(processor/media.py) on the bounded download, the S3 copy and Gemini (which loads on the first
media message: google-genai costs ~0.4 s to import)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.media_download import Downloaded, MediaPolicy, download

if TYPE_CHECKING:
    from receptionist.adapters.gemini import Gemini


@dataclass
class TurnMedia:
    """The media reader's ports (processor/media.py): bounded download, S3 copy, Gemini (built on
    the first media message)."""

    archive: MediaArchive
    gemini_factory: Callable[[], Gemini]
    policy: MediaPolicy = field(default_factory=MediaPolicy)
    _gemini: Gemini | None = None

    @property
    def gemini(self) -> Gemini:
        if self._gemini is None:
            self._gemini = self.gemini_factory()
        return self._gemini

    def forget_gemini(self) -> None:
        """The next media message builds the Gemini client anew."""
        self._gemini = None

    def download(self, url: str, *, max_bytes: int, allowed_types: tuple[str, ...], timeout: float) -> Downloaded:
        return download(url, max_bytes=max_bytes, allowed_types=allowed_types, timeout=timeout, policy=self.policy)

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str:
        return self.archive.keep(conversation, message_id, data, content_type)

    def transcribe(self, data: bytes, mime_type: str, *, timeout: float) -> str:
        return self.gemini.transcribe(data, mime_type, timeout=timeout)

    def describe(self, data: bytes, mime_type: str, *, timeout: float) -> str:
        return self.gemini.describe(data, mime_type, timeout=timeout)
