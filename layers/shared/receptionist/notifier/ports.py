"""What the notifier's delivery service needs from the outside world, as small protocols.

The service is plain Python: the Lambda handler gives it the CRM (Postgres), the Gupshup API and
Powertools idempotency (DynamoDB); unit tests give it in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Literal, Protocol

from receptionist.adapters.gupshup_api import AppCredentials
from receptionist.crm.models import ChatIdentity, NotificationSettings, Organization, ReminderTiming, VoidReason


class NotifierStore(Protocol):
    """The CRM, as the notifier uses it (receptionist.adapters.delivery_crm.DeliveryCrm)."""

    def organization(self, app_name: str) -> Organization | None:
        """The active organization behind a Gupshup app (the one lookup across tenants)."""
        ...

    def organization_by_id(self, organization_id: str) -> Organization | None:
        """The active organization itself (a staff notice names it), with its Gupshup app."""
        ...

    def acting_for(self, organization_id: str) -> AbstractContextManager[None]:
        """Everything inside reads and writes this organization's rows only (row level security);
        the methods below are called inside it."""
        ...

    def identity(self, organization_id: str, customer_number: str) -> ChatIdentity | None: ...

    def notification_settings(self, organization_id: str) -> NotificationSettings: ...

    def assignee_number(self, organization_id: str, identity_id: str) -> str | None:
        """The own WhatsApp number of the staff member the conversation is assigned to, if any."""
        ...

    def record_part(
        self,
        organization_id: str,
        identity_id: str,
        *,
        text: str,
        turn_id: str,
        part_index: int,
        kind: str = "text",
        sent_by: str | None = None,
        template_id: str | None = None,
    ) -> str:
        """Record one outbound part (status queued), idempotent per (turn_id, part_index); its id.
        `kind` "text" or "template"; `sent_by` None for the assistant, "staff:<e-mail>" for staff;
        `template_id` the template sent (its category prices it)."""
        ...

    def mark_sent(self, organization_id: str, message_id: str, provider_message_id: str) -> None: ...

    def mark_undeliverable(self, organization_id: str, message_id: str, reason: str) -> None: ...

    def record_status(self, organization_id: str, provider_message_id: str, state: str, error: str | None) -> bool:
        """Apply a delivery state (never backwards); whether the message changed."""
        ...

    def reminder_timing(self, organization_id: str, reminder_id: str) -> ReminderTiming | None:
        """The start time a reminder is for and its appointment's status and start now (None: gone);
        read right before the reminder is sent. One round trip."""
        ...

    def mark_reminder(
        self,
        organization_id: str,
        reminder_id: str,
        status: Literal["sent", "skipped"],
        reason: VoidReason | None = None,
    ) -> None:
        """An appointment reminder was sent, or will not be (opted out, refused, no conversation;
        `reason`: its appointment was cancelled, moved or started, or it is gone)."""
        ...

    def mark_offer(
        self, organization_id: str, offer_ref: str, status: Literal["sent", "failed"], reason: str | None = None
    ) -> None:
        """An offer ("waitlist:<id>", "recall:<id>") was sent, or failed for good (`reason`: why,
        never a message's text)."""
        ...

    def offer_of_message(self, organization_id: str, provider_message_id: str) -> str | None:
        """The offer_ref of the outbound message Gupshup's id names, when it delivered an offer."""
        ...

    def record_staff_send(self, organization_id: str, key: str, *, template_id: str, number: str, at: datetime) -> bool:
        """A template to a staff number Gupshup accepted (crm/staff_sends.py: the number's first
        digits only), once per `key`; False when already recorded."""
        ...


class WhatsAppSender(Protocol):
    """Gupshup's send API (receptionist.adapters.gupshup_api.GupshupApi).

    Raises GupshupError; its `transient` flag says whether trying again may help."""

    timeout: float
    calls: int  # HTTP requests made so far

    def send_text(self, app: AppCredentials, destination: str, text: str, *, timeout: float | None = None) -> str: ...

    def send_interactive(
        self, app: AppCredentials, destination: str, message: dict[str, Any], *, timeout: float | None = None
    ) -> str:
        """A list message or reply buttons (receptionist.notifier.interactive's shapes)."""
        ...

    def send_template(
        self,
        app: AppCredentials,
        destination: str,
        template_id: str,
        params: list[str],
        *,
        timeout: float | None = None,
        postback_texts: list[str] | None = None,
    ) -> str: ...


StoredReport = dict[str, Any]


class Idempotency(Protocol):
    """Run a piece of work at most once per key (receptionist.adapters.idempotency).

    `scope` separates kinds of keys ("job", "send"). The work's result (a small JSON-able dict)
    is stored; a later call with the same key returns it without running the work. A failed
    work leaves no record, so it can be tried again."""

    def once(self, scope: str, key: str, work: Callable[[], StoredReport]) -> tuple[StoredReport, bool]:
        """(result, ran): ran is False when the result is a stored one."""
        ...


KeyProvider = Callable[[str], str]  # api_key_ref (an SSM parameter name) -> the Gupshup API key
