"""In-memory adapters for the processor's TurnService (the ports in receptionist.processor.ports).

FakeLedger keeps the conversations table's semantics (conditions included); FakeQueue
deduplicates like an SQS FIFO queue within its 5-minute window; `crash_after` makes any adapter
method raise right after it did its work, to stop a turn exactly between two side effects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from tenancy_kit import ActsForOneTenant

from receptionist.conversation_key import ConversationKey
from receptionist.crm.consent import OptChange, Source
from receptionist.crm.models import AgentSettings, BudgetState, ChatIdentity, Organization, PlatformConnection
from receptionist.crm.recalls import AnsweredRecall, RecallAnswer
from receptionist.crm.reminders import AnsweredReminder, AppliedAnswer, ReminderAnswer
from receptionist.crm.waitlist_answers import OfferAction, OfferAnswer
from receptionist.deadline import Deadline, DeadlineExceeded
from receptionist.i18n.locales import Locale
from receptionist.messages import InboundTicket
from receptionist.processor.media import MediaReader
from receptionist.processor.service import TurnReport, TurnService
from receptionist.processor.turn_limits import TurnLimits
from receptionist.turns import (
    CLAIMED,
    DONE,
    PENDING,
    AgentAnswer,
    AgentRequest,
    BufferedMessage,
    ClaimConflict,
    Latest,
    TurnRecord,
)

APP = "ClinicaSonrisa"
ORG = "00000000-0000-4000-8000-000000000001"
CUSTOMER = "34600111222"
CONVERSATION = str(ConversationKey(APP, CUSTOMER))
_SETTINGS = AgentSettings("Sofía", "cálido", "", "es", "Europe/Madrid", 120, 60, 30)


class Crash(RuntimeError):
    """Stands for the process dying at that point."""


def crash_after(target: Any, method: str, times: int = 1) -> None:
    """`target.method` does its work, then raises Crash (the next `times` calls)."""
    real = getattr(target, method)
    left = {"n": times}

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        if left["n"] > 0:
            left["n"] -= 1
            raise Crash(f"crash after {method}")
        return result

    setattr(target, method, wrapped)


@dataclass
class FakeLedger:
    messages: dict[str, dict[str, BufferedMessage]] = field(default_factory=dict)  # conv -> sk -> message
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    turns: dict[tuple[str, str], TurnRecord] = field(default_factory=dict)

    # the webhook's side
    def buffer(self, conversation: str, message: dict[str, Any], received_at_ms: int) -> BufferedMessage:
        sk = f"MSG#{received_at_ms:015d}#{message['id']}"
        item = BufferedMessage(sk, message["id"], message.get("type", "text"), message, received_at_ms)
        self.messages.setdefault(conversation, {})[sk] = item
        self.meta[conversation] = {"last_message_id": message["id"], "last_message_sk": sk, "open": True}
        return item

    def is_open(self, conversation: str) -> bool:
        return bool(self.meta.get(conversation, {}).get("open"))

    def statuses(self, conversation: str = CONVERSATION) -> list[str]:
        return [m.status for _, m in sorted(self.messages.get(conversation, {}).items())]

    # the port
    def latest(self, conversation: str) -> Latest | None:
        meta = self.meta.get(conversation)
        return Latest(meta["last_message_id"]) if meta else None

    def open_messages(self, conversation: str) -> list[BufferedMessage]:
        items = sorted(self.messages.get(conversation, {}).items())
        return [m for _, m in items if m.status in (PENDING, CLAIMED)]

    def turn(self, conversation: str, turn_id: str) -> TurnRecord | None:
        return self.turns.get((conversation, turn_id))

    def claim(self, conversation: str, messages: list[BufferedMessage], turn_id: str) -> None:
        stored = self.messages[conversation]
        for m in messages:
            now = stored[m.sk]
            if now.status != m.status or now.turn_id != m.turn_id or now.status == DONE:
                raise ClaimConflict(m.message_id)
        for m in messages:
            stored[m.sk] = replace(stored[m.sk], status=CLAIMED, turn_id=turn_id)

    def record_turn(self, conversation: str, record: TurnRecord) -> TurnRecord:
        return self.turns.setdefault((conversation, record.turn_id), record)

    def finish(self, conversation: str, record: TurnRecord, *, close_if_latest: str | None) -> None:
        self.turns[(conversation, record.turn_id)] = replace(record, sent=True)
        stored = self.messages[conversation]
        for key in record.message_keys:
            if key in stored:
                stored[key] = replace(stored[key], status=DONE)
        if close_if_latest:
            self.close(conversation, close_if_latest)

    def close(self, conversation: str, latest_id: str) -> None:
        meta = self.meta.get(conversation)
        if meta and meta["last_message_id"] == latest_id:
            meta["open"] = False


@dataclass
class FakeCrm(ActsForOneTenant):
    orgs: dict[str, Organization] = field(default_factory=dict)
    identities: dict[tuple[str, str], ChatIdentity] = field(default_factory=dict)
    inbound: dict[str, tuple[str, str]] = field(default_factory=dict)  # provider id -> (text, turn id)
    escalations: dict[str, str] = field(default_factory=dict)  # turn id -> reason
    opt_events: list[tuple[bool, datetime]] = field(default_factory=list)
    # The consent register: (identity id, purpose, state, source, reference); a reference is written once.
    consent: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)
    opt_changed_at: dict[str, datetime] = field(default_factory=dict)
    # A new customer's first reply carries the AI disclosure (chat_identities.disclosure_due); False
    # stands for customers told before (the tests of other things), disclosure's own tests set True.
    new_customers_untold: bool = True
    disclosures: list[tuple[str, str, str]] = field(default_factory=list)  # (identity id, turn id, version)
    seconds: float = 0.0
    round_trips: int = 0
    acting: list[str] = field(default_factory=list)  # the organizations entered, innermost last
    max_turns_per_hour: int = 30
    max_tokens_per_day: int = 300_000
    usage: dict[str, tuple[str, int]] = field(default_factory=dict)  # turn id -> (identity id, tokens)
    notices: set[tuple[str, str, datetime]] = field(default_factory=set)
    # token -> (organization, customer number, reminder); answers: reminder id -> (answer, turn id)
    reminders: dict[str, tuple[str, str, AnsweredReminder]] = field(default_factory=dict)
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    # token -> (organization, customer number, recall); recall_answers: recall id -> (answer, turn id)
    recalls: dict[str, tuple[str, str, AnsweredRecall]] = field(default_factory=dict)
    recall_answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    appointment_changes: list[tuple[str, str]] = field(default_factory=list)  # (appointment id, new status)
    # Identities whose open escalation's offer to take a message went out; the message noted:
    # identity id -> (turn id, text).
    message_offered: set[str] = field(default_factory=set)
    messages_noted: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Waitlist offers: token -> (organization, customer number, the offer's slot as the CRM words it);
    # their state (open, booked, declined, lost) and every tap the CRM was asked to apply.
    offers: dict[str, tuple[str, str, OfferAnswer]] = field(default_factory=dict)
    offer_states: dict[str, str] = field(default_factory=dict)
    offer_taps: list[tuple[str, str]] = field(default_factory=list)
    bookings: list[str] = field(default_factory=list)  # tokens of the offers that booked their slot
    offer_deadlines: list[Deadline] = field(default_factory=list)  # what each tap's booking may spend

    def organization(self, app_name: str) -> Organization | None:
        self.round_trips += 1
        return self.orgs.get(app_name)

    def touch_identity(
        self,
        organization_id: str,
        customer_number: str,
        name: str | None,
        inbound_at: datetime | None,
        silence: timedelta | None = None,
    ) -> ChatIdentity:
        self._tenant(organization_id)
        self.round_trips += 1
        key = (organization_id, customer_number)
        current = self.identities.get(key) or ChatIdentity(
            f"id-{customer_number}",
            organization_id,
            customer_number,
            None,
            None,
            True,
            False,
            None,
            disclosure_due=self.new_customers_untold,
        )
        previous = current.last_inbound_at
        due = current.disclosure_due or bool(
            silence is not None and inbound_at is not None and previous is not None and inbound_at - previous >= silence
        )
        latest = max((t for t in (previous, inbound_at) if t is not None), default=None)
        current = replace(
            current, display_name=name or current.display_name, last_inbound_at=latest, disclosure_due=due
        )
        self.identities[key] = current
        if inbound_at is not None:  # a first message grants service and reminders (purposes with no event)
            for purpose in ("service", "reminders"):
                if not any(c[0] == current.id and c[1] == purpose for c in self.consent):
                    self.consent.append((current.id, purpose, "granted", "whatsapp", "first_message"))
        return current

    def mark_disclosed(self, organization_id: str, identity_id: str, turn_id: str, version: str) -> None:
        self._tenant(organization_id)
        self.round_trips += 1
        key = next(k for k, v in self.identities.items() if v.id == identity_id)
        current = self.identities[key]
        if current.disclosure_due or current.disclosure_turn != turn_id:
            self.disclosures.append((identity_id, turn_id, version))
            self.identities[key] = replace(current, disclosure_due=False, disclosure_turn=turn_id)

    def _opt(self, identity_id: str, out: bool, at: datetime, source: Source, reference: str) -> bool:
        key = next(k for k, v in self.identities.items() if v.id == identity_id)
        before = self.identities[key].opted_out
        if identity_id in self.opt_changed_at and self.opt_changed_at[identity_id] > at:
            return False  # an older event never undoes a newer one
        self.opt_changed_at[identity_id] = at
        self.opt_events.append((out, at))
        self.identities[key] = replace(self.identities[key], opted_out=out)
        if before != out:
            for purpose in ("service", "reminders", "marketing") if out else ("service",):
                if not any(c[0] == identity_id and c[1] == purpose and c[4] == reference for c in self.consent):
                    self.consent.append((identity_id, purpose, "withdrawn" if out else "granted", source, reference))
        return before != out

    def opt_out(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        self._tenant(organization_id)
        self.round_trips += 1
        return self._opt(identity_id, True, at, source, reference)

    def opt_in(self, organization_id: str, identity_id: str, at: datetime, source: Source, reference: str) -> bool:
        self._tenant(organization_id)
        self.round_trips += 1
        return self._opt(identity_id, False, at, source, reference)

    def own_opt_change(self, organization_id: str, identity_id: str, turn_id: str) -> OptChange | None:
        self._tenant(organization_id)
        self.round_trips += 1
        mine = [c[4] for c in self.consent if c[0] == identity_id and c[1] == "service"]
        for reference in reversed(mine):
            if reference == f"{turn_id}#out":
                return "out"
            if reference == f"{turn_id}#in":
                return "in"
        return None

    def granted(self, purpose: str, customer: str = CUSTOMER) -> bool | None:
        """The purpose's current state (None: never recorded)."""
        identity = self.identities[(ORG, customer)].id
        states = [c[2] for c in self.consent if c[0] == identity and c[1] == purpose]
        return states[-1] == "granted" if states else None

    def set_bot(self, enabled: bool, customer: str = CUSTOMER) -> None:
        key = (ORG, customer)
        with self.acting_for(ORG):
            self.identities[key] = replace(self.touch_identity(ORG, customer, None, None), bot_enabled=enabled)

    def processed_texts(self, organization_id: str, message_ids: list[str]) -> dict[str, str]:
        self._tenant(organization_id)
        self.round_trips += 1
        return {i: self.inbound[i][0] for i in message_ids if i in self.inbound}

    def set_detected_language(self, organization_id: str, identity_id: str, locale: Locale, at: datetime) -> bool:
        # As crm/customer_language.set_detected: never over staff's choice, nothing when unchanged.
        self._tenant(organization_id)
        self.round_trips += 1
        key = next(k for k, v in self.identities.items() if v.id == identity_id)
        current = self.identities[key]
        if current.language_source == "staff" or current.language == locale:
            return False
        self.identities[key] = replace(current, language=locale, language_source="detected")
        return True

    def record_inbound(
        self, organization_id: str, identity_id: str, message: BufferedMessage, text: str, turn_id: str
    ) -> None:
        self._tenant(organization_id)
        self.round_trips += 1
        self.inbound.setdefault(message.message_id, (text, turn_id))

    def budget(self, organization_id: str, identity_id: str) -> BudgetState:
        self._tenant(organization_id)
        turns = sum(1 for ident, _ in self.usage.values() if ident == identity_id)
        tokens = sum(t for _, t in self.usage.values())
        hour = datetime(2026, 11, 30, 8, tzinfo=UTC)
        return BudgetState(turns, self.max_turns_per_hour, tokens, self.max_tokens_per_day, hour, hour)

    def record_usage(self, organization_id: str, identity_id: str, turn_id: str, answer: AgentAnswer) -> None:
        self._tenant(organization_id)
        self.usage[turn_id] = (identity_id, answer.prompt_tokens + answer.completion_tokens)

    def first_budget_notice(self, organization_id: str, scope: str, window_start: datetime) -> bool:
        self._tenant(organization_id)
        key = (organization_id, scope, window_start)
        first = key not in self.notices
        self.notices.add(key)
        return first

    def open_escalation(self, organization_id: str, identity_id: str, reason: str, turn_id: str) -> None:
        self._tenant(organization_id)
        self.escalations.setdefault(turn_id, reason)
        key = next(k for k, v in self.identities.items() if v.id == identity_id)
        self.identities[key] = replace(self.identities[key], bot_enabled=False)

    def note_customer_message(
        self, organization_id: str, identity_id: str, turn_id: str, text: str, at: datetime
    ) -> bool:
        self._tenant(organization_id)
        if identity_id not in self.message_offered:
            return False
        noted = self.messages_noted.setdefault(identity_id, (turn_id, text))
        return noted[0] == turn_id

    # -- reminders: the CRM's semantics (confirm / cancel idempotent, the first answer stays)
    def add_reminder(self, token: str, reminder: AnsweredReminder, org: str = ORG, customer: str = CUSTOMER) -> None:
        self.reminders[token] = (org, customer, reminder)

    # -- recalls: the first answer stays (crm.recalls.record_answer)
    def add_recall(self, token: str, recall: AnsweredRecall, org: str = ORG, customer: str = CUSTOMER) -> None:
        self.recalls[token] = (org, customer, recall)

    def recall_for_customer(self, organization_id: str, customer_number: str, token: str) -> AnsweredRecall | None:
        self._tenant(organization_id)
        self.round_trips += 1
        found = self.recalls.get(token)
        if found is None or found[:2] != (organization_id, customer_number):
            return None
        return found[2]

    def answer_recall(self, organization_id: str, recall_id: str, answer: RecallAnswer, turn_id: str) -> bool:
        self._tenant(organization_id)
        self.round_trips += 1
        if recall_id in self.recall_answers:
            return False
        self.recall_answers[recall_id] = (answer, turn_id)
        return True

    def appointment_status(self, appointment_id: str) -> str:
        return next(r.status for _, _, r in self.reminders.values() if r.appointment_id == appointment_id)

    def reminder_for_customer(self, organization_id: str, customer_number: str, token: str) -> AnsweredReminder | None:
        self._tenant(organization_id)
        self.round_trips += 1
        found = self.reminders.get(token)
        if found is None or found[:2] != (organization_id, customer_number):
            return None
        return replace(found[2], answer=self.answers.get(found[2].reminder_id, (None, None))[0])

    def awaiting_reminder(
        self, organization_id: str, customer_number: str, now: datetime, turn_id: str
    ) -> AnsweredReminder | None:
        self._tenant(organization_id)
        self.round_trips += 1
        for org, customer, r in self.reminders.values():
            answer = self.answers.get(r.reminder_id)
            mine = (org, customer) == (organization_id, customer_number)
            active = r.status in ("pending", "confirmed") and not r.moved
            if mine and (answer is None or answer[1] == turn_id) and active:
                return r
        return None

    def answer_reminder(
        self, organization_id: str, reminder: AnsweredReminder, answer: ReminderAnswer, turn_id: str
    ) -> AppliedAnswer:
        self._tenant(organization_id)
        self.round_trips += 2
        current = next(r for _, _, r in self.reminders.values() if r.reminder_id == reminder.reminder_id)
        status, error = current.status, None
        moved = current.starts_at != reminder.reminded_starts_at and current.status in ("pending", "confirmed")
        if answer in ("confirmed", "cancelled") and moved:  # the CRM's change is conditional on the reminder's time
            return AppliedAnswer(current.status, "moved", current.starts_at)
        if answer in ("confirmed", "cancelled"):
            allowed = ("pending",) if answer == "confirmed" else ("pending", "confirmed")
            if current.status in allowed:
                status = answer
                self.appointment_changes.append((current.appointment_id, answer))
                for t, (o, c, r) in list(self.reminders.items()):  # every reminder of the appointment
                    if r.appointment_id == current.appointment_id:
                        self.reminders[t] = (o, c, replace(r, status=answer))
            elif current.status != answer:
                error = "not_active"
        if error is None and (answer != "typed" or reminder.reminder_id not in self.answers):
            self.answers[reminder.reminder_id] = (answer, turn_id)
        return AppliedAnswer(status, error)

    # -- waitlist offers: the CRM's semantics (one booking per offer, idempotent taps)
    def add_offer(
        self, token: str, slot: OfferAnswer, org: str = ORG, customer: str = CUSTOMER, state: str = "open"
    ) -> None:
        self.offers[token] = (org, customer, slot)
        self.offer_states[token] = state

    def answer_waitlist_offer(
        self,
        organization: Organization,
        customer_number: str,
        token: str,
        action: OfferAction,
        now: datetime,
        deadline: Deadline,
    ) -> OfferAnswer:
        self._tenant(organization.id)
        self.round_trips += 1
        self.offer_taps.append((token, action))
        self.offer_deadlines.append(deadline)
        found = self.offers.get(token)
        if found is None or found[:2] != (organization.id, customer_number):
            return OfferAnswer("unknown")
        slot, state = found[2], self.offer_states[token]
        if state == "open":
            state = "declined" if action == "decline" else slot.outcome
            if state == "booked":
                self.bookings.append(token)
            self.offer_states[token] = state
        elif state == "declined" and action == "accept":
            return replace(slot, outcome="closed")
        return replace(slot, outcome=state)  # type: ignore[arg-type]


