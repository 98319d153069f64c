"""In-memory adapters for the notifier's DeliveryService (the ports in receptionist.notifier.ports)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from tenancy_kit import ActsForOneTenant

from receptionist.adapters.gupshup_api import AppCredentials, GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.crm.models import (
    AgentSettings,
    ChatIdentity,
    NotificationSettings,
    Organization,
    PlatformConnection,
    ReminderTiming,
)
from receptionist.crm.staff_sends import prefix_of
from receptionist.messages import OutboundJob
from receptionist.notifier.retry import RetryPolicy
from receptionist.notifier.service import DeliveryService

APP = "ClinicaSonrisa"
ORG = "00000000-0000-4000-8000-000000000001"
BUSINESS = "34910000001"
KEY_REF = "/receptionist/dev/gupshup/ClinicaSonrisa"
CUSTOMER = "34600111222"
STAFF = ["34699000001", "34699000002", "34699000003"]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

_SETTINGS = AgentSettings("Sofía", "cálido", "", "es", "Europe/Madrid", 120, 60, 30)


@dataclass
class Row:
    id: str
    identity_id: str
    text: str
    turn_id: str | None
    part_index: int
    status: str = "queued"
    provider_message_id: str | None = None
    error: str | None = None
    kind: str = "text"
    sent_by: str | None = None
    template_id: str | None = None


@dataclass
class FakeStore(ActsForOneTenant):
    orgs: dict[str, Organization] = field(default_factory=dict)
    identities: dict[tuple[str, str], ChatIdentity] = field(default_factory=dict)
    settings: dict[str, NotificationSettings] = field(default_factory=dict)
    rows: dict[str, Row] = field(default_factory=dict)
    statuses: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    status_answer: bool = True
    reminders: dict[str, str] = field(default_factory=dict)  # reminder id -> the status it was marked
    skip_reasons: dict[str, str] = field(default_factory=dict)  # reminder id -> the skip_reason given
    timings: dict[str, ReminderTiming] = field(default_factory=dict)  # reminder id -> its appointment now
    events: list[str] = field(default_factory=list)  # reminder reads, shared with the sender's sends
    assignees: dict[str, str] = field(default_factory=dict)  # identity id -> the assignee's own number
    offers: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # offer_ref -> (status, reason)
    # staff template sends recorded: key -> (template id, number's prefix, at), as crm/staff_sends.py keeps them
    staff_sends: dict[str, tuple[str, str, datetime]] = field(default_factory=dict)
    staff_send_failures: list[Exception] = field(default_factory=list)  # the next records raise these

    acting: list[str] = field(default_factory=list)  # the organizations entered, innermost last

    def organization(self, app_name: str) -> Organization | None:
        return self.orgs.get(app_name)

    def organization_by_id(self, organization_id: str) -> Organization | None:
        return next((o for o in self.orgs.values() if o.id == organization_id), None)

    def identity(self, organization_id: str, customer_number: str) -> ChatIdentity | None:
        self._tenant(organization_id)
        return self.identities.get((organization_id, customer_number))

    def notification_settings(self, organization_id: str) -> NotificationSettings:
        self._tenant(organization_id)
        return self.settings.get(organization_id, NotificationSettings([], None, []))

    def assignee_number(self, organization_id: str, identity_id: str) -> str | None:
        self._tenant(organization_id)
        return self.assignees.get(identity_id)

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
        self._tenant(organization_id)
        for row in self.rows.values():
            if row.turn_id == turn_id and row.part_index == part_index:
                return row.id
        row = Row(
            str(uuid.uuid4()),
            identity_id,
            text,
            turn_id,
            part_index,
            kind=kind,
            sent_by=sent_by,
            template_id=template_id,
        )
        self.rows[row.id] = row
        return row.id

    def mark_sent(self, organization_id: str, message_id: str, provider_message_id: str) -> None:
        self._tenant(organization_id)
        row = self.rows[message_id]
        if row.status in ("queued", "enqueued"):
            row.status, row.provider_message_id = "sent", provider_message_id

    def mark_undeliverable(self, organization_id: str, message_id: str, reason: str) -> None:
        self._tenant(organization_id)
        row = self.rows[message_id]
        if row.status in ("queued", "enqueued"):
            row.status, row.error = "undeliverable", reason

    def record_status(self, organization_id: str, provider_message_id: str, state: str, error: str | None) -> bool:
        self._tenant(organization_id)
        self.statuses.append((organization_id, provider_message_id, state, error))
        return self.status_answer

    def reminder_timing(self, organization_id: str, reminder_id: str) -> ReminderTiming | None:
        self._tenant(organization_id)
        self.events.append(f"reminder_timing {reminder_id}")
        return self.timings.get(reminder_id)

    def mark_reminder(
        self,
        organization_id: str,
        reminder_id: str,
        status: Literal["sent", "skipped"],
        reason: str | None = None,
    ) -> None:
        self._tenant(organization_id)
        self.reminders[reminder_id] = status
        if reason is not None:
            self.skip_reasons[reminder_id] = reason

    def mark_offer(
        self, organization_id: str, offer_ref: str, status: Literal["sent", "failed"], reason: str | None = None
    ) -> None:
        self._tenant(organization_id)
        self.offers[offer_ref] = (status, reason)

    def offer_of_message(self, organization_id: str, provider_message_id: str) -> str | None:
        self._tenant(organization_id)
        for row in self.rows.values():
            if row.provider_message_id == provider_message_id and (row.turn_id or "").startswith("offer#"):
                return (row.turn_id or "").removeprefix("offer#")
        return None

    def record_staff_send(self, organization_id: str, key: str, *, template_id: str, number: str, at: datetime) -> bool:
        self._tenant(organization_id)
        self.events.append("record_staff_send")
        if self.staff_send_failures:
            raise self.staff_send_failures.pop(0)
        if key in self.staff_sends:
            return False
        self.staff_sends[key] = (template_id, prefix_of(number), at)
        return True

    # -- helpers for tests
    def parts_of(self, turn_id: str) -> list[Row]:
        return sorted((r for r in self.rows.values() if r.turn_id == turn_id), key=lambda r: r.part_index)


@dataclass
class Sent:
    kind: str  # "text", "interactive" or "template"
    app: AppCredentials
    destination: str
    text: str | None = None
    template_id: str | None = None
    params: list[str] | None = None
    timeout: float | None = None
    postback_texts: list[str] | None = None
    message: dict[str, Any] | None = None  # an interactive message's Gupshup JSON


class FakeWhatsAppSender:
    """Gupshup's send API: scripted failures consumed in order, then success."""

    def __init__(self) -> None:
        self.timeout = 8.0
        self.calls = 0
        self.events: list[str] = []  # each call, in order (the Harness shares it with the store's reads)
        self.sent: list[Sent] = []
        self.failures: list[GupshupError] = []
        self.fail_for: dict[str, GupshupError] = {}  # destination -> every call fails
        self._ids = itertools.count(1)

    def fail_next(self, *errors: GupshupError) -> None:
        self.failures.extend(errors)

    def _answer(self, message: Sent) -> str:
        self.calls += 1
        self.events.append(f"send_{message.kind}")
        if self.failures:
            raise self.failures.pop(0)
        if message.destination in self.fail_for:
            raise self.fail_for[message.destination]
        self.sent.append(message)
        return f"gs-{next(self._ids)}"

    def send_text(self, app: AppCredentials, destination: str, text: str, *, timeout: float | None = None) -> str:
        return self._answer(Sent("text", app, destination, text=text, timeout=timeout))

    def send_interactive(
        self, app: AppCredentials, destination: str, message: dict[str, Any], *, timeout: float | None = None
    ) -> str:
        return self._answer(Sent("interactive", app, destination, timeout=timeout, message=message))

    def send_template(
        self,
        app: AppCredentials,
        destination: str,
        template_id: str,
        params: list[str],
        *,
        timeout: float | None = None,
        postback_texts: list[str] | None = None,
    ) -> str:
        return self._answer(
            Sent(
                "template",
                app,
                destination,
                template_id=template_id,
                params=params,
                timeout=timeout,
                postback_texts=postback_texts,
            )
        )


