"""The calendar passes' CalendarStore over the CRM (receptionist.crm.calendar_*): every statement for
one organization runs acting for it (row level security); the passes across businesses go through
the database's security-definer functions, which return ids only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from receptionist.calendar.appointment_event import AppointmentFacts, appointment_event
from receptionist.calendar.busy import BusyBlock
from receptionist.calendar.conflicts import BookedTime, Conflict
from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.ports import Mirror, OutboxRow
from receptionist.calendar.provider import CalendarEvent, Channel, EventChanges
from receptionist.crm import calendar_busy, calendar_conflicts, calendar_connections, calendar_outbox
from receptionist.crm.availability import is_uuid
from receptionist.crm.connection import Database
from receptionist.crm.models import ACTIVE_STATUSES_SQL

# The statuses are a constant tuple (crm/models.py), never input.
_ACTIVE = f"""
select id::text, starts_at, ends_at from appointments
where organization_id = %s and member_id = %s and status in {ACTIVE_STATUSES_SQL}
  and starts_at < %s and ends_at > %s
order by starts_at, id
"""  # noqa: S608

_APPOINTMENT = """
select a.id::text, s.name as service_name, c.name as customer_name, a.member_id::text, a.starts_at, a.ends_at,
       a.status, coalesce(g.timezone, 'UTC') as zone
from appointments a
join services s on s.organization_id = a.organization_id and s.id = a.service_id
left join contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
left join agent_settings g on g.organization_id = a.organization_id
where a.organization_id = %s and a.id = %s
"""

DEFAULT_HORIZON_DAYS = 60  # agent_settings' default, for a business without its row


class CrmCalendarStore:
    def __init__(self, db: Database, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._db = db
        self._clock = clock

    # -- connections
    def connection(self, organization_id: str, connection_id: str) -> CalendarConnection | None:
        if not is_uuid(organization_id):
            return None
        with self._db.acting_for(organization_id):
            return calendar_connections.get(self._db, organization_id, connection_id)

    def connection_by_channel(self, channel_id: str) -> CalendarConnection | None:
        found = calendar_connections.by_channel(self._db, channel_id)
        return self.connection(*found) if found else None

    def connection_for_member(self, organization_id: str, member_id: str) -> CalendarConnection | None:
        if not is_uuid(organization_id):
            return None
        with self._db.acting_for(organization_id):
            return calendar_connections.for_member(self._db, organization_id, member_id)

    def booking_horizon_days(self, organization_id: str) -> int:
        with self._db.acting_for(organization_id):
            row = self._db.fetch_one(
                "select booking_horizon_days from agent_settings where organization_id = %s", (organization_id,)
            )
        return int(row["booking_horizon_days"]) if row else DEFAULT_HORIZON_DAYS

    def mark_broken(self, connection: CalendarConnection, reason: str, at: datetime) -> None:
        with self._db.acting_for(connection.organization_id):
            calendar_connections.mark_broken(self._db, connection.organization_id, connection.id, reason, at)

    def due_for_poll(self, at: datetime, stale: timedelta, limit: int) -> list[tuple[str, str]]:
        return calendar_connections.poll_due(self._db, at, stale, limit)

    def due_for_renewal(self, expiring_before: datetime, limit: int) -> list[CalendarConnection]:
        found = (
            self.connection(org, cid)
            for org, cid in calendar_connections.channels_due(self._db, expiring_before, limit)
        )
        return [c for c in found if c is not None]

    def save_channel(self, connection: CalendarConnection, channel: Channel) -> None:
        with self._db.acting_for(connection.organization_id):
            calendar_connections.set_channel(self._db, connection.organization_id, connection.id, channel)

    # -- theirs -> ours
    def store_changes(self, connection: CalendarConnection, changes: EventChanges, at: datetime) -> None:
        with self._db.acting_for(connection.organization_id):
            calendar_busy.store_changes(self._db, connection.organization_id, connection.id, changes, at)

    def events(self, connection: CalendarConnection) -> list[CalendarEvent]:
        with self._db.acting_for(connection.organization_id):
            return calendar_busy.events(self._db, connection.organization_id, connection.id)

    def replace_busy_blocks(self, connection: CalendarConnection, blocks: Sequence[BusyBlock]) -> None:
        rows = [(b.event_id, b.start, b.end) for b in blocks]
        with self._db.acting_for(connection.organization_id):
            calendar_busy.replace_blocks(
                self._db, connection.organization_id, connection.id, connection.member_id, rows
            )

    def active_appointments(
        self, organization_id: str, member_id: str, since: datetime, until: datetime
    ) -> list[BookedTime]:
        with self._db.acting_for(organization_id):
            rows = self._db.fetch_all(_ACTIVE, (organization_id, member_id, until, since))
        return [BookedTime(r["id"], r["starts_at"], r["ends_at"]) for r in rows]

    def record_conflicts(
        self, connection: CalendarConnection, conflicts: Sequence[Conflict], at: datetime
    ) -> list[str]:
        overlaps = [calendar_conflicts.Overlap(c.appointment_id, c.event_id, c.start, c.end) for c in conflicts]
        with self._db.acting_for(connection.organization_id):
            return calendar_conflicts.record(self._db, connection.organization_id, connection.member_id, overlaps, at)

    def mark_notified(self, connection: CalendarConnection, conflict_ids: Sequence[str], at: datetime) -> None:
        with self._db.acting_for(connection.organization_id):
            calendar_conflicts.mark_notified(self._db, connection.organization_id, conflict_ids, at)

    # -- ours -> theirs
    def mirror(self, organization_id: str, appointment_id: str) -> Mirror | None:
        if not (is_uuid(organization_id) and is_uuid(appointment_id)):
            return None
        with self._db.acting_for(organization_id):
            row = self._db.fetch_one(_APPOINTMENT, (organization_id, appointment_id))
        if row is None:
            return None  # erased: its event goes
        facts = AppointmentFacts(
            id=row["id"],
            service_name=row["service_name"],
            customer_name=row["customer_name"],
            member_id=row["member_id"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            status=row["status"],
            zone=row["zone"],
        )
        event = appointment_event(facts)
        return Mirror(facts.member_id, event) if event is not None else None

    def relay(self, limit: int, send: Callable[[list[OutboxRow]], Sequence[int]]) -> tuple[int, int]:
        return calendar_outbox.relay_batch(self._db, limit, send, self._clock)
