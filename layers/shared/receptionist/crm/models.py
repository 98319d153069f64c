"""What the CRM hands to domain code: plain frozen dataclasses, never raw rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# The statuses in which an appointment holds its slot: the only ones that can still be confirmed,
# cancelled, moved or reminded of (the exclusion constraint's own predicate, migrations). Every
# module reads them here; SQL text takes ACTIVE_STATUSES_SQL, built from the same tuple.
ACTIVE_STATUSES: tuple[str, ...] = ("pending", "confirmed")
ACTIVE_STATUSES_SQL = "(" + ", ".join(f"'{status}'" for status in ACTIVE_STATUSES) + ")"
# What staff may mark, once an appointment has started: completed from an active one or a no-show
# (the customer came late), no-show from an active one or a completed one (a correction).
COMPLETABLE_STATUSES: tuple[str, ...] = (*ACTIVE_STATUSES, "no_show")
NO_SHOW_STATUSES: tuple[str, ...] = (*ACTIVE_STATUSES, "completed")


@dataclass(frozen=True)
class AgentSettings:
    assistant_name: str
    tone: str
    instructions: str
    language: str
    timezone: str
    booking_lead_minutes: int
    booking_horizon_days: int
    slot_step_minutes: int
    # Offers (slots, services, appointments) go out as a list message or reply buttons; False:
    # as plain text (agent_settings.interactive_replies).
    interactive_replies: bool = True
    # What the assistant tells a customer to call in an emergency (receptionist/emergency.py);
    # None: not set, the prompt says "the local emergency number".
    emergency_number: str | None = None
    # The AI disclosure at the head of a customer's first reply (receptionist/disclosure.py): the
    # business's own sentence (None: the default in its language, from the assistant's name), and
    # the days without a message after which the next reply carries it again.
    disclosure_text: str | None = None
    disclosure_after_days: int = 180


@dataclass(frozen=True)
class PlatformConnection:
    app_name: str
    business_number: str
    api_key_ref: str


@dataclass(frozen=True)
class AppToken:
    """A Gupshup app's id and the SSM parameter holding its Partner App Token (a name, never the
    token): what its read receipts need (platform_connections.gupshup_app_id, app_token_ref)."""

    app_id: str
    token_ref: str


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    settings: AgentSettings
    connection: PlatformConnection
    # When its services or knowledge entries last changed: the prompt's catalogue block is kept
    # until this moves (None: unknown, rebuild every time).
    catalogue_updated_at: datetime | None = None


@dataclass(frozen=True)
class ChatIdentity:
    id: str
    organization_id: str
    customer_number: str
    display_name: str | None
    contact_id: str | None
    bot_enabled: bool
    opted_out: bool
    last_inbound_at: datetime | None
    # The AI disclosure (receptionist/disclosure.py): the next reply must carry it; the turn whose
    # reply carried it last (a retry of that turn carries it again), and when that was recorded.
    disclosure_due: bool = False
    disclosure_turn: str | None = None
    disclosed_at: datetime | None = None
    # The customer's locale (receptionist/i18n/locales.py) when known; None: the business's applies.
    language: str | None = None
    # Who set it: 'detected' (receptionist/i18n/detection.py) or 'staff' (then detection leaves it).
    language_source: str | None = None


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    description: str
    duration_minutes: int
    price_cents: int | None
    currency: str
    bookable: bool


@dataclass(frozen=True)
class Slot:
    member_id: str
    member_name: str
    starts_at: datetime  # aware, in the organization's timezone
    ends_at: datetime


@dataclass(frozen=True)
class Contact:
    id: str
    name: str | None
    phone: str
    email: str | None


@dataclass(frozen=True)
class Member:
    """A staff member who takes appointments (table members)."""

    id: str
    name: str
    active: bool  # offered for new bookings
    service_ids: tuple[str, ...]  # none: the member may do every service nobody is assigned to


@dataclass(frozen=True)
class WeeklyHours:
    """One working interval of a member (table member_hours): ISO weekday (1 = Monday), minutes
    of the local day. A split shift is two of them."""

    member_id: str
    member_name: str
    weekday: int
    start_minute: int
    end_minute: int  # up to 1440 (midnight)
    id: str = ""  # the member_hours row, where one is edited by it (the settings page)

    @property
    def starts(self) -> str:
        """ "HH:MM", local wall time."""
        return _clock(self.start_minute)

    @property
    def ends(self) -> str:
        """ "HH:MM"; "24:00" is midnight."""
        return _clock(self.end_minute)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class Appointment:
    id: str
    contact_id: str
    service_id: str
    service_name: str
    member_id: str
    member_name: str
    starts_at: datetime
    ends_at: datetime
    status: str


CatalogueKind = Literal["service", "entry"]


@dataclass(frozen=True)
class KnowledgeEntry:
    id: str
    title: str
    body: str


@dataclass(frozen=True)
class Catalogue:
    """Everything a customer may be told about the business: active services and its entries."""

    services: list[Service]
    entries: list[KnowledgeEntry]


@dataclass(frozen=True)
class KnowledgeHit:
    kind: CatalogueKind
    id: str
    title: str
    body: str
    score: float  # reciprocal rank fusion of the rankings that found it
    found_by: tuple[str, ...]  # "text", "trigram", "vector"


@dataclass(frozen=True)
class QueryVector:
    """A question's embedding, and how close a row must be to count as an answer."""

    model: str
    values: list[float]
    min_similarity: float