class MemoryIdempotency:
    """Same contract as the Powertools adapter: completed results are stored; a failure stores nothing."""

    def __init__(self) -> None:
        self.done: dict[tuple[str, str], dict[str, Any]] = {}

    def once(self, scope: str, key: str, work: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        if (scope, key) in self.done:
            return dict(self.done[(scope, key)]), False
        result = work()
        self.done[(scope, key)] = dict(result)
        return result, True


def transient(status: int = 500) -> GupshupError:
    return GupshupError(f"Gupshup server error ({status})", transient=True, status=status)


def permanent(message: str = "Invalid Destination") -> GupshupError:
    return GupshupError(f"Gupshup refused the message (400): {message}", transient=False, status=400)


@dataclass
class Harness:
    store: FakeStore = field(default_factory=FakeStore)
    sender: FakeWhatsAppSender = field(default_factory=FakeWhatsAppSender)
    idempotency: MemoryIdempotency = field(default_factory=MemoryIdempotency)
    slept: list[float] = field(default_factory=list)
    keys_read: list[str] = field(default_factory=list)
    now: datetime = NOW

    def __post_init__(self) -> None:
        self.sender.events = self.store.events  # one timeline: reads and sends in order
        self.store.orgs[APP] = Organization(ORG, "Clínica", _SETTINGS, PlatformConnection(APP, BUSINESS, KEY_REF))
        self.store.settings[ORG] = NotificationSettings(
            list(STAFF), "escalation_notice", ["customer_name", "customer_number", "reason"]
        )
        self.service = DeliveryService(
            store=self.store,
            sender=self.sender,
            idempotency=self.idempotency,
            api_key=self._key,
            retry=RetryPolicy(attempts=4, base_seconds=0.5, cap_seconds=4.0, sleep=self.slept.append),
            now=lambda: self.now,
        )

    def _key(self, ref: str) -> str:
        self.keys_read.append(ref)
        return "k-123"

    def customer(
        self,
        number: str = CUSTOMER,
        *,
        last_inbound: timedelta | None = timedelta(minutes=5),
        opted_out: bool = False,
        bot_enabled: bool = True,
        name: str | None = "Lucía",
        language: str | None = None,
    ) -> ChatIdentity:
        identity = ChatIdentity(
            str(uuid.uuid4()),
            ORG,
            number,
            name,
            None,
            bot_enabled,
            opted_out,
            None if last_inbound is None else self.now - last_inbound,
            language=language,
        )
        self.store.identities[(ORG, number)] = identity
        return identity

    def appointment(
        self,
        reminder_id: str,
        *,
        reminded: timedelta = timedelta(days=1),
        starts: timedelta | None = None,
        status: str = "pending",
        consented: bool = True,
    ) -> ReminderTiming:
        """The reminder's appointment in the CRM: the reminder is for NOW + `reminded`; the
        appointment is `status` and starts at NOW + `starts` (default: that same time);
        `consented`: its customer has reminder consent (the consent register)."""
        timing = ReminderTiming(
            self.now + reminded, status, self.now + (reminded if starts is None else starts), consented
        )
        self.store.timings[reminder_id] = timing
        return timing

    def reply(self, text: str, *, job_id: str = "turn-1#reply", turn_id: str = "turn-1", **kw: Any) -> OutboundJob:
        """A reply job as the processor makes it (the notifier records its rows)."""
        return OutboundJob(
            job_id=job_id,
            kind=kw.pop("kind", "reply"),
            conversation=str(ConversationKey(APP, CUSTOMER)),
            text=text,
            turn_id=turn_id,
            **kw,
        )
