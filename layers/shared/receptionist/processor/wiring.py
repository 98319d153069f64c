"""Build the processor's service from its settings: adapters in, domain out. Shared by the
Lambda handler, the tests and the bench. Secrets are read when first needed, not at import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.media_download import Downloaded, download
from receptionist.adapters.queues import FifoQueue
from receptionist.adapters.turn_buffer import TurnBuffer
from receptionist.agent.graph import build_graph
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnResult, run_turn
from receptionist.agent.tools import Conversation
from receptionist.config import ProcessorSettings
from receptionist.crm.connection import Database
from receptionist.processor.media import MediaReader
from receptionist.processor.service import TurnService
from receptionist.secrets import get_secret

if TYPE_CHECKING:  # google-genai costs ~0.4 s to import; only turns with media need it
    from receptionist.adapters.gemini import Gemini


@dataclass
class MediaAdapters:
    """The media ports: bounded download, S3 copy, Gemini (built on first media message)."""

    archive: MediaArchive
    settings: ProcessorSettings
    _gemini: Gemini | None = None

    @property
    def gemini(self) -> Gemini:
        if self._gemini is None:
            from receptionist.adapters.gemini import Gemini

            self._gemini = Gemini(
                get_secret(self.settings.gemini_api_key_param),
                self.settings.gemini_model,
                base_url=self.settings.gemini_base_url or None,  # "" or unset: Google's endpoint
            )
        return self._gemini

    def download(self, url: str, *, max_bytes: int, allowed_types: tuple[str, ...]) -> Downloaded:
        return download(url, max_bytes=max_bytes, allowed_types=allowed_types)

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str:
        return self.archive.keep(conversation, message_id, data, content_type)

    def transcribe(self, data: bytes, mime_type: str) -> str:
        return self.gemini.transcribe(data, mime_type)

    def describe(self, data: bytes, mime_type: str) -> str:
        return self.gemini.describe(data, mime_type)


class LazyAgent:
    """The LangGraph agent with DynamoDB memory, built on the first turn of a container."""

    def __init__(self, settings: ProcessorSettings) -> None:
        self.settings = settings
        self._graph: Any = None
        self._saver: Any = None

    def __call__(self, conv: Conversation, text: str) -> TurnResult:
        if self._graph is None:
            model = chat_model(
                ModelSettings(
                    base_url=self.settings.openai_base_url,
                    api_key=get_secret(self.settings.openai_api_key_param),
                    model=self.settings.openai_model,
                )
            )
            self._graph = build_graph(model)
            self._saver = dynamodb_checkpointer(self.settings.checkpoints_table, self.settings.media_bucket)
        return run_turn(self._graph, self._saver, conv, text)


def build_service(settings: ProcessorSettings) -> TurnService:
    sqs = boto3.client("sqs")
    return TurnService(
        buffer=TurnBuffer(settings.conversations_table),
        db=Database(lambda: get_secret(settings.database_url_param)),
        media=MediaReader(MediaAdapters(MediaArchive(settings.media_bucket), settings)),
        agent=LazyAgent(settings),
        outbound=FifoQueue(settings.outbound_queue_url, sqs),
        max_receive_count=settings.max_receive_count,
    )
