"""The CRM as a turn uses it: the processor's Crm port (processor/ports.py) on receptionist.crm
(Postgres, psycopg 3)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from receptionist.calendar.slot_guard import SlotGuard
from receptionist.crm import (
    appointments,
    chats,
    consent,
    customer_language,
    handoff,
    recalls,
    reminders,
    usage,
    waitlist_answers,
)
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.crm.consent import OptChange, Source
from receptionist.crm.models import ACTIVE_STATUSES, BudgetState, ChatIdentity, Organization
from receptionist.crm.organizations import resolve_by_app
from receptionist.crm.recalls import AnsweredRecall, RecallAnswer
from receptionist.crm.reminders import AnsweredReminder, AppliedAnswer, ReminderAnswer
from receptionist.crm.waitlist_answers import OfferAction, OfferAnswer
from receptionist.deadline import Deadline
from receptionist.i18n.locales import Locale
from receptionist.turns import AgentAnswer, BufferedMessage


class TurnCrm:
    """The processor's Crm port on receptionist.crm (one Database: the agent's tools share it)."""

    def __init__(self, db: Database, slot_guard: SlotGuard | None = None) -> None:
        self.db = db
        # A waitlist offer's accept re-checks the member's own calendar like any booking.
        self.slot_guard = slot_guard

    @property
    def seconds(self) -> float:
        return self.db.seconds

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

    def set_detected_language(self, organization_id: str, identity_id: str, locale: Locale, at: datetime) -> bool:
        return customer_language.set_detected(self.db, organization_id, identity_id, locale, at)

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
            received_at=datetime.fromtimestamp(message.received_at_ms / 1000, tz=UTC),
        )

    def opt_out(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        return consent.opt_out(self.db, organization_id, identity_id, at=at, source=source, reference=reference)

    def opt_in(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        return consent.opt_in(self.db, organization_id, identity_id, at=at, source=source, reference=reference)

    def own_opt_change(self, organization_id: str, identity_id: str, turn_id: str) -> OptChange | None:
        return consent.own_change(self.db, organization_id, identity_id, turn_id)

    def open_escalation(self, organization_id: str, identity_id: str, reason: str, turn_id: str) -> None:
        chats.open_escalation(self.db, organization_id, identity_id, reason, turn_id)  # bot off either way

    def note_customer_message(
        self, organization_id: str, identity_id: str, turn_id: str, text: str, at: datetime
    ) -> bool:
        return handoff.note_customer_message(self.db, organization_id, identity_id, turn_id, text, at)

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
            model=answer.model,
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

    def answer_waitlist_offer(
        self,
        organization: Organization,
        customer_number: str,
        token: str,
        action: OfferAction,
        now: datetime,
        deadline: Deadline,
    ) -> OfferAnswer:
        st = organization.settings
        window = BookingWindow(st.timezone, st.booking_lead_minutes, st.booking_horizon_days, st.slot_step_minutes)
        return waitlist_answers.answer_offer(
            self.db,
            organization.id,
            customer_number,
            token,
            action,
            window,
            now=now,
            slot_guard=self.slot_guard,
            deadline=deadline,
        )

    def recall_for_customer(self, organization_id: str, customer_number: str, token: str) -> AnsweredRecall | None:
        return recalls.recall_for_customer(self.db, organization_id, customer_number, token)

    def answer_recall(self, organization_id: str, recall_id: str, answer: RecallAnswer, turn_id: str) -> bool:
        return recalls.record_answer(self.db, organization_id, recall_id, answer, turn_id)
