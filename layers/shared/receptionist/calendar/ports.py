"""What the calendar passes (sync, publish, relay, channels) need from the rest of the system.

The CRM side is `CalendarStore` (adapters/calendar_store.py over crm/calendar_*.py); staff are
told through `StaffNotices` (an outbound `staff_notice` job). Turning events into busy time and
finding conflicts are pure (`calendar/busy.py`, `calendar/conflicts.py`).
The provider itself is `calendar.provider.CalendarProvider`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from receptionist.calendar.busy import BusyBlock
from receptionist.calendar.conflicts import BookedTime, Conflict
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.provider import AppointmentEvent, CalendarEvent, Channel, EventChanges


@dataclass(frozen=True)
class RecordedConflict:
    """A conflict as stored (calendar_conflicts): `notified` once staff were told."""

    id: str
    conflict: Conflict
    notified: bool


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
    """The CRM's calendar tables, across organizations where a pass needs it (security-definer
    functions in the database), scoped to the connection's organization otherwise."""

    # connections
    def connection(self, connection_id: str) -> CalendarConnection | None: ...

    def connection_for_member(self, organization_id: str, member_id: str) -> CalendarConnection | None: ...

    def booking_horizon_days(self, organization_id: str) -> int:
        """How far ahead the business books: busy blocks are kept for that window."""
        ...

    def mark_broken(self, connection: CalendarConnection, reason: str, at: datetime) -> None:
        """status 'broken' (a connection already broken keeps its first reason and time)."""
        ...

    def due_for_poll(self, synced_before: datetime, limit: int) -> list[CalendarConnection]:
        """Connected calendars last synced before then (or never)."""
        ...

    def due_for_renewal(self, expiring_before: datetime, limit: int) -> list[CalendarConnection]:
        """Connected calendars without a push channel, or whose channel expires before then."""
        ...

    def save_channel(self, connection: CalendarConnection, channel: Channel) -> None: ...

    # theirs -> ours
    def store_events(self, connection: CalendarConnection, changes: EventChanges) -> None:
        """Upsert each event (a cancelled one stays, as a cancellation of its series' instance, or
        is removed when it is not an instance); a full listing removes the events it lacks."""
        ...

    def events(self, connection: CalendarConnection) -> list[CalendarEvent]: ...

    def replace_busy_blocks(self, connection: CalendarConnection, blocks: Sequence[BusyBlock]) -> None:
        """The connection's blocks become these, in one transaction."""
        ...

    def save_sync_state(self, connection: CalendarConnection, sync_token: str, at: datetime, *, full: bool) -> None: ...

    def active_appointments(
        self, organization_id: str, member_id: str, since: datetime, until: datetime
    ) -> list[BookedTime]:
        """The member's pending and confirmed appointments overlapping [since, until)."""
        ...

    def record_conflicts(self, connection: CalendarConnection, conflicts: Sequence[Conflict]) -> list[RecordedConflict]:
        """Insert the new ones (unique per appointment and event); returns every one of these
        that is still open, new or not, with whether staff were already told."""
        ...

    def mark_notified(self, conflict_ids: Sequence[str], at: datetime) -> None: ...

    # ours -> theirs
    def mirror(self, organization_id: str, appointment_id: str) -> Mirror | None:
        """The appointment's event as it should be now; None when it is gone or no longer
        active (cancelled, no-show, erased): then its event is deleted."""
        ...

    def outbox(self, limit: int) -> list[OutboxRow]:
        """Rows not yet queued, oldest first (every organization)."""
        ...

    def mark_queued(self, outbox_ids: Sequence[int], at: datetime) -> None: ...


class StaffNotices(Protocol):
    """A short notice to the business's staff numbers (outbound job `staff_notice`). `key` makes it
    one job: the same key sent twice is delivered once."""

    def connection_broken(self, connection: CalendarConnection, *, key: str) -> None: ...

    def conflicts_found(self, connection: CalendarConnection, conflicts: Sequence[Conflict], *, key: str) -> None: ...
