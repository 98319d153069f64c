"""What the processor's TurnService needs from the outside world, as small protocols.

The service is plain Python: the Lambda handler gives it DynamoDB, Postgres, Gemini, the agent
and SQS through adapters (receptionist.adapters: turn_ledger, turn_crm, turn_media, graph_agent,
queues); unit tests give it in-memory fakes, so each failure window is a test of its own. The
values that cross these ports are receptionist/turns.py's.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from receptionist.crm.consent import OptChange, Source
from receptionist.crm.models import BudgetState, ChatIdentity, Organization
from receptionist.crm.recalls import AnsweredRecall, RecallAnswer
from receptionist.crm.reminders import AnsweredReminder, AppliedAnswer, ReminderAnswer
from receptionist.crm.waitlist_answers import OfferAction, OfferAnswer
from receptionist.deadline import Deadline
from receptionist.i18n.locales import Locale
from receptionist.processor.media import Processed
from receptionist.turns import AgentAnswer, AgentRequest, BufferedMessage, Latest, TurnRecord


class TurnLedger(Protocol):
    """The conversations table, as the processor uses it (adapters.turn_ledger.DynamoTurnLedger)."""

    def latest(self, conversation: str) -> Latest | None:
        """The conversation's newest buffered message (None once it expired)."""
        ...

    def open_messages(self, conversation: str) -> list[BufferedMessage]:
        """Pending and claimed messages, in arrival order."""
        ...

    def turn(self, conversation: str, turn_id: str) -> TurnRecord | None: ...

    def claim(self, conversation: str, messages: list[BufferedMessage], turn_id: str) -> None:
        """All or nothing: each message must still be as it was read. Raises ClaimConflict."""
        ...

    def record_turn(self, conversation: str, record: TurnRecord) -> TurnRecord:
        """Store the record unless one exists; the stored one either way (first writer wins)."""
        ...

    def finish(self, conversation: str, record: TurnRecord, *, close_if_latest: str | None) -> None:
        """Mark the record sent and its messages done. With `close_if_latest`, also take the
        conversation off the sweep's list if that message is still its newest."""
        ...

    def close(self, conversation: str, latest_id: str) -> None:
        """Take the conversation off the sweep's list if `latest_id` is still its newest message."""
        ...


