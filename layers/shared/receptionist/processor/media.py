"""Turn each buffered Gupshup message into text the agent can read (processed_text).

Voice notes and audio are transcribed and photos described by Gemini, after a bounded download
and a copy in S3. Other kinds get a short text of what they are. A media failure never fails the
turn: the message gets a note saying what could not be read, and `failed` is set so the turn
can tell the customer plainly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)

MB = 1024 * 1024
AUDIO_LIMIT = 16 * MB
VIDEO_LIMIT = 16 * MB
IMAGE_LIMIT = 5 * MB
AUDIO_TYPES = ("audio/",)
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


@dataclass(frozen=True)
class Processed:
    kind: str
    text: str
    failed: bool = False
    media_uri: str | None = None


class Fetched(Protocol):
    @property
    def data(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


class MediaPorts(Protocol):
    def download(self, url: str, *, max_bytes: int, allowed_types: tuple[str, ...]) -> Fetched: ...

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str: ...

    def transcribe(self, data: bytes, mime_type: str) -> str: ...

    def describe(self, data: bytes, mime_type: str) -> str: ...


@dataclass
class MediaReader:
    ports: MediaPorts
    on_media_call: Callable[[float], None] | None = None  # seconds spent, for the latency split

    def read(self, conversation: str, message_id: str, kind: str, message: dict[str, Any]) -> Processed:
        content: dict[str, Any] = message.get("payload") or {}
        caption = str(content.get("caption") or "").strip()
        if kind == "text":
            return Processed(kind, str(content.get("text", "")))
        if kind in ("button_reply", "quick_reply", "list_reply"):
            label = content.get("title") or content.get("text") or content.get("postbackText") or content.get("reply")
            return Processed(kind, str(label or ""))
        if kind == "location":
            place = ", ".join(str(content[k]) for k in ("name", "address") if content.get(k))
            coords = f"{content.get('latitude')}, {content.get('longitude')}"
            return Processed(kind, f"[Ubicación compartida: {place + ' — ' if place else ''}{coords}]")
        if kind == "contact":
            return Processed(kind, f"[Contacto compartido: {_contacts(content)}]")
        if kind == "sticker":
            return Processed(kind, "[Sticker]")
        if kind in ("audio", "voice"):
            return self._media(conversation, message_id, kind, content, AUDIO_LIMIT, AUDIO_TYPES, "audio", caption)
        if kind == "image":
            return self._media(conversation, message_id, kind, content, IMAGE_LIMIT, IMAGE_TYPES, "image", caption)
        if kind == "video":
            note = "[Vídeo recibido: la recepcionista no puede ver vídeos]"
            return Processed(kind, f"{note} {caption}".strip())
        if kind == "file":
            name = content.get("name") or "documento"
            note = f"[Documento recibido ({name}): la recepcionista no puede leer documentos]"
            return Processed(kind, f"{note} {caption}".strip())
        return Processed(kind, f"[Mensaje de tipo {kind} que no se puede leer]")

    def _media(
        self,
        conversation: str,
        message_id: str,
        kind: str,
        content: dict[str, Any],
        limit: int,
        types: tuple[str, ...],
        what: str,
        caption: str,
    ) -> Processed:
        import time

        started = time.perf_counter()
        label = "Nota de voz" if what == "audio" else "Imagen"
        try:
            fetched = self.ports.download(str(content.get("url", "")), max_bytes=limit, allowed_types=types)
            uri = self.ports.keep(conversation, message_id, fetched.data, fetched.content_type)
            if what == "audio":
                text = self.ports.transcribe(fetched.data, fetched.content_type)
            else:
                text = self.ports.describe(fetched.data, fetched.content_type)
        except Exception as exc:  # any media failure becomes a note, never a failed turn
            logger.warning("media not processed", extra={"kind": kind, "error": type(exc).__name__})
            failed_note = "[Nota de voz que no se pudo escuchar]" if what == "audio" else "[Imagen que no se pudo ver]"
            return Processed(kind, f"{failed_note} {caption}".strip(), failed=True)
        finally:
            if self.on_media_call:
                self.on_media_call(time.perf_counter() - started)
        body = f"[{label}] {text}"
        if caption:
            body += f"\n(Texto del cliente: {caption})"
        return Processed(kind, body, media_uri=uri)


def _contacts(content: dict[str, Any]) -> str:
    contacts = content.get("contacts") or []
    out = []
    for c in contacts if isinstance(contacts, list) else []:
        name = (c.get("name") or {}).get("formatted_name") or (c.get("name") or {}).get("first_name") or ""
        phones = ", ".join(str(p.get("phone")) for p in c.get("phones") or [] if p.get("phone"))
        out.append(f"{name} {phones}".strip())
    return "; ".join(out) or "sin datos"