@dataclass
class FakeMediaPorts:
    transcripts: dict[bytes, str] = field(default_factory=dict)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    gemini_calls: int = 0
    timeouts: list[float] = field(default_factory=list)

    def download(self, url: str, *, max_bytes: int, allowed_types: tuple[str, ...], timeout: float) -> Any:
        self.timeouts.append(timeout)
        if url not in self.files:
            raise OSError("404")

        @dataclass
        class Fetched:
            data: bytes
            content_type: str

        return Fetched(*self.files[url])

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str:
        return f"s3://bucket/{message_id}"

    def transcribe(self, data: bytes, mime_type: str, *, timeout: float) -> str:
        self.gemini_calls += 1
        return self.transcripts[data]

    def describe(self, data: bytes, mime_type: str, *, timeout: float) -> str:
        self.gemini_calls += 1
        return self.transcripts[data]


@dataclass
class FakeAgent:
    """Answers "Respuesta a: <text>"; `fail` makes the next calls raise."""

    requests: list[AgentRequest] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    escalate: str | None = None
    handoff_note: str | None = None  # escalate_to_human outside the hours: the code's sentence
    answer: Callable[[AgentRequest], str] = lambda r: f"Respuesta a: {r.text}"

    def __call__(self, request: AgentRequest) -> AgentAnswer:
        self.requests.append(request)
        if self.failures:
            raise self.failures.pop(0)
        request.deadline.check("the model")
        escalations = [self.escalate] if self.escalate else []
        return AgentAnswer(
            self.answer(request),
            escalations,
            model_calls=1,
            prompt_tokens=900,
            completion_tokens=100,
            handoff_note=self.handoff_note,
        )

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.requests]


