"""One debounced turn per burst: latest ticket wins, claim, media, gate, agent, persist, enqueue.

Idempotent per turn, so a retry after a crash at any step is safe:
- the turn id is the winning message's id (the same on every retry);
- claimed messages stay claimable by the same turn; inbound rows are keyed by provider id;
- bookings carry the turn id in their idempotency key; escalations are unique per turn;
- the agent's answer is stored as the turn record before anything is sent, so a retry re-sends
  that answer instead of asking the model again; outbound rows are keyed by (turn, part) and
  queue messages deduplicated by job id (and the notifier is idempotent on it).
After the last attempt the customer gets a fallback sentence and staff are notified; the ticket
still fails, so it lands in the DLQ (which alarms).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from receptionist.adapters.turn_buffer import BufferedMessage, TurnRecord
from receptionist.agent.runner import FALLBACK_REPLY, TurnResult
from receptionist.agent.tools import Conversation
from receptionist.crm import conversations as chat
from receptionist.crm.connection import Database
from receptionist.crm.models import ChatIdentity, Organization
from receptionist.crm.organizations import resolve_by_app
from receptionist.messages import InboundTicket, OutboundJob, fifo_id
from receptionist.processor.media import MediaReader, Processed

logger = logging.getLogger(__name__)

MEDIA_FAILED_REPLY = "Perdona, no he podido abrir lo que me has enviado. ¿Me lo puedes contar por escrito?"
ESCALATION_ON_FAILURE = "El asistente no pudo responder tras varios intentos"


class Buffer(Protocol):
    def latest_message_id(self, conversation: str) -> str | None: ...
    def open_messages(self, conversation: str, turn_id: str) -> list[BufferedMessage]: ...
    def claim(self, conversation: str, messages: list[BufferedMessage], turn_id: str) -> list[BufferedMessage]: ...
    def finish(self, conversation: str, messages: list[BufferedMessage]) -> None: ...
    def turn(self, conversation: str, turn_id: str) -> TurnRecord | None: ...
    def record_turn(self, conversation: str, record: TurnRecord) -> TurnRecord: ...


class Sender(Protocol):
    def send(self, message: OutboundJob, *, group: str, dedup_id: str) -> str: ...


Agent = Callable[[Conversation, str], TurnResult]


@dataclass
class TurnReport:
    """What one ticket did: the outcome and where the time went (EMF metrics)."""

    outcome: str
    messages: int = 0
    media_seconds: float = 0.0
    model_seconds: float = 0.0
    db_seconds: float = 0.0
    db_round_trips: int = 0
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_seconds: float = 0.0
    replies: list[str] = field(default_factory=list)

    @property
    def overhead_seconds(self) -> float:
        """The turn's own cost: everything but the model and media calls (database, DynamoDB,
        SQS, the graph's bookkeeping)."""
        return max(0.0, self.total_seconds - self.model_seconds - self.media_seconds)


def split_conversation(conversation: str) -> tuple[str, str]:
    app, _, number = conversation.partition("#")
    return app, number


