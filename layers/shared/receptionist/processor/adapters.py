"""The processor's ports on real parts: the CRM on Postgres, the agent on LangGraph, media on
the download, S3 and Gemini adapters. (The conversations table is adapters/turn_ledger.py and
the queues adapters/queues.py, shared with the other functions.)"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.media_download import Downloaded, MediaPolicy, download
from receptionist.crm import appointments, chats, consent, reminders, usage
from receptionist.crm.connection import Database
from receptionist.crm.consent import OptChange, Source
from receptionist.crm.models import ACTIVE_STATUSES, BudgetState, ChatIdentity, Organization
from receptionist.crm.organizations import resolve_by_app
from receptionist.crm.reminders import AnsweredReminder, AppliedAnswer, ReminderAnswer
from receptionist.processor.ports import AgentAnswer, AgentRequest
from receptionist.processor.turns import BufferedMessage

if TYPE_CHECKING:  # langgraph and google-genai load on first use, not at cold start's import
    from receptionist.adapters.gemini import Gemini
    from receptionist.agent.runner import TurnRunner


class CrmAdapter:
    """The Crm port on receptionist.crm (one Database: the agent's tools share it)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def seconds(self) -> float:
        return self.db.seconds

    @property
    def round_trips(self) -> int:
        return self.db.round_trips

    def organization(self, app_name: str) -> Organization | None:
        return resolve_by_app(self.db, app_name)

    def acting_for(self, organization_id: str) -> AbstractContextManager[None]:
        return self.db.acting_for(organization_id)

    def touch_identity(
        self,
        organization_id: str,
        customer_number: str,
        name: str | None,
        inbound_at: datetime | None,
        silence: timedelta | None = None,
    ) -> ChatIdentity:
        return chats.touch_identity(self.db, organization_id, customer_number, name, inbound_at, silence=silence)

    def mark_disclosed(self, organization_id: str, identity_id: str, turn_id: str, version: str) -> None:
        chats.mark_disclosed(self.db, organization_id, identity_id, turn_id, version)

    def processed_texts(self, organization_id: str, message_ids: list[str]) -> dict[str, str]:
        return chats.processed_texts(self.db, organization_id, message_ids)

    def record_inbound(
        self, organization_id: str, identity_id: str, message: BufferedMessage, text: str, turn_id: str
    ) -> None:
        chats.record_inbound(
            self.db,
            organization_id,
            identity_id,
            provider_message_id=message.message_id,
            kind=message.message_type,
            raw=message.message,
            processed_text=text,
            turn_id=turn_id,
        )

    def opt_out(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        return consent.opt_out(self.db, organization_id, identity_id, at=at, source=source, reference=reference)

    def opt_in(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        return consent.opt_in(self.db, organization_id, identity_id, at=at, source=source, reference=reference)

    def own_opt_change(self, organization_id: str, identity_id: str, turn_id: str) -> OptChange | None:
        return consent.own_change(self.db, organization_id, identity_id, turn_id)

    def open_escalation(self, organization_id: str, identity_id: str, reason: str, turn_id: str) -> None:
        chats.open_escalation(self.db, organization_id, identity_id, reason, turn_id)  # bot off either way

    def budget(self, organization_id: str, identity_id: str) -> BudgetState:
        return usage.budget(self.db, organization_id, identity_id)

    def record_usage(self, organization_id: str, identity_id: str, turn_id: str, answer: AgentAnswer) -> None:
        usage.record_usage(
            self.db,
            organization_id,
            identity_id,
            turn_id,
            model_calls=answer.model_calls,
            prompt_tokens=answer.prompt_tokens,
            completion_tokens=answer.completion_tokens,
        )

    def first_budget_notice(self, organization_id: str, scope: str, window_start: datetime) -> bool:
        return usage.first_notice(self.db, organization_id, scope, window_start)

    def reminder_for_customer(self, organization_id: str, customer_number: str, token: str) -> AnsweredReminder | None:
        return reminders.reminder_for_customer(self.db, organization_id, customer_number, token)

    def awaiting_reminder(
        self, organization_id: str, customer_number: str, now: datetime, turn_id: str
    ) -> AnsweredReminder | None:
        return reminders.awaiting_answer(self.db, organization_id, customer_number, now, turn_id)

    def answer_reminder(
        self, organization_id: str, reminder: AnsweredReminder, answer: ReminderAnswer, turn_id: str
    ) -> AppliedAnswer:
        status, starts_at = reminder.status, reminder.starts_at
        error: str | None = None
        if answer in ("confirmed", "cancelled"):
            change = appointments.confirm if answer == "confirmed" else appointments.cancel
            result = change(
                self.db,
                organization_id,
                reminder.contact_id,
                reminder.appointment_id,
                reminder.timezone,
                actor="customer:reminder",
                at_start=reminder.reminded_starts_at,  # a move in between: nothing changes
            )
            error = result.failure
            if result.appointment is not None:
                status, starts_at = result.appointment.status, result.appointment.starts_at
                if starts_at != reminder.reminded_starts_at and result.appointment.status in ACTIVE_STATUSES:
                    error = "moved"
        if error is None:  # a refused tap (the appointment was cancelled, say) is not an answer
            reminders.record_answer(self.db, organization_id, reminder.reminder_id, answer, turn_id)
        return AppliedAnswer(status, error, starts_at)


class GraphAgent:
    """The Agent port on the LangGraph receptionist (agent/runner.py). The model, graph and
    checkpointer are built by `build` on the first turn of a container."""

    def __init__(
        self, db: Database, build: Callable[[], TurnRunner], now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.db = db
        self._build = build
        self._runner: TurnRunner | None = None
        self.now = now

    def forget_runner(self) -> None:
        """The next turn builds the runner anew (its clients open new connections)."""
        self._runner = None

    def __call__(self, request: AgentRequest) -> AgentAnswer:
        from receptionist.agent.context import Conversation

        if self._runner is None:
            self._runner = self._build()
        conv = Conversation(self.db, request.organization, request.identity, request.turn_id, now=self.now)
        result = self._runner.run(conv, request.text, request.deadline)
        stats = result.stats
        return AgentAnswer(
            reply=result.reply,
            escalations=result.escalations,
            model_calls=stats.model_calls,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
            cached_tokens=stats.cached_tokens,
            tools=[str(c["name"]) + ("" if c.get("ok") else " (failed)") for c in stats.tool_calls],
            search_degraded=stats.search_degraded,
            choices=result.choices,
            opted_out=result.opted_out,
        )


@dataclass
class MediaAdapters:
    """The media ports: bounded download, S3 copy, Gemini (built on the first media message)."""

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
