"""The port the calendar sync talks to, and the values that cross it.

One provider adapter per calendar service (Google Calendar now: `adapters/google_calendar.py`;
docs/calendar.md says how Microsoft 365 and CalDAV fit). The domain never sees HTTP, JSON or a
provider's client library: it sees these values and these errors. Every call takes a Deadline, so
a call made inside a customer's turn (the slot re-check at booking) cannot outlive the turn.

Times: an event's start and end are either an instant (aware datetime, with the IANA zone the event
was written in when the provider gives one: recurring events repeat in that zone's wall time) or a
whole day (all-day events; the day is in the calendar's own zone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from receptionist.deadline import Deadline

# The private extended property that marks an event as the mirror of one of our appointments.
APPOINTMENT_PROPERTY = "receptionistAppointmentId"

EventStatus = Literal["confirmed", "tentative", "cancelled"]


class CalendarError(Exception):
    """A provider call failed. `retryable`: the same call may succeed later (outage, rate limit,
    timeout); otherwise it will fail the same way until something changes."""

    retryable = False


class CalendarUnavailable(CalendarError):
    """The provider did not answer in time, or answered 5xx / 429: try again later."""

    retryable = True


class GrantRevoked(CalendarError):
    """The refresh token no longer works (OAuth `invalid_grant`, or 401 with a fresh access token):
    the connection is broken until a person connects the calendar again."""


class AccessTokenRejected(CalendarError):
    """The API refused the access token (HTTP 401): it expired early or was revoked. The adapter
    holds no refresh token, so the caller retries once with a fresh one (`tokens.with_access_token`);
    a fresh token refused too means the grant is gone (GrantRevoked)."""

    retryable = True


class SyncTokenGone(CalendarError):
    """The stored sync token expired (HTTP 410 Gone): a full sync is needed."""


class CalendarRefused(CalendarError):
    """Any other 4xx: the request itself is wrong for this calendar (missing scope, not found)."""


@dataclass(frozen=True)
class EventTime:
    """One end of an event: `instant` for a timed event, `day` for an all-day one."""

    instant: datetime | None = None  # aware
    day: date | None = None
    zone: str | None = None  # IANA zone the provider gave with the time (None: not given)

    def __post_init__(self) -> None:
        if (self.instant is None) == (self.day is None):
            raise ValueError("an event time is an instant or a day, exactly one")
        if self.instant is not None and self.instant.tzinfo is None:
            raise ValueError("an event instant must be timezone-aware")


@dataclass(frozen=True)
class CalendarEvent:
    """An event as listed by the provider (only what busy time needs: never its title or guests).

    A recurring series comes as its master (with `recurrence` lines: RRULE, EXDATE, RDATE) plus
    exceptions: an instance moved or cancelled carries `recurring_event_id` and `original_start`.
    In an incremental sync a deleted event comes as status "cancelled" with no times."""

    id: str
    status: EventStatus
    start: EventTime | None = None
    end: EventTime | None = None
    transparent: bool = False  # shown as "free": not busy time
    recurrence: tuple[str, ...] = ()
    recurring_event_id: str | None = None
    original_start: EventTime | None = None
    appointment_id: str | None = None  # APPOINTMENT_PROPERTY: the event mirrors this appointment of ours
    zone: str | None = None  # the calendar's zone, for all-day events (from the list's timeZone)


@dataclass(frozen=True)
class EventChanges:
    """One sync's worth of changes: every page read, and the token for the next incremental sync."""

    events: Sequence[CalendarEvent]
    sync_token: str
    full: bool  # True: a full listing (no sync token was used), so what is not in it is gone
    calendar_zone: str | None = None


@dataclass(frozen=True)
class AppointmentEvent:
    """What we write to a member's calendar for one appointment. `event_id` derives from the
    appointment id (event_id_for), so inserting it twice is a conflict, never a second event."""

    event_id: str
    appointment_id: str
    summary: str
    description: str
    start: datetime  # aware
    end: datetime  # aware
    zone: str  # the business's IANA zone
    tentative: bool = False  # pending (not yet confirmed by the customer)


@dataclass(frozen=True)
class Grant:
    """What an authorization code is exchanged for. The refresh token is a secret: stored
    encrypted (SSM SecureString), never logged, never in PostgreSQL."""

    refresh_token: str = field(repr=False)
    access_token: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] = ()
    account: str | None = None  # the calendar's owner (e-mail), when the provider says


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class Channel:
    """A push channel the provider notifies when the calendar changes."""

    id: str
    resource_id: str
    expires_at: datetime


def event_id_for(appointment_id: str) -> str:
    """A provider event id derived from an appointment id: Google accepts ids of 5-1024 characters
    in base32hex (a-v, 0-9); a UUID's hex digits are, prefixed with "rc"."""
    return "rc" + appointment_id.replace("-", "").lower()


class CalendarProvider(Protocol):
    """One calendar service. `calendar_id` is the provider's id of the member's calendar ("primary")."""

    name: str

    def authorization_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        """Where the browser goes to grant access (authorization-code flow, offline, PKCE S256)."""
        ...

    def exchange_code(self, code: str, *, code_verifier: str, redirect_uri: str, deadline: Deadline) -> Grant: ...

    def refresh(self, refresh_token: str, deadline: Deadline) -> AccessToken:
        """A fresh access token; GrantRevoked when the grant is gone."""
        ...

    def revoke(self, refresh_token: str, deadline: Deadline) -> None:
        """Give the grant back (disconnecting); a grant already gone is not an error."""
        ...

    def changes(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        sync_token: str | None,
        since: datetime,
        until: datetime,
        deadline: Deadline,
    ) -> EventChanges:
        """Every change since `sync_token` (all pages), or with None a full listing of what
        overlaps [since, until) (series masters whose instances may fall there included).
        SyncTokenGone when the token expired."""
        ...

    def put_event(self, token: AccessToken, calendar_id: str, event: AppointmentEvent, deadline: Deadline) -> None:
        """Create the event, or bring the existing one with the same id (even a deleted one) to
        this state: idempotent."""
        ...

    def delete_event(self, token: AccessToken, calendar_id: str, event_id: str, deadline: Deadline) -> None:
        """Remove it; an event already gone is not an error."""
        ...

    def busy(
        self, token: AccessToken, calendar_id: str, since: datetime, until: datetime, deadline: Deadline
    ) -> list[tuple[datetime, datetime]]:
        """The calendar's busy intervals within [since, until), as the provider computes them now
        (free/busy): what a booking is re-checked against when it is committed."""
        ...

    def watch(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        channel_id: str,
        channel_token: str,
        address: str,
        expires_at: datetime,
        deadline: Deadline,
    ) -> Channel:
        """Ask for push notifications of changes to the calendar's events at `address` (HTTPS)."""
        ...

    def stop(self, token: AccessToken, channel: Channel, deadline: Deadline) -> None:
        """Stop a channel; one already gone is not an error."""
        ...