@dataclass(frozen=True)
class NotificationSettings:
    staff_numbers: list[str]
    template_id: str | None
    template_params: list[str]


APPROVED = "APPROVED"


@dataclass(frozen=True)
class MessageTemplate:
    """A WhatsApp template of the business (message_templates), as Gupshup has it: Gupshup's id, a
    label for people, its text with {{1}}, {{2}}... placeholders and how many parameters it takes,
    its name, language, category and status, what else the customer sees, and whether Gupshup
    still lists it. Only a `usable` one may be chosen or sent."""

    template_id: str
    label: str
    body: str
    param_count: int
    name: str | None = None
    language: str | None = None
    category: str | None = None
    status: str = APPROVED
    rejected_reason: str | None = None
    header: str | None = None
    footer: str | None = None
    buttons: tuple[dict[str, str], ...] = ()
    removed: bool = False  # Gupshup no longer lists it

    @property
    def usable(self) -> bool:
        """Approved by Meta and still in Gupshup: what reminders, staff notices and replies after
        the 24-hour window may use."""
        return self.status == APPROVED and not self.removed


BookingFailure = Literal[
    "slot_taken", "not_available", "not_found", "not_bookable", "not_active", "not_started", "invalid"
]


@dataclass(frozen=True)
class BookingResult:
    """Booking, rescheduling, confirming and cancelling answer with this, never an exception."""

    appointment: Appointment | None
    failure: BookingFailure | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None


BudgetScope = Literal["turns", "tokens"]


@dataclass(frozen=True)
class BudgetState:
    """Where a conversation and its business stand against their budgets (crm.usage.budget)."""

    turns_last_hour: int
    max_turns_per_hour: int
    tokens_today: int
    max_tokens_per_day: int
    hour_start: datetime  # the windows staff are told once per
    day_start: datetime

    @property
    def exceeded(self) -> BudgetScope | None:
        if self.turns_last_hour >= self.max_turns_per_hour:
            return "turns"
        if self.tokens_today >= self.max_tokens_per_day:
            return "tokens"
        return None


# -- reminders: whether one is still current (the pass and the notifier ask right before sending) --
# Why a reminder's time has passed for good: its appointment was cancelled, moved to another start,
# or has started (or ended). The pass and the notifier both check it right before sending.
OutdatedReason = Literal["cancelled", "moved", "started"]
# Why a reminder already built (queued) is void: outdated, its row or appointment is gone, or its
# customer no longer has reminder consent (opted out, or withdrew it at the front desk).
VoidReason = Literal[OutdatedReason, "gone", "no_consent"]


def outdated(reminded_starts_at: datetime, status: str, starts_at: datetime, at: datetime) -> OutdatedReason | None:
    """Why a reminder for `reminded_starts_at` must not go out at `at`, its appointment being
    `status` and starting at `starts_at` now; None while it is current (active, still at that
    time, not started). Never late, never for another time."""
    if status == "cancelled":
        return "cancelled"
    if starts_at != reminded_starts_at:
        return "moved"
    if starts_at <= at or status not in ACTIVE_STATUSES:
        return "started"
    return None


@dataclass(frozen=True)
class ReminderTiming:
    """The start time a reminder is for, and its appointment's status and start now."""

    reminded_starts_at: datetime
    status: str
    starts_at: datetime
    consented: bool = True  # the customer has reminder consent and has not opted out (consent register)

    def outdated(self, at: datetime) -> OutdatedReason | None:
        return outdated(self.reminded_starts_at, self.status, self.starts_at, at)

    def void(self, at: datetime) -> VoidReason | None:
        """Why the reminder must not go out at `at` (outdated, or no consent), or None."""
        return self.outdated(at) or (None if self.consented else "no_consent")
