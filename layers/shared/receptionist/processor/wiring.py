"""Build the processor's parts from its settings: adapters in, domain out. The Lambda handler
uses the default `ProcessorClients`; the tests and the bench hand in their own (local endpoints,
counted calls, a frozen clock), so all three run this one assembly. Secrets are read when first
needed, not at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.calendar_guard import crm_slot_guard, google_calendar
from receptionist.adapters.embeddings import OpenAIEmbeddings
from receptionist.adapters.graph_agent import GraphAgent
from receptionist.adapters.gupshup_read import GupshupReadReceipts, PartnerApp
from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.media_download import MediaPolicy
from receptionist.adapters.queues import FifoQueue
from receptionist.adapters.read_receipt_apps import ReadReceiptApps
from receptionist.adapters.turn_crm import TurnCrm
from receptionist.adapters.turn_ledger import DynamoTurnLedger
from receptionist.adapters.turn_media import TurnMedia
from receptionist.agent.catalogue_prompt import CatalogueBlocks
from receptionist.agent.context import GraphLimits
from receptionist.agent.knowledge import KnowledgeSearch
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnRunner
from receptionist.agent.tracing import LangfuseRecorder, TracingSettings
from receptionist.calendar.provider import CalendarProvider
from receptionist.calendar.slot_guard import ProviderSlotGuard
from receptionist.calendar.tokens import RefreshTokens
from receptionist.config import ProcessorSettings
from receptionist.crm.connection import Database
from receptionist.deadline import Deadline
from receptionist.processor import telemetry
from receptionist.processor.media import MediaReader
from receptionist.processor.read_receipts import NoReadReceipts, ReadIndicator
from receptionist.processor.service import TurnReport, TurnService
from receptionist.processor.turn_limits import TurnLimits
from receptionist.secrets import get_secret
from receptionist.telemetry import Counters, Describe

if TYPE_CHECKING:  # google-genai costs ~0.4 s to import; only turns with media need it
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from receptionist.adapters.gemini import Gemini


# A flush ends this long before the invocation's time is up, whatever its own budget.
TRACE_FLUSH_MARGIN = 0.5


def _aws(service: str) -> Callable[[], Any]:
    return lambda: boto3.client(service, config=bounded_client_config())  # type: ignore[call-overload]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ProcessorClients:
    """What the processor's adapters talk through. The defaults are Lambda's: boto3 clients with
    bounded timeouts, secrets from SSM, checkpoints in DynamoDB on boto3's own endpoint, the
    wall clock."""

    sqs: Any = field(default_factory=_aws("sqs"))
    dynamodb: Any = field(default_factory=_aws("dynamodb"))
    s3: Any = field(default_factory=_aws("s3"))
    secret: Callable[[str], str] = get_secret
    # (table, bucket) -> the saver; it builds its own boto3 session.
    checkpointer: Callable[[str, str], BaseCheckpointSaver[Any]] = dynamodb_checkpointer
    clock: Callable[[], datetime] = _utc_now
    # The calendar provider and the refresh tokens' store, for the booking's re-check in a member's
    # connected calendar (receptionist/calendar/slot_guard.py); None: Google Calendar as the settings
    # name it (GoogleClientSettings), or no re-check when they name no client (the synced busy
    # blocks alone decide). Called once per container, when the parts are built.
    calendar: Callable[[], tuple[CalendarProvider, RefreshTokens] | None] | None = None


def gemini_factory(settings: ProcessorSettings, clients: ProcessorClients) -> Gemini:
    from receptionist.adapters.gemini import Gemini

    return Gemini(
        clients.secret(settings.gemini_api_key_param),
        settings.gemini_model,
        base_url=settings.gemini_base_url or None,  # "" or unset: Google's endpoint
    )


def langfuse_recorder(settings: ProcessorSettings, clients: ProcessorClients) -> LangfuseRecorder | None:
    """Langfuse tracing when LANGFUSE_HOST is set (docs/tracing.md); its keys, and the key of the
    traces' user id, are read from SSM on the first flush, not here (a SnapStart snapshot holds
    no secret)."""
    if not settings.tracing:
        return None
    user_key_param = settings.langfuse_user_key_param
    return LangfuseRecorder(
        TracingSettings(
            settings.langfuse_host,
            capture_content=settings.langfuse_capture_content,
            environment=settings.langfuse_environment,
            flush_seconds=settings.langfuse_flush_seconds,
        ),
        lambda: (
            clients.secret(settings.langfuse_public_key_param),
            clients.secret(settings.langfuse_secret_key_param),
        ),
        user_key=(lambda: clients.secret(user_key_param)) if user_key_param else None,
    )


def turn_runner(
    settings: ProcessorSettings, clients: ProcessorClients, recorder: LangfuseRecorder | None = None
) -> TurnRunner:
    """The chat model, the compiled graph, its DynamoDB checkpointer, the catalogue blocks and
    the search's embeddings (built on the first turn of a container, once the model's key is
    read; the libraries load at cold start), and the Langfuse recorder when tracing is on."""
    api_key = clients.secret(settings.openai_api_key_param)
    model = chat_model(ModelSettings(base_url=settings.openai_base_url, api_key=api_key, model=settings.openai_model))
    knowledge = None
    if settings.embeddings_model:
        embedder = OpenAIEmbeddings(settings.openai_base_url, api_key, settings.embeddings_model)
        knowledge = KnowledgeSearch(embedder, settings.search_min_similarity)
    return TurnRunner(
        model,
        clients.checkpointer(settings.checkpoints_table, settings.media_bucket),
        limits=GraphLimits(history_tokens=settings.turn_history_tokens),
        catalogue=CatalogueBlocks(settings.catalogue_prompt_tokens),
        knowledge=knowledge,
        recorder=recorder,
    )


def slot_guard(db: Database, settings: ProcessorSettings, clients: ProcessorClients) -> ProviderSlotGuard | None:
    """The booking's re-check in the member's own calendar (free/busy through the provider, an
    access token refreshed from the connection's stored refresh token), when a provider is wired."""
    if clients.calendar is not None:
        calendar = clients.calendar()
    else:
        calendar = google_calendar(settings, clients.secret, _aws("ssm"))
    return crm_slot_guard(db, *calendar, clients.clock) if calendar is not None else None


def read_receipts(
    db: Database, settings: ProcessorSettings, clients: ProcessorClients
) -> tuple[ReadIndicator | NoReadReceipts, GupshupReadReceipts | None]:
    """Blue ticks and "typing…" through Gupshup's Partner API, when the settings name it and the
    prefix its tokens are read under."""
    if not settings.gupshup_partner_api_url or not settings.gupshup_keys_path:
        return NoReadReceipts(), None
    api = GupshupReadReceipts(settings.gupshup_partner_api_url)

    def send(app_id: str, token: str, message_id: str, typing: bool, deadline: Deadline) -> bool:
        return api.mark_read(PartnerApp(app_id, token), message_id, typing=typing, deadline=deadline)

    return ReadIndicator(ReadReceiptApps(db, settings.gupshup_keys_path), clients.secret, send), api


@dataclass(frozen=True)
class Connections:
    """What in a processor container may hold an open connection or a credential read at run
    time: closed before a SnapStart snapshot and again after each restore (processor/snapshot.py),
    so every restored container opens its own."""

    db: Database
    agent: GraphAgent
    media: TurnMedia
    aws: tuple[Any, ...]  # boto3 clients
    recorder: LangfuseRecorder | None = None  # Langfuse: its keys and the turns not yet sent

    def close(self) -> None:
        self.db.close()
        if self.recorder is not None:
            self.recorder.close()
        self.agent.forget_runner()  # its model client (HTTP pool) and checkpointer (boto3 session)
        self.media.forget_gemini()
        for client in self.aws:
            client.close()  # its connection pool; the next call opens a new one

    def flush_traces(self, remaining_seconds: float) -> int:
        """Send the invocation's traces before it returns (Lambda freezes the container after),
        ending TRACE_FLUSH_MARGIN seconds before the invocation's own end. Never raises."""
        if self.recorder is None:
            return 0
        return self.recorder.flush(remaining_seconds - TRACE_FLUSH_MARGIN)


@dataclass(frozen=True)
class ProcessorParts:
    """What the processor's handler needs: the service, what its reports mean, what is counted per
    ticket (the database's round trips), and what holds its connections (closed around a SnapStart
    snapshot)."""

    service: TurnService
    describe: Describe[TurnReport]
    counters: Counters
    connections: Connections


def build(settings: ProcessorSettings, clients: ProcessorClients | None = None) -> ProcessorParts:
    clients = clients or ProcessorClients()
    db = Database(lambda: clients.secret(settings.database_url_param))
    media = TurnMedia(
        MediaArchive(settings.media_bucket, clients.s3),
        lambda: gemini_factory(settings, clients),
        MediaPolicy.from_setting(settings.media_hosts, settings.media_allow_http),
    )
    recorder = langfuse_recorder(settings, clients)
    guard = slot_guard(db, settings, clients)
    agent = GraphAgent(
        db,
        lambda: turn_runner(settings, clients, recorder),
        now=clients.clock,
        slot_guard=guard,
        model=settings.openai_model,
    )
    receipts, read_api = read_receipts(db, settings, clients)
    service = TurnService(
        ledger=DynamoTurnLedger(settings.conversations_table, clients.dynamodb),
        crm=TurnCrm(db, guard),
        media=MediaReader(media),
        agent=agent,
        outbound=FifoQueue(settings.outbound_queue_url, clients.sqs),
        inbound=FifoQueue(settings.inbound_queue_url, clients.sqs),
        limits=TurnLimits(settings.turn_max_messages, settings.turn_max_chars, settings.turn_max_media),
        now=clients.clock,  # the same clock as the agent's: taps and tools judge times alike
        receipts=receipts,
    )
    return ProcessorParts(
        service,
        telemetry.describe,
        Counters(
            {
                "db_round_trips": lambda: db.round_trips,
                # Gupshup's read receipt / typing calls started (bench: calls per turn)
                "gupshup_read_calls": lambda: read_api.calls if read_api is not None else 0,
                "gupshup_read_failures": lambda: sum(read_api.failures.values()) if read_api is not None else 0,
            }
        ),
        Connections(db, agent, media, (clients.sqs, clients.dynamodb, clients.s3), recorder),
    )