@dataclass
class FakeQueue:
    """SQS FIFO: a second send with the same deduplication id is accepted and dropped."""

    name: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    dedup_ids: set[str] = field(default_factory=set)

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        if dedup_id not in self.dedup_ids:
            self.dedup_ids.add(dedup_id)
            self.bodies.append(json.loads(message.model_dump_json(exclude_none=True)))
            self.groups.append(group)
        return f"{self.name}-{len(self.bodies)}"

    def forget(self) -> None:
        """The 5-minute deduplication window has passed."""
        self.dedup_ids.clear()

    def take(self) -> list[dict[str, Any]]:
        out, self.bodies = self.bodies, []
        return out


class Harness:
    """A TurnService on in-memory adapters, the demo organization known, one customer.
    `untold`: new customers have the AI disclosure due (the CRM's default); the tests of other
    things start from customers told before, so their replies read as the agent's alone."""

    def __init__(self, limits: TurnLimits | None = None, *, untold: bool = False) -> None:
        self.ledger = FakeLedger()
        self.crm = FakeCrm(new_customers_untold=untold)
        self.crm.orgs[APP] = Organization(
            ORG, "Clínica Sonrisa", _SETTINGS, PlatformConnection(APP, "34910000001", "/receptionist/dev/gupshup/x")
        )
        self.ports = FakeMediaPorts()
        self.agent = FakeAgent()
        self.outbound = FakeQueue("outbound")
        self.inbound = FakeQueue("inbound")
        self.service = TurnService(
            ledger=self.ledger,
            crm=self.crm,
            media=MediaReader(self.ports),
            agent=self.agent,
            outbound=self.outbound,
            inbound=self.inbound,
            limits=limits or TurnLimits(),
        )
        self._clock = 1_795_420_800_000
        self._ids = 0

    def receive(
        self, payload: dict[str, Any], kind: str = "text", customer: str = CUSTOMER, app: str = APP
    ) -> InboundTicket:
        """What the webhook does for one message: buffer it, return its ticket."""
        self._ids += 1
        self._clock += 1000
        mid = f"wamid.{self._ids:04d}"
        message = {"id": mid, "source": customer, "type": kind, "payload": payload, "sender": {"phone": customer}}
        conversation = str(ConversationKey(app, customer))
        self.ledger.buffer(conversation, message, self._clock)
        return InboundTicket(conversation=conversation, message_id=mid)

    def text(self, text: str, **kwargs: Any) -> InboundTicket:
        return self.receive({"text": text}, **kwargs)

    def tap(self, title: str, postback: str, **kwargs: Any) -> InboundTicket:
        """A quick-reply button tapped, as Gupshup delivers a template button's answer."""
        return self.receive({"text": title, "type": "button", "postbackText": postback}, kind="quick_reply", **kwargs)

    def handle(self, ticket: InboundTicket, *, final: bool = False, deadline: Deadline | None = None) -> TurnReport:
        return self.service.handle(ticket, deadline, last_attempt=final)

    def drain_inbound(self) -> list[TurnReport]:
        """Run every ticket the processor queued for itself (carried messages), as SQS would."""
        reports = []
        while self.inbound.bodies:
            ticket = InboundTicket.model_validate(self.inbound.bodies.pop(0))
            reports.append(self.handle(ticket))
        return reports

    def replies(self) -> list[str]:
        """The customer's texts as the notifier sends them: once per job id (it is idempotent
        per job, so a job queued again after SQS's deduplication window is not sent twice)."""
        seen: dict[str, str] = {}
        for job in self.outbound.bodies:
            if job["kind"] in ("reply", "fallback", "opt_out"):
                seen.setdefault(job["job_id"], job["text"])
        return list(seen.values())

    def nothing_claimed(self, conversation: str = CONVERSATION) -> bool:
        return CLAIMED not in self.ledger.statuses(conversation)


__all__ = ["Crash", "DeadlineExceeded", "Harness", "crash_after"]


def pending_reminder(starts: datetime, service: str = "Limpieza dental") -> AnsweredReminder:
    """A reminder of appointment appt-1 with Dra. Ana at `starts` (Madrid), not answered yet."""
    return AnsweredReminder(
        reminder_id="rem-1",
        appointment_id="appt-1",
        contact_id="contact-1",
        service=service,
        member="Dra. Ana",
        starts_at=starts,
        status="pending",
        timezone="Europe/Madrid",
        answer=None,
        reminded_starts_at=starts,
    )
