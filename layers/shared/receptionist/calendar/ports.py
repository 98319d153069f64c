"""What the calendar passes (sync, publish, relay, channels) need from the rest of the system.

The CRM side is `CalendarStore` (adapters/calendar_store.py over crm/calendar_*.py); staff are
told through `StaffNotices` (an outbound `staff_notice` job). Turning events into busy time and
finding conflicts are pure (`calendar/busy.py`, `calendar/conflicts.py`).
The provider itself is `calendar.provider.CalendarProvider`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from receptionist.calendar.busy import BusyBlock
from receptionist.calendar.conflicts import BookedTime, Conflict
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.provider import AppointmentEvent, CalendarEvent, Channel, EventChanges


@dataclass(frozen=True)
class Mirror:
    """An appointment as its calendar event should be now: in `member_id`'s calendar."""

    member_id: str
    event: AppointmentEvent


@dataclass(frozen=True)
class OutboxRow:
    id: int
    organization_id: str
    appointment_id: str
    member_id: str


class CalendarStore(Protocol):
    """The CRM's calendar tables: within the connection's organization (row level security), except
    the passes across businesses, which the database answers with ids only (security definer)."""

    # connections
    def connection(self, organization_id: str, connection_id: str) -> CalendarConnection | None: ...

    def connection_by_channel(self, channel_id: str) -> CalendarConnection | None:
        """The connection whose current push channel this is (None: unknown or replaced)."""
        ...

    def connection_for_member(self, organization_id: str, member_id: str) -> CalendarConnection | None: ...

    def booking_horizon_days(self, organization_id: str) -> int:
        """How far ahead the business books: busy blocks are kept for that window."""
        ...

    def mark_broken(self, connection: CalendarConnection, reason: str, at: datetime) -> None:
        """status 'broken' (a connection already broken keeps its first reason and time)."""
        ...

    def due_for_poll(self, at: datetime, stale: timedelta, limit: int) -> list[tuple[str, str]]:
        """(organization id, connection id) of connected calendars not synced since `stale` ago."""
        ...

    def due_for_renewal(self, expiring_before: datetime, limit: int) -> list[CalendarConnection]:
        """Connected calendars without a push channel, or whose channel expires before then."""
        ...

    def save_channel(self, connection: CalendarConnection, channel: Channel) -> None: ...

    # theirs -> ours
    def store_changes(self, connection: CalendarConnection, changes: EventChanges, at: datetime) -> None:
        """The changes' events and the next sync token, in one transaction (the token never runs
        ahead of the events): upserts; a cancelled single event or series goes; a full listing
        replaces every stored event."""
        ...

    def events(self, connection: CalendarConnection) -> list[CalendarEvent]: ...

    def replace_busy_blocks(self, connection: CalendarConnection, blocks: Sequence[BusyBlock]) -> None:
        """The connection's blocks become these, in one statement."""
        ...

    def active_appointments(
        self, organization_id: str, member_id: str, since: datetime, until: datetime
    ) -> list[BookedTime]:
        """The member's pending and confirmed appointments overlapping [since, until)."""
        ...

    def record_conflicts(
        self, connection: CalendarConnection, conflicts: Sequence[Conflict], at: datetime
    ) -> list[str]:
        """Record what this sync found (each appointment and event once; the member's open ones
        not found any more are resolved). The ids of open conflicts staff were not told of yet."""
        ...

    def mark_notified(self, connection: CalendarConnection, conflict_ids: Sequence[str], at: datetime) -> None: ...

    # ours -> theirs
    def mirror(self, organization_id: str, appointment_id: str) -> Mirror | None:
        """The appointment's event as it should be now (calendar/appointment_event.py); None when
        it has none (cancelled, erased): then its event is deleted."""
        ...

    def relay(self, limit: int, send: Callable[[list[OutboxRow]], Sequence[int]]) -> tuple[int, int]:
        """One batch of unqueued outbox rows (every organization, oldest first): locked, handed to
        `send`, the ids it returns marked queued, in one transaction. (rows taken, rows queued)."""
        ...


class StaffNotices(Protocol):
    """A short notice to the business's staff numbers (outbound job `staff_notice`). `key` makes it
    one job: the same key sent twice is delivered once."""

    def connection_broken(self, connection: CalendarConnection, *, key: str) -> None: ...

    def conflicts_found(self, connection: CalendarConnection, conflict_ids: Sequence[str], *, key: str) -> None: ...
