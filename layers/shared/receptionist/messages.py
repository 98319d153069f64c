"""What travels on the queues between the functions (small JSON documents).

Inbound FIFO (webhook -> processor), group = conversation:
  InboundTicket kind "message"     one per buffered customer message (the message itself stays
                                   in the conversations table; the ticket says where)
  InboundTicket kind "user_event"  opt-in / opt-out, in order with that conversation's messages

Outbound FIFO (processor/webhook/console -> notifier), group = conversation:
  OutboundJob kind reply | fallback | escalation   something to say on WhatsApp (group = conversation)
  OutboundJob kind "opt_out"       the fixed confirmation of a customer's written opt-out: a reply
                                   the notifier sends although the customer has just opted out
  OutboundJob kind human_reply | human_template    a staff member writing to the customer as the
                                   business (the staff console; group = conversation)
  OutboundJob kind "reminder"      an appointment reminder: an approved template to the customer,
                                   its quick-reply buttons carrying the reminder's random token
                                   (receptionist.reminders; group = conversation)
  OutboundJob kind "offer"         something a pass offers a customer to tap (a freed slot of the
                                   waitlist, a recall): `offer_ref` names the row the notifier marks
                                   sent / failed; an approved template with quick replies, or
                                   inside the 24-hour window a session message with reply buttons
                                   (receptionist.reminders.waitlist; group = conversation)
  OutboundJob kind "status"        a delivery state Gupshup reported (sent, delivered, read...),
                                   in a group per Gupshup message (order does not matter for them)
  OutboundJob kind "staff_notice"  a short notice to the business's staff (a calendar connection
                                   broken, an external event over an appointment:
                                   receptionist.calendar.notices); organization-scoped, no
                                   conversation (group = staff#<organization>)

Calendar FIFO (relay / push route / poll -> CalendarFunction; docs/calendar.md):
  CalendarJob kind "appointment"   one calendar_outbox row: mirror an appointment into one member's
                                   calendar as it is now (group = member, dedup = outbox id)
  CalendarJob kind "sync"          read a connection's changes (group = connection, dedup = the push
                                   channel + a 30 s bucket, or the poll's 15 minute bucket)

Each queue carries one model, told apart by `kind`, so a consumer that only knows the older
kinds still parses every document it receives.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Literal, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

# SQS FIFO MessageGroupId / MessageDeduplicationId: 1-128 chars of ASCII alphanumerics and
# punctuation (0x21-0x7E).
_FIFO_ID = re.compile(r"[!-~]{1,128}")


def fifo_id(value: str) -> str:
    """`value` itself when SQS accepts it as a FIFO group or deduplication id, else its sha256 hex.

    Deterministic, so the same conversation always maps to the same group and a redelivered
    message to the same deduplication id.
    """
    if _FIFO_ID.fullmatch(value):
        return value
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


UserEventType = Literal["opted-in", "opted-out"]


class Queue(Protocol):
    """One SQS FIFO queue, as every function's domain code sees it (adapters.queues.FifoQueue):
    a message goes out in its group, once per deduplication id."""

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str: ...


class UserEvent(BaseModel):
    """An opt-in or opt-out Gupshup reported for a customer."""

    model_config = ConfigDict(extra="ignore")

    type: UserEventType
    occurred_at: int  # epoch ms (Gupshup's callback timestamp)


class InboundTicket(BaseModel):
    """Webhook -> processor: enough to find the buffered message (or apply the event), nothing more."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["message", "user_event"] = "message"
    conversation: str  # str(ConversationKey): "<gupshup app>#<customer number>"; its group is the FIFO group
    # kind "message": the Gupshup message id. kind "user_event": the event's id ("<type>:<epoch ms>").
    message_id: str
    # kind "user_event": what happened.
    event: UserEvent | None = None
    # Set by the sweep on its last try for a conversation: a failure then falls back at once.
    last_attempt: bool | None = None

    @model_validator(mode="after")
    def _event_for_user_events(self) -> Self:
        if self.kind == "user_event" and self.event is None:
            raise ValueError("a user_event ticket needs its event")
        return self


DeliveryState = Literal["enqueued", "failed", "sent", "delivered", "read", "deleted"]