class Crm(Protocol):
    """The CRM, as the processor uses it (adapters: adapters.turn_crm.TurnCrm)."""

    @property
    def seconds(self) -> float:
        """Time spent in database calls so far (the agent's tools included)."""
        ...

    def organization(self, app_name: str) -> Organization | None:
        """The organization behind a Gupshup app (the one lookup across tenants)."""
        ...

    def acting_for(self, organization_id: str) -> AbstractContextManager[None]:
        """Everything inside reads and writes this organization's rows only (row level security);
        the methods below are called inside it."""
        ...

    def touch_identity(
        self,
        organization_id: str,
        customer_number: str,
        name: str | None,
        inbound_at: datetime | None,
        silence: timedelta | None = None,
    ) -> ChatIdentity:
        """Get or create the customer's chat identity; record their latest message time (a message
        `silence` after the previous one makes the AI disclosure due again; a new customer's first
        message grants service and reminders in the consent register)."""
        ...

    def mark_disclosed(self, organization_id: str, identity_id: str, turn_id: str, version: str) -> None:
        """This turn's reply carries the AI disclosure (written before the turn is recorded)."""
        ...

    def processed_texts(self, organization_id: str, message_ids: list[str]) -> dict[str, str]:
        """The texts already stored for these provider message ids (a retry reuses them)."""
        ...

    def set_detected_language(self, organization_id: str, identity_id: str, locale: Locale, at: datetime) -> bool:
        """Store the customer's language as detected (never over staff's choice); whether it changed."""
        ...

    def record_inbound(
        self, organization_id: str, identity_id: str, message: BufferedMessage, text: str, turn_id: str
    ) -> None:
        """Idempotent per provider message id."""
        ...

    def opt_out(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        """Opted out of every message, every purpose withdrawn in the consent register (an event
        older than the last applied is ignored); whether the customer was opted in before."""
        ...

    def opt_in(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        """Back for service replies only (reminders and marketing stay withdrawn); whether the
        customer was opted out before."""
        ...

    def own_opt_change(self, organization_id: str, identity_id: str, turn_id: str) -> OptChange | None:
        """What this turn's earlier attempt did to the customer's opt state ("out", "in"), if anything."""
        ...

    def open_escalation(self, organization_id: str, identity_id: str, reason: str, turn_id: str) -> None:
        """Record an escalation (idempotent per turn) and switch the bot off."""
        ...

    def note_customer_message(
        self, organization_id: str, identity_id: str, turn_id: str, text: str, at: datetime
    ) -> bool:
        """Keep the customer's message on the open escalation whose offer to take one went out
        (the first such message; this turn's again on a retry). Whether it is this turn's."""
        ...

    def budget(self, organization_id: str, identity_id: str) -> BudgetState:
        """Turns of this conversation in the last hour and the business's tokens today, against
        the business's own limits."""
        ...

    def record_usage(self, organization_id: str, identity_id: str, turn_id: str, answer: AgentAnswer) -> None: ...

    def first_budget_notice(self, organization_id: str, scope: str, window_start: datetime) -> bool:
        """Whether staff are yet to hear of this budget in this window (recorded now)."""
        ...

    def reminder_for_customer(self, organization_id: str, customer_number: str, token: str) -> AnsweredReminder | None:
        """The reminder behind a button's token, if it is this organization's and this customer's."""
        ...

    def awaiting_reminder(
        self, organization_id: str, customer_number: str, now: datetime, turn_id: str
    ) -> AnsweredReminder | None:
        """The customer's latest reminder sent and not answered, for an appointment still to come."""
        ...

    def answer_reminder(
        self, organization_id: str, reminder: AnsweredReminder, answer: ReminderAnswer, turn_id: str
    ) -> AppliedAnswer:
        """Record the answer (a tap replaces an earlier one); confirmed / cancelled also change the appointment."""
        ...

    def answer_waitlist_offer(
        self,
        organization: Organization,
        customer_number: str,
        token: str,
        action: OfferAction,
        now: datetime,
        deadline: Deadline,
    ) -> OfferAnswer:
        """A waitlist offer's tap, for this organization's customer only, in one transaction: accept
        books the slot (or finds it gone or the offer expired), decline is recorded. Idempotent."""
        ...

    def recall_for_customer(self, organization_id: str, customer_number: str, token: str) -> AnsweredRecall | None:
        """The recall behind a button's token, if it is this organization's and went to this customer."""
        ...

    def answer_recall(self, organization_id: str, recall_id: str, answer: RecallAnswer, turn_id: str) -> bool:
        """Record a recall's tap (the first answer stays); whether it changed anything."""
        ...


class MessageReader(Protocol):
    """Turns one buffered message into text (processor.media.MediaReader)."""

    def read(self, conversation: str, message: BufferedMessage, deadline: Deadline) -> Processed: ...

    def stored(self, kind: str, text: str) -> Processed:
        """A text stored by an earlier attempt, as if it had just been read."""
        ...


class Agent(Protocol):
    """The receptionist agent (adapters.graph_agent.GraphAgent). Raises when the model fails for
    good or the deadline passes; the service then retries or falls back."""

    def __call__(self, request: AgentRequest) -> AgentAnswer: ...


class ReadReceipts(Protocol):
    """Blue ticks and "typing…" (processor.read_receipts.ReadIndicator): never raises, never
    makes the turn wait for Gupshup."""

    def begin(self, organization: Organization, message_id: str, *, typing: bool) -> None:
        """The turn starts: mark the customer's last message read (with "typing…" when `typing`)."""
        ...

    def finish(self) -> None:
        """The ticket is done: no more "typing…"."""
        ...
