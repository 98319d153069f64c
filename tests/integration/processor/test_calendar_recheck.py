"""A booking in a turn is re-checked in the member's own calendar (issue 28, point 4), as the
processor's handler builds the turn: a slot taken there meanwhile is refused with the reason, and
a calendar that cannot answer leaves it to the synced busy blocks, counted as
CalendarCheckFallback in the turn's telemetry. The provider is a stub at the network edge."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from receptionist.calendar.provider import AccessToken, CalendarUnavailable
from receptionist.calendar.slot_guard import ProviderSlotGuard
from receptionist.calendar.tokens import AccessTokens
from receptionist.crm import calendar_connections
from receptionist.crm.appointments import CALENDAR_TAKEN
from receptionist.processor import telemetry

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
RUIZ = "00000000-0000-4000-8002-000000000002"
MADRID = ZoneInfo("Europe/Madrid")


class CalendarStub:
    name = "stub"

    def __init__(self, busy: list[tuple[datetime, datetime]], error: Exception | None = None) -> None:
        self.busy_intervals, self.error, self.calls = busy, error, 0

    def refresh(self, refresh_token: str, deadline: Any) -> AccessToken:
        return AccessToken("access", datetime(2099, 1, 1, tzinfo=MADRID))

    def busy(self, token: Any, calendar_id: str, since: datetime, until: datetime, deadline: Any) -> Any:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return [(s, e) for s, e in self.busy_intervals if s < until and e > since]


class TokenStub:
    def get(self, ref: str) -> str:
        return "refresh"


def _with_calendar(harness: Any, calendar: CalendarStub) -> tuple[ProviderSlotGuard, str]:
    """Ruiz's calendar connected for this test (removed at the end by the caller), and the guard the
    processor's wiring builds, on the stub."""
    connection_id = str(uuid.uuid4())
    calendar_connections.connect(
        harness.db, DEMO_ORG, RUIZ, connection_id=connection_id, token_ref=f"/t/{connection_id}",
        account="ruiz@clinic.example", created_by="test",
    )  # fmt: skip
    agent = harness.service.agent
    guard = ProviderSlotGuard(
        lambda org, member: calendar_connections.for_member(agent.db, org, member),
        AccessTokens(calendar, TokenStub()),  # type: ignore[arg-type]
        calendar,  # type: ignore[arg-type]
        on_revoked=lambda c: None,
    )
    agent.slot_guard = guard
    return guard, connection_id


def _book(harness: Any, start: str) -> Any:
    harness.openai.responder = None
    harness.openai.call("resolve_contact", name="Lucía Pérez")
    harness.openai.call("book_appointment", service="limpieza", start=start, member="Ruiz")
    harness.openai.say("Hecho.")
    return harness.handle(harness.text(f"Limpieza el {start} con Ruiz"))


def _booked(harness: Any, local: str) -> int:
    row = harness.db.fetch_one(
        "select count(*) as n from appointments where organization_id = %s and member_id = %s and starts_at = %s"
        " and status in ('pending', 'confirmed')",
        (DEMO_ORG, RUIZ, datetime.fromisoformat(local).replace(tzinfo=MADRID)),
    )
    return int(row["n"])


def test_a_slot_taken_in_the_calendar_is_refused_in_the_turn(harness: Any) -> None:
    start = datetime(2031, 3, 26, 12, 0, tzinfo=MADRID)
    calendar = CalendarStub([(start, start.replace(hour=13))])
    guard, connection = _with_calendar(harness, calendar)
    try:
        report = _book(harness, "2031-03-26 12:00")
    finally:
        calendar_connections.disconnect(harness.db, DEMO_ORG, connection)
    assert report.outcome == "answered" and report.tools == ["resolve_contact", "book_appointment (failed)"]
    assert calendar.calls == 1 and guard.fallbacks == 0 and report.calendar_fallbacks == 0
    told = json.dumps(harness.openai.completions()[-1].json()["messages"], ensure_ascii=False)
    assert CALENDAR_TAKEN in told  # the model is told why, to offer another time
    assert _booked(harness, "2031-03-26 12:00") == 0


def test_a_calendar_outage_books_on_the_synced_blocks_and_is_counted(harness: Any) -> None:
    calendar = CalendarStub([], error=CalendarUnavailable("503"))
    guard, connection = _with_calendar(harness, calendar)
    try:
        report = _book(harness, "2031-03-26 12:30")
    finally:
        calendar_connections.disconnect(harness.db, DEMO_ORG, connection)
    assert report.tools == ["resolve_contact", "book_appointment"]
    assert calendar.calls == 1 and guard.fallbacks == 1 and report.calendar_fallbacks == 1
    assert telemetry.describe(report).counts[telemetry.CALENDAR_CHECK_FALLBACK] == 1
    assert _booked(harness, "2031-03-26 12:30") == 1
