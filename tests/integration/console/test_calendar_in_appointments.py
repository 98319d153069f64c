"""The members' own calendars in the console's appointments section (issue 28, points 3 and 4):
the week view shows each member's calendar busy time as "Ocupado (calendario)" / "Busy (calendar)"
with its times and nothing else, and a booking staff make is re-checked in the member's calendar
(ConsoleParts.slot_guard): taken there meanwhile, refused with a sentence and nothing written.

Each test uses its own weeks of 2033 in the demo clinic and removes the connection it made."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from console_kit import CLINIC, PASSWORD, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient

from receptionist.crm import calendar_busy, calendar_connections
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact

MADRID = ZoneInfo("Europe/Madrid")
LIMPIEZA = "00000000-0000-4000-8001-000000000001"
GOMEZ = "00000000-0000-4000-8002-000000000001"
RUIZ = "00000000-0000-4000-8002-000000000002"  # Mon-Thu 10:00-18:00
NOW = datetime(2033, 3, 1, 7, 0, tzinfo=UTC)
PAGE = "/console/appointments"


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MADRID)


@pytest.fixture
def ruiz_calendar(console: Console) -> Iterator[tuple[Database, str]]:
    """Dr. Ruiz's calendar connected for this test only."""
    db = Database(console.owner_url)
    connection_id = str(uuid.uuid4())
    calendar_connections.connect(
        db, CLINIC, RUIZ, connection_id=connection_id, token_ref=f"/t/{connection_id}", account="ruiz@x.example",
        created_by="test",
    )  # fmt: skip
    try:
        yield db, connection_id
    finally:
        calendar_connections.disconnect(db, CLINIC, connection_id)
        db.close()


def _signed_in(console: Console) -> TestClient:
    client = console.client()
    answer = client.post(
        "/console/login", data={"email": console.user(CLINIC), "password": PASSWORD, "csrf_token": csrf(client)}
    )
    assert answer.status_code == 303, answer.text
    finish_sign_in(client, answer.headers["location"])
    return client


def _busy_items(page: str, member: str) -> list[tuple[str, str]]:
    """(day, text) of each busy block shown in the member's column."""
    section = re.search(rf'<section[^>]*data-member="{member}".*?</section>', page, re.S)
    assert section, member
    found = re.findall(r'<li class="busy-block"[^>]*data-day="([^"]+)">(.*?)</li>', section.group(0), re.S)
    return [(day, re.sub(r"<[^>]+>", "", text).strip()) for day, text in found]


def test_the_week_view_shows_calendar_busy_time_without_what_it_is(
    console: Console, clock: Callable[[datetime], None], ruiz_calendar: tuple[Database, str]
) -> None:
    db, connection = ruiz_calendar
    blocks = [
        ("dentist-lunch-with-patient-x", _local("2033-06-07 12:00"), _local("2033-06-07 13:30")),
        ("overnight", _local("2033-06-08 22:00"), _local("2033-06-09 02:00")),
    ]
    calendar_busy.replace_blocks(db, CLINIC, connection, RUIZ, blocks)
    client = _signed_in(console)
    page = client.get(f"{PAGE}?day=2033-06-08&view=week").text
    assert _busy_items(page, RUIZ) == [
        ("2033-06-07", "12:00\u201313:30 Ocupado (calendario)"),
        ("2033-06-08", "22:00\u201324:00 Ocupado (calendario)"),
        ("2033-06-09", "0:00\u20132:00 Ocupado (calendario)"),
    ]
    assert _busy_items(page, GOMEZ) == []
    assert "dentist-lunch" not in page and "overnight" not in page  # never what the event is
    client.get("/console/lang/en")
    page = client.get(f"{PAGE}?day=2033-06-07&view=day").text
    assert _busy_items(page, RUIZ) == [("2033-06-07", "12:00\u202fPM\u20131:30\u202fPM Busy (calendar)")]
    assert _busy_items(client.get(f"{PAGE}?day=2033-06-14&view=week").text, RUIZ) == []  # another week


class _Guard:
    def __init__(self, verdict: str) -> None:
        self.verdict, self.asked = verdict, 0

    def check(self, *args: Any) -> str:
        self.asked += 1
        return self.verdict


def test_a_staff_booking_taken_in_the_member_s_calendar_is_refused_with_a_sentence(
    console: Console, clock: Callable[[datetime], None], ruiz_calendar: tuple[Database, str]
) -> None:
    state = console.app.state
    built = state.parts
    guard = _Guard("busy")
    state.parts = dataclasses.replace(built, slot_guard=guard)
    db, _ = ruiz_calendar
    contact = find_or_create_contact(db, CLINIC, f"346{uuid.uuid4().int % 10**8:08d}", "Paciente").id
    try:
        client = _signed_in(console)
        form = {"contact_id": contact, "service_id": LIMPIEZA, "member_id": RUIZ, "start_date": "2033-06-21"}
        answer = client.post(PAGE, data={"csrf_token": csrf(client, PAGE), **form, "start_time": "11:00"})
        assert answer.status_code == 400
        assert "Ese horario se acaba de ocupar en el calendario del profesional" in answer.text
        client.get("/console/lang/en")
        answer = client.post(PAGE, data={"csrf_token": csrf(client, PAGE), **form, "start_time": "11:00"})
        assert answer.status_code == 400 and "That time was just taken in the staff member" in answer.text
        # Gómez has no calendar connected: never re-checked, booked.
        gomez = {**form, "member_id": GOMEZ, "start_time": "11:00"}
        assert client.post(PAGE, data={"csrf_token": csrf(client, PAGE), **gomez}).status_code == 303
    finally:
        state.parts = built
    assert guard.asked == 2
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute("select member_id::text from appointments where contact_id = %s", (contact,)).fetchall()
    assert rows == [(GOMEZ,)]