@dataclass
class TurnService:
    buffer: Buffer
    db: Database
    media: MediaReader
    agent: Agent
    outbound: Sender
    max_receive_count: int = 3
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def handle(self, ticket: InboundTicket, receive_count: int = 1) -> TurnReport:
        db_before, trips_before = self.db.seconds, self.db.round_trips
        started = time.perf_counter()
        report = self._handle(ticket, receive_count)
        report.total_seconds = time.perf_counter() - started
        report.db_seconds = self.db.seconds - db_before
        report.db_round_trips = self.db.round_trips - trips_before
        return report

    # -- the steps -------------------------------------------------------------------------
    def _handle(self, ticket: InboundTicket, receive_count: int) -> TurnReport:
        if ticket.kind == "user_event":
            return self._user_event(ticket)
        conversation, turn_id = ticket.conversation, ticket.message_id
        latest = self.buffer.latest_message_id(conversation)
        if latest is not None and latest != turn_id:
            return TurnReport("skipped_debounce")  # a newer message's ticket will run the turn
        stored = self.buffer.turn(conversation, turn_id)
        if stored is not None:  # the answer exists: a retry after a crash re-sends it
            org = self._organization(conversation)
            identity = self._identity(org, conversation, None, None) if org else None
            if org and identity:
                self._send(org, identity, conversation, stored)
            self.buffer.finish(conversation, self.buffer.open_messages(conversation, turn_id))
            return TurnReport("replayed", replies=stored.replies)
        messages = self.buffer.claim(conversation, self.buffer.open_messages(conversation, turn_id), turn_id)
        if not messages:
            return TurnReport("nothing_pending")
        try:
            return self._turn(conversation, turn_id, messages)
        except Exception:
            if receive_count >= self.max_receive_count:
                self._give_up(conversation, turn_id, messages)
            raise

    def _turn(self, conversation: str, turn_id: str, messages: list[BufferedMessage]) -> TurnReport:
        org = self._organization(conversation)
        if org is None:
            logger.warning("message for an unknown Gupshup app dropped", extra={"turn_id": turn_id})
            self.buffer.finish(conversation, messages)
            return TurnReport("unknown_app", messages=len(messages))
        sender_name = next((m.message.get("sender", {}).get("name") for m in reversed(messages)), None)
        last_at = datetime.fromtimestamp(max(m.received_at_ms for m in messages) / 1000, tz=UTC)
        identity = self._identity(org, conversation, sender_name, last_at)
        report = TurnReport("answered", messages=len(messages))
        processed: list[Processed] = []
        for m in messages:
            started = time.perf_counter()
            item = self.media.read(conversation, m.message_id, m.message_type, m.message)
            report.media_seconds += time.perf_counter() - started
            processed.append(item)
            chat.record_inbound(
                self.db,
                org.id,
                identity.id,
                provider_message_id=m.message_id,
                kind=m.message_type,
                raw=m.message,
                processed_text=item.text,
                turn_id=turn_id,
            )
        if identity.opted_out or not identity.bot_enabled:
            outcome = "opted_out" if identity.opted_out else "human_owned"
            self.buffer.record_turn(
                conversation, TurnRecord(turn_id, [], [m.message_id for m in messages], outcome, [])
            )
            self.buffer.finish(conversation, messages)
            report.outcome = outcome
            return report
        if all(p.failed for p in processed):
            replies, escalations, outcome = [MEDIA_FAILED_REPLY], [], "media_failed"
        else:
            text = "\n".join(p.text for p in processed if p.text)
            conv = Conversation(self.db, org, identity, turn_id, now=self.now)
            started = time.perf_counter()
            db_before = self.db.seconds
            result = self.agent(conv, text)
            # The agent's tools also use the database; count that time as database, not model.
            report.model_seconds = (time.perf_counter() - started) - (self.db.seconds - db_before)
            report.model_calls = result.stats.model_calls
            report.prompt_tokens = result.stats.prompt_tokens
            report.completion_tokens = result.stats.completion_tokens
            replies, escalations, outcome = [result.reply], result.escalations, "answered"
        record = self.buffer.record_turn(
            conversation, TurnRecord(turn_id, replies, [m.message_id for m in messages], outcome, escalations)
        )
        self._send(org, identity, conversation, record)
        self.buffer.finish(conversation, messages)
        report.outcome, report.replies = record.outcome, record.replies
        return report

    def _send(self, org: Organization, identity: ChatIdentity, conversation: str, record: TurnRecord) -> None:
        group = fifo_id(conversation)
        for index, text in enumerate(record.replies):
            row = chat.record_outbound(
                self.db, org.id, identity.id, text=text, turn_id=record.turn_id, part_index=index
            )
            job = OutboundJob(
                job_id=f"{record.turn_id}#reply#{index}",
                kind="reply",
                conversation=conversation,
                text=text,
                chat_message_id=row,
                turn_id=record.turn_id,
            )
            self.outbound.send(job, group=group, dedup_id=fifo_id(job.job_id))
        for index, reason in enumerate(record.escalations):
            job = OutboundJob(
                job_id=f"{record.turn_id}#escalation#{index}",
                kind="escalation",
                conversation=conversation,
                reason=reason,
                customer_name=identity.display_name,
                turn_id=record.turn_id,
            )
            self.outbound.send(job, group=group, dedup_id=fifo_id(job.job_id))

    def _give_up(self, conversation: str, turn_id: str, messages: list[BufferedMessage]) -> None:
        """Last attempt failed: a fallback sentence to the customer and a notice to staff."""
        try:
            org = self._organization(conversation)
            if org is None:
                return
            identity = self._identity(org, conversation, None, None)
            chat.open_escalation(self.db, org.id, identity.id, ESCALATION_ON_FAILURE, turn_id)
            record = TurnRecord(turn_id, [FALLBACK_REPLY], [m.message_id for m in messages], "fallback", [])
            self._send(org, identity, conversation, record)
            job = OutboundJob(
                job_id=f"{turn_id}#escalation#fallback",
                kind="escalation",
                conversation=conversation,
                reason=ESCALATION_ON_FAILURE,
                customer_name=identity.display_name,
                turn_id=turn_id,
            )
            self.outbound.send(job, group=fifo_id(conversation), dedup_id=fifo_id(job.job_id))
        except Exception:  # the original failure is what matters; this is best effort
            logger.exception("fallback could not be sent", extra={"turn_id": turn_id})

    def _user_event(self, ticket: InboundTicket) -> TurnReport:
        assert ticket.event is not None
        org = self._organization(ticket.conversation)
        if org is None:
            return TurnReport("unknown_app")
        identity = self._identity(org, ticket.conversation, None, None)
        chat.set_opted_out(self.db, org.id, identity.id, ticket.event.type == "opted-out")
        return TurnReport(ticket.event.type.replace("-", "_"))

    # -- helpers ---------------------------------------------------------------------------
    def _organization(self, conversation: str) -> Organization | None:
        app, _ = split_conversation(conversation)
        return resolve_by_app(self.db, app)

    def _identity(
        self, org: Organization, conversation: str, name: str | None, inbound_at: datetime | None
    ) -> ChatIdentity:
        _, number = split_conversation(conversation)
        return chat.touch_identity(self.db, org.id, number, name, inbound_at)
