"""Shared by the calendar tests: a member's connection, another member, a customer, and what the
outbox holds for one business (the database is shared by every test: always filter by it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from receptionist.calendar.connection import CalendarConnection
from receptionist.crm import calendar_connections
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact


def connect(db: Database, org: str, member: str, *, status: str = "connected") -> CalendarConnection:
    connection_id = str(uuid.uuid4())
    connection = calendar_connections.connect(
        db,
        org,
        member,
        connection_id=connection_id,
        token_ref=f"/receptionist/test/calendar/tokens/{connection_id}",
        account="ana@clinic.example",
        created_by="owner@clinic.example",
    )
    if status == "broken":
        assert calendar_connections.mark_broken(db, org, connection.id, "invalid_grant", datetime.now().astimezone())
        found = calendar_connections.get(db, org, connection.id)
        assert found is not None
        return found
    return connection


def add_member(db: Database, org: str, name: str = "Berta", hours: tuple[str, str] = ("09:00", "11:00")) -> str:
    row = db.fetch_one("insert into members (organization_id, name) values (%s, %s) returning id::text", (org, name))
    assert row is not None
    for weekday in range(1, 8):
        db.execute(
            "insert into member_hours (organization_id, member_id, weekday, starts, ends) values (%s, %s, %s, %s, %s)",
            (org, row["id"], weekday, *hours),
        )
    return str(row["id"])


def customer(db: Database, org: str) -> str:
    return find_or_create_contact(db, org, f"346{uuid.uuid4().int % 10**8:08d}", "Cliente").id


def outbox(db: Database, org: str) -> list[dict[str, Any]]:
    return db.fetch_all(
        "select appointment_id::text, member_id::text, queued_at from calendar_outbox"
        " where organization_id = %s order by id",
        (org,),
    )


class RecordingGuard:
    """A SlotGuard answering `verdict` and remembering what it was asked."""

    def __init__(self, verdict: str = "free") -> None:
        self.verdict = verdict
        self.asked: list[tuple[str, datetime, datetime]] = []

    def check(self, organization_id: str, member_id: str, start: datetime, end: datetime, deadline: Any) -> Any:
        self.asked.append((member_id, start, end))
        return self.verdict


class CalendarStub:
    """The provider at the network edge, as far as a booking's re-check reaches it (refresh and
    free/busy): `error` raised by free/busy, or by the refresh when `revoked`."""

    name = "stub"

    def __init__(self, busy: list[tuple[datetime, datetime]] | None = None, error: Exception | None = None) -> None:
        self.busy_intervals = busy or []
        self.error = error
        self.revoked: Exception | None = None
        self.calls = 0

    def refresh(self, refresh_token: str, deadline: Any) -> Any:
        from receptionist.calendar.provider import AccessToken

        if self.revoked is not None:
            raise self.revoked
        return AccessToken("access", datetime(2099, 1, 1).astimezone())

    def busy(self, token: Any, calendar_id: str, since: datetime, until: datetime, deadline: Any) -> Any:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return [(s, e) for s, e in self.busy_intervals if s < until and e > since]


class TokenStub:
    def get(self, ref: str) -> str:
        return "refresh"
