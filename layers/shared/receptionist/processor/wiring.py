"""Build the processor's service from its settings: adapters in, domain out. Shared by the
Lambda handler, the tests and the bench. Secrets are read when first needed, not at import."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.media_download import MediaPolicy
from receptionist.adapters.queues import FifoQueue
from receptionist.adapters.turn_ledger import DynamoTurnLedger
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnRunner
from receptionist.config import ProcessorSettings
from receptionist.crm.connection import Database
from receptionist.processor.adapters import CrmAdapter, GraphAgent, MediaAdapters
from receptionist.processor.media import MediaReader
from receptionist.processor.service import TurnService
from receptionist.processor.turns import TurnLimits
from receptionist.secrets import get_secret

if TYPE_CHECKING:  # google-genai costs ~0.4 s to import; only turns with media need it
    from receptionist.adapters.gemini import Gemini


def gemini_factory(settings: ProcessorSettings) -> Gemini:
    from receptionist.adapters.gemini import Gemini

    return Gemini(
        get_secret(settings.gemini_api_key_param),
        settings.gemini_model,
        base_url=settings.gemini_base_url or None,  # "" or unset: Google's endpoint
    )


def turn_runner(settings: ProcessorSettings) -> TurnRunner:
    """The chat model, the compiled graph and its DynamoDB checkpointer (built on the first turn
    of a container, once the model's key is read; the libraries load at cold start)."""
    model = chat_model(
        ModelSettings(
            base_url=settings.openai_base_url,
            api_key=get_secret(settings.openai_api_key_param),
            model=settings.openai_model,
        )
    )
    return TurnRunner(model, dynamodb_checkpointer(settings.checkpoints_table, settings.media_bucket))


def build_service(settings: ProcessorSettings) -> TurnService:
    sqs = boto3.client("sqs", config=bounded_client_config())
    db = Database(lambda: get_secret(settings.database_url_param))
    media = MediaAdapters(
        MediaArchive(settings.media_bucket),
        lambda: gemini_factory(settings),
        MediaPolicy.from_setting(settings.media_hosts, settings.media_allow_http),
    )
    return TurnService(
        ledger=DynamoTurnLedger(settings.conversations_table),
        crm=CrmAdapter(db),
        media=MediaReader(media),
        agent=GraphAgent(db, lambda: turn_runner(settings)),
        outbound=FifoQueue(settings.outbound_queue_url, sqs),
        inbound=FifoQueue(settings.inbound_queue_url, sqs),
        limits=TurnLimits(settings.turn_max_messages, settings.turn_max_chars, settings.turn_max_media),
    )
