"""The calendar passes' StaffNotices: outbound `staff_notice` jobs (receptionist.calendar.notices)
for the notifier, in the business's language, naming the member and never a customer or an event's
title. Each job's id derives from its cause (the grant that broke; the conflict), so a notice
queued again after a crash is the same job, delivered once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from receptionist.calendar import notices
from receptionist.calendar.connection import CalendarConnection
from receptionist.crm import calendar_conflicts
from receptionist.crm.connection import Database
from receptionist.messages import Queue

# A connection read without its grant's time (none recorded): one notice for it, ever.
_NO_GRANT_TIME = datetime(1970, 1, 1, tzinfo=UTC)


class OutboundStaffNotices:
    def __init__(self, db: Database, outbound: Queue) -> None:
        self._db = db
        self._outbound = outbound

    def _business(self, connection: CalendarConnection) -> tuple[str, str, str]:
        """(member's name, language, zone)."""
        with self._db.acting_for(connection.organization_id):
            row = self._db.fetch_one(
                "select m.name, coalesce(g.language, 'es') as language, coalesce(g.timezone, 'UTC') as zone"
                " from members m left join agent_settings g on g.organization_id = m.organization_id"
                " where m.organization_id = %s and m.id = %s",
                (connection.organization_id, connection.member_id),
            )
        return (row["name"], row["language"], row["zone"]) if row else ("?", "es", connection.timezone)

    def connection_broken(self, connection: CalendarConnection, *, key: str) -> None:
        member, language, _ = self._business(connection)
        # Keyed by the grant (when it was given), known before the connection is marked broken:
        # the notice goes first (calendar/breakage.py), and a grant breaks once.
        job = notices.connection_broken(
            connection.organization_id, connection.id, connection.connected_at or _NO_GRANT_TIME, member, language
        )
        notices.send(self._outbound, job)

    def conflicts_found(self, connection: CalendarConnection, conflict_ids: Sequence[str], *, key: str) -> None:
        _, language, zone = self._business(connection)
        with self._db.acting_for(connection.organization_id):
            found = calendar_conflicts.conflicts_by_id(self._db, connection.organization_id, conflict_ids, zone)
        for conflict in found:  # one job per conflict, its id the conflict's
            job = notices.conflict(
                connection.organization_id,
                conflict.id,
                conflict.member_name,
                conflict.appointment_starts_at,
                zone,
                language,
            )
            notices.send(self._outbound, job)