class DeliveryStatus(BaseModel):
    """A delivery state of a message we sent, as Gupshup reported it."""

    model_config = ConfigDict(extra="ignore")

    # Gupshup's payload.id: the Gupshup message id for enqueued/failed, the WhatsApp message id
    # for sent/delivered/read/deleted. gupshup_message_id (gsId) links the two when present.
    provider_message_id: str
    gupshup_message_id: str | None = None
    whatsapp_message_id: str | None = None  # given with "enqueued"
    state: DeliveryState
    destination: str  # the customer's number
    occurred_at: int  # epoch ms: the event's own time when given, else the callback's
    error_code: str | None = None  # "failed" only
    error_reason: str | None = None


MAX_CHOICES = 10  # WhatsApp: at most ten rows in a list message
CHOICE_TITLE_CHARS = 24  # a list row's title (a reply button's: 20)
CHOICE_DESCRIPTION_CHARS = 72  # a list row's description
CHOICE_ID_CHARS = 200  # a list row's id (its postback text)


class Choice(BaseModel):
    """One option the customer can tap: a row of a list message, or a reply button. `id` is what
    comes back (the inbound list_reply / quick_reply's postbackText) when it is tapped."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=CHOICE_ID_CHARS)
    title: str = Field(min_length=1, max_length=CHOICE_TITLE_CHARS)
    description: str | None = Field(default=None, max_length=CHOICE_DESCRIPTION_CHARS)


OutboundKind = Literal[
    "reply",
    "fallback",
    "opt_out",
    "escalation",
    "status",
    "human_reply",
    "human_template",
    "reminder",
    "staff_notice",
    "offer",
]
HUMAN_KINDS: tuple[OutboundKind, ...] = ("human_reply", "human_template")
MAX_QUICK_REPLIES = 3  # WhatsApp: at most three quick-reply buttons on a message
STAFF_NOTICE_CHARS = 1024  # a template parameter's limit: the notice travels as one
# An offer's row: "waitlist:<waitlist_offers.id>" or "recall:<recalls.id>".
OFFER_REF = re.compile(r"(waitlist|recall):[0-9a-f-]{36}")


class OutboundJob(BaseModel):
    """Processor/webhook/console -> notifier: one thing to say on WhatsApp, or a delivery state to record."""

    model_config = ConfigDict(extra="ignore")

    job_id: str  # stable per job: the notifier's idempotency key
    kind: OutboundKind
    # str(ConversationKey): the notifier resolves the organization from its app. Empty for a
    # staff_notice, which names its organization instead.
    conversation: str = ""
    organization_id: str | None = None  # staff_notice: the business whose staff are told
    # reply / fallback / human_reply: what to say; human_template: the rendered preview (stored as the row's text)
    text: str | None = None
    turn_id: str | None = None  # the turn that said it: the outbound chat_messages rows are keyed by it
    reason: str | None = None  # escalation: why a person is needed
    status: DeliveryStatus | None = None  # kind "status" only
    # human_reply / human_template: the staff account (its e-mail) that wrote it; the rows record
    # it as sent_by = "staff:<author>".
    author: str | None = None
    template_id: str | None = None  # human_template: Gupshup's template id
    params: list[str] = Field(default_factory=list)  # human_template / reminder: its parameters, in order
    # reminder: the appointment_reminders row it delivers, and the postback text of each of the
    # template's quick-reply buttons, in button order (they carry the reminder's random token).
    reminder_id: str | None = None
    postbacks: list[str] = Field(default_factory=list)
    # reply: options the customer can tap (slots, services, appointments), sent as a list message
    # or reply buttons with `text` as the body; empty: plain text. offer (session form): its reply
    # buttons, whose ids are the postbacks.
    choices: list[Choice] = Field(default_factory=list, max_length=MAX_CHOICES)
    # offer: the row it offers ("waitlist:<id>" / "recall:<id>"), marked sent / failed by the notifier.
    offer_ref: str | None = None

    @model_validator(mode="after")
    def _what_each_kind_needs(self) -> Self:
        if self.kind == "status" and self.status is None:
            raise ValueError("a status job needs its status")
        if self.kind == "human_reply" and not (self.text or "").strip():
            raise ValueError("a human_reply job needs its text")
        if self.kind == "human_template" and not (self.template_id or "").strip():
            raise ValueError("a human_template job needs its template_id")
        if self.kind == "reminder":
            if not (self.template_id or "").strip():
                raise ValueError("a reminder job needs its template_id")
            if not (self.reminder_id or "").strip():
                raise ValueError("a reminder job needs its reminder_id")
            if len(self.postbacks) > MAX_QUICK_REPLIES:
                raise ValueError(f"a template has at most {MAX_QUICK_REPLIES} quick-reply buttons")
        if self.kind == "offer":
            self._offer()
        self._addressed()
        if self.kind in HUMAN_KINDS and not (self.author or "").strip():
            raise ValueError(f"a {self.kind} job needs its author (the staff account that wrote it)")
        return self

    def _offer(self) -> None:
        """An offer names its row and is either a template with quick replies or a text with buttons."""
        if not OFFER_REF.fullmatch(self.offer_ref or ""):
            raise ValueError("an offer job needs its offer_ref (waitlist:<id> or recall:<id>)")
        if self.template_id is not None:
            if not self.template_id.strip():
                raise ValueError("an offer's template_id may not be empty")
            if self.choices:
                raise ValueError("an offer is a template with quick replies or a text with buttons, not both")
            if not 1 <= len(self.postbacks) <= MAX_QUICK_REPLIES:
                raise ValueError(f"an offer's template has 1 to {MAX_QUICK_REPLIES} quick-reply buttons")
            return
        if not (self.text or "").strip() or not 1 <= len(self.choices) <= MAX_QUICK_REPLIES:
            raise ValueError(f"a session offer needs its text and 1 to {MAX_QUICK_REPLIES} reply buttons")

    @property
    def offer_kind(self) -> str | None:
        """An offer's table ("waitlist" or "recall"), from its offer_ref."""
        return (self.offer_ref or "").split(":", 1)[0] if self.kind == "offer" else None

    @property
    def offer_id(self) -> str | None:
        """An offer's row id, from its offer_ref."""
        return (self.offer_ref or "").split(":", 1)[-1] if self.kind == "offer" else None

    def _addressed(self) -> None:
        """A staff notice names its business and says something short; every other job has a conversation."""
        if self.kind != "staff_notice":
            if not self.conversation.strip():
                raise ValueError(f"a {self.kind} job needs its conversation")
            return
        if not (self.organization_id or "").strip():
            raise ValueError("a staff_notice job needs its organization_id")
        if not (self.text or "").strip() or len(self.text or "") > STAFF_NOTICE_CHARS:
            raise ValueError(f"a staff_notice job needs a text of at most {STAFF_NOTICE_CHARS} characters")

    @property
    def sent_by(self) -> str | None:
        """Who wrote it, as chat_messages.sent_by records it: None for the assistant."""
        return f"staff:{self.author}" if self.kind in HUMAN_KINDS else None

    @classmethod
    def for_reply(
        cls,
        conversation: str,
        turn_id: str,
        text: str,
        kind: Literal["reply", "fallback", "opt_out"] = "reply",
        choices: list[Choice] | None = None,
    ) -> OutboundJob:
        """A turn's answer to the customer (its id derives from the turn: a re-sent turn makes
        the same job)."""
        return cls(
            job_id=f"{turn_id}#reply",
            kind=kind,
            conversation=conversation,
            text=text,
            turn_id=turn_id,
            choices=list(choices or []),
        )

    @classmethod
    def for_escalation(cls, conversation: str, turn_id: str, index: int, reason: str) -> OutboundJob:
        """A turn's notice to staff (the index-th of the turn)."""
        return cls(
            job_id=f"{turn_id}#escalation#{index}",
            kind="escalation",
            conversation=conversation,
            reason=reason,
            turn_id=turn_id,
        )

    @classmethod
    def for_status(cls, conversation: str, status: DeliveryStatus) -> OutboundJob:
        return cls(
            job_id=f"status#{status.provider_message_id}#{status.state}",
            kind="status",
            conversation=conversation,
            status=status,
        )

    @classmethod
    def for_human_reply(cls, conversation: str, text: str, author: str, job_id: str | None = None) -> OutboundJob:
        """A staff member's free-form text to the customer (only inside the 24-hour window)."""
        return cls(
            job_id=job_id or _human_job_id(), kind="human_reply", conversation=conversation, text=text, author=author
        )

    @classmethod
    def for_human_template(
        cls,
        conversation: str,
        template_id: str,
        params: list[str],
        text: str,
        author: str,
        job_id: str | None = None,
    ) -> OutboundJob:
        """An approved template to the customer (also outside the 24-hour window); `text` is its
        rendered preview (receptionist.crm.templates.render_template), stored as the row's text."""
        return cls(
            job_id=job_id or _human_job_id(),
            kind="human_template",
            conversation=conversation,
            template_id=template_id,
            params=list(params),
            text=text,
            author=author,
        )

    @classmethod
    def for_reminder(
        cls,
        conversation: str,
        reminder_id: str,
        template_id: str,
        params: list[str],
        text: str,
        postbacks: list[str],
    ) -> OutboundJob:
        """An appointment reminder (an approved template, also outside the 24-hour window). Its id
        derives from the reminder row, so a re-sent reminder is the same job (the notifier
        delivers a job once)."""
        return cls(
            job_id=f"reminder#{reminder_id}",
            kind="reminder",
            conversation=conversation,
            reminder_id=reminder_id,
            template_id=template_id,
            params=list(params),
            text=text,
            postbacks=list(postbacks),
        )

    @classmethod
    def for_offer(
        cls,
        conversation: str,
        offer_ref: str,
        *,
        text: str,
        template_id: str | None = None,
        params: list[str] | None = None,
        postbacks: list[str] | None = None,
        choices: list[Choice] | None = None,
    ) -> OutboundJob:
        """Something to tap: with `template_id`, an approved template (its `params`, the `postbacks`
        of its quick replies, `text` its rendered preview), allowed outside the 24-hour window;
        without, `text` with `choices` as reply buttons (inside the window only). Its id derives
        from the offered row, so a re-sent offer is the same job (the notifier delivers it once)."""
        return cls(
            job_id=f"offer#{offer_ref}",
            kind="offer",
            conversation=conversation,
            offer_ref=offer_ref,
            text=text,
            template_id=template_id,
            params=list(params or []),
            postbacks=list(postbacks or []),
            choices=list(choices or []),
        )

    @classmethod
    def for_staff_notice(cls, organization_id: str, cause: str, text: str) -> OutboundJob:
        """A notice to the business's staff. Its id derives from its cause (the broken grant, the
        conflict), so the same cause queued again is the same job, delivered once."""
        return cls(job_id=f"staff_notice#{cause}", kind="staff_notice", organization_id=organization_id, text=text)

    @property
    def group(self) -> str:
        """The FIFO group it travels in: its conversation, or its business's staff."""
        return fifo_id(f"staff#{self.organization_id}" if self.kind == "staff_notice" else self.conversation)


