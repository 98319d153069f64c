"""A grant that no longer works: the connection is marked broken and the owner told, once.

Why the notice goes first: once the connection is broken no pass touches it again, so a crash
between the two steps must leave the notice to be re-sent, not lost. The notice's key names the
grant (connection and when it was given), so the re-sent one is the same job (delivered once)
and a later grant that breaks is told again."""

from __future__ import annotations

from datetime import datetime

from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.ports import CalendarStore, StaffNotices


def notice_key(connection: CalendarConnection) -> str:
    given = connection.connected_at.isoformat() if connection.connected_at else "first"
    return f"calendar-broken#{connection.id}#{given}"


def mark_broken(
    store: CalendarStore, notices: StaffNotices, connection: CalendarConnection, reason: str, at: datetime
) -> None:
    notices.connection_broken(connection, key=notice_key(connection))
    store.mark_broken(connection, reason, at)