def _human_job_id() -> str:
    return f"human#{uuid.uuid4().hex}"


CalendarJobKind = Literal["appointment", "sync"]


class CalendarJob(BaseModel):
    """Relay / push route / poll -> CalendarFunction: ids only (the consumer reads the rest now)."""

    model_config = ConfigDict(extra="ignore")

    kind: CalendarJobKind
    organization_id: str | None = None  # appointment: the appointment's business
    appointment_id: str | None = None  # appointment: which one to mirror
    member_id: str | None = None  # appointment: whose calendar (the old member of a moved one too)
    outbox_id: int | None = None  # appointment: the calendar_outbox row (its dedup id)
    connection_id: str | None = None  # sync: which calendar connection
    # sync: how to find it: a poll knows the organization; a push only the channel it came through
    # (followed only while it is the connection's current channel).
    channel_id: str | None = None
    reason: Literal["push", "poll"] | None = None  # sync: what asked for it (telemetry)

    @model_validator(mode="after")
    def _what_each_kind_needs(self) -> Self:
        if self.kind == "appointment" and not (self.organization_id and self.appointment_id and self.member_id):
            raise ValueError("an appointment job needs its organization_id, appointment_id and member_id")
        if self.kind == "sync" and not (self.connection_id and (self.organization_id or self.channel_id)):
            raise ValueError("a sync job needs its connection_id, and its organization_id or channel_id")
        return self
