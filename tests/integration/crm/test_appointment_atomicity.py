"""Races and retries on real connections: the database decides, callers get results, and
each operation costs a known number of round trips."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from crm_kit import DEMO_ORG, GOMEZ, LIMPIEZA, RUIZ, OrgFactory

from receptionist.crm import appointments
from receptionist.crm.availability import BookingWindow, available_slots
from receptionist.crm.catalogue import get_service
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact
from receptionist.crm.models import BookingResult

NOW = datetime(2034, 1, 1, tzinfo=UTC)
WINDOW = BookingWindow("Europe/Madrid", 0, 3650, 30)
T = TypeVar("T")


def _contact(db: Database) -> str:
    return find_or_create_contact(db, DEMO_ORG, f"347{uuid.uuid4().int % 10**8:08d}", "Cliente").id


def _at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Madrid"))


def _together(url: str, calls: list[Callable[[Database], T]]) -> list[T]:
    """Run each call on its own connection, released at the same instant."""
    barrier = threading.Barrier(len(calls))
    results: list[T | None] = [None] * len(calls)

    def run(i: int) -> None:
        own = Database(url)
        try:
            own.fetch_one("select 1")  # connect before the barrier: the calls themselves race
            barrier.wait()
            results[i] = calls[i](own)
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def test_booking_a_taken_slot_says_slot_taken(db: Database) -> None:
    start = _at("2034-01-09 10:00")
    first = appointments.book(db, DEMO_ORG, _contact(db), LIMPIEZA, RUIZ, start, WINDOW, now=NOW)
    second = appointments.book(db, DEMO_ORG, _contact(db), LIMPIEZA, RUIZ, start, WINDOW, now=NOW)
    overlapping = appointments.book(
        db, DEMO_ORG, _contact(db), LIMPIEZA, RUIZ, _at("2034-01-09 09:45"), WINDOW, now=NOW
    )
    assert first.ok
    assert (second.ok, second.failure) == (False, "slot_taken")
    # 09:45 is not on Dr. Ruiz's grid (he starts at 10:00, every 30 min): not available at all.
    assert overlapping.failure == "not_available"


def test_same_idempotency_key_from_two_retries_at_once_books_once(seeded_url: str, db: Database) -> None:
    contact, start, key = _contact(db), _at("2034-01-10 11:00"), f"turn-{uuid.uuid4()}"
    results = _together(
        seeded_url,
        [
            lambda own: appointments.book(
                own, DEMO_ORG, contact, LIMPIEZA, RUIZ, start, WINDOW, now=NOW, idempotency_key=key
            )
        ]
        * 2,
    )
    assert all(r.ok and r.appointment for r in results)
    assert len({r.appointment.id for r in results if r.appointment}) == 1
    rows = db.fetch_all(
        "select id from appointments where organization_id = %s and idempotency_key = %s", (DEMO_ORG, key)
    )
    assert len(rows) == 1
    history = db.fetch_all("select action from appointment_history where appointment_id = %s", (rows[0]["id"],))
    assert [h["action"] for h in history] == ["booked"]


def test_two_reschedules_into_one_slot_move_exactly_one(seeded_url: str, db: Database) -> None:
    a_contact, b_contact = _contact(db), _contact(db)
    a = appointments.book(db, DEMO_ORG, a_contact, LIMPIEZA, GOMEZ, _at("2034-01-11 09:00"), WINDOW, now=NOW)
    b = appointments.book(db, DEMO_ORG, b_contact, LIMPIEZA, GOMEZ, _at("2034-01-11 10:00"), WINDOW, now=NOW)
    assert a.appointment and b.appointment
    target = _at("2034-01-11 12:00")
    moves: list[Callable[[Database], BookingResult]] = [
        lambda own: appointments.reschedule(own, DEMO_ORG, a_contact, a.appointment.id, target, WINDOW, now=NOW),  # type: ignore[union-attr]
        lambda own: appointments.reschedule(own, DEMO_ORG, b_contact, b.appointment.id, target, WINDOW, now=NOW),  # type: ignore[union-attr]
    ]
    results = _together(seeded_url, moves)
    assert sorted(r.ok for r in results) == [False, True]
    loser = next(r for r in results if not r.ok)
    assert loser.failure in ("slot_taken", "not_available")
    winner_id = next(r.appointment.id for r in results if r.ok and r.appointment)
    loser_contact, loser_id, loser_start = (
        (b_contact, b.appointment.id, _at("2034-01-11 10:00"))
        if winner_id == a.appointment.id
        else (a_contact, a.appointment.id, _at("2034-01-11 09:00"))
    )
    untouched = appointments.get_appointment(db, DEMO_ORG, loser_contact, loser_id, WINDOW.timezone)
    assert untouched and untouched.starts_at == loser_start and untouched.status == "pending"
    at_target = db.fetch_all(
        "select id::text from appointments where member_id = %s and starts_at = %s and status = 'pending'",
        (GOMEZ, target),
    )
    assert [r["id"] for r in at_target] == [winner_id]
    moved = db.fetch_all(
        "select action, old_starts_at, new_starts_at from appointment_history"
        " where appointment_id in (%s, %s) and action = 'rescheduled'",
        (a.appointment.id, b.appointment.id),
    )
    assert [(m["old_starts_at"] != m["new_starts_at"], m["new_starts_at"]) for m in moved] == [(True, target)]


def test_reschedule_may_overlap_its_own_old_time_and_frees_the_old_slot(db: Database) -> None:
    contact = _contact(db)
    booked = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, GOMEZ, _at("2034-01-12 09:00"), WINDOW, now=NOW)
    assert booked.appointment
    # Limpieza lasts 30 min; 09:00 -> 09:15 would overlap itself if the old slot still counted.
    window15 = BookingWindow("Europe/Madrid", 0, 3650, 15)
    moved = appointments.reschedule(
        db, DEMO_ORG, contact, booked.appointment.id, _at("2034-01-12 09:15"), window15, now=NOW
    )
    assert moved.ok and moved.appointment and moved.appointment.starts_at == _at("2034-01-12 09:15")
    again = appointments.reschedule(
        db, DEMO_ORG, contact, booked.appointment.id, _at("2034-01-12 09:15"), window15, now=NOW
    )
    assert again.ok  # already there: a retried turn succeeds without a change
    service = get_service(db, DEMO_ORG, LIMPIEZA)
    assert service
    free = available_slots(
        db, DEMO_ORG, service, window15, date(2034, 1, 12), date(2034, 1, 12), now=NOW, member_id=GOMEZ
    )
    times = [s.starts_at.strftime("%H:%M") for s in free]
    assert "09:00" not in times and "09:15" not in times and "09:45" in times  # 09:00 overlaps 09:15-09:45
    ignoring = available_slots(
        db, DEMO_ORG, service, window15, date(2034, 1, 12), date(2034, 1, 12),
        now=NOW, member_id=GOMEZ, ignore_appointment_id=booked.appointment.id,
    )  # fmt: skip
    assert "09:15" in [s.starts_at.strftime("%H:%M") for s in ignoring]


def test_a_cancelled_or_completed_appointment_cannot_be_moved_or_confirmed(db: Database) -> None:
    contact = _contact(db)
    booked = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, GOMEZ, _at("2034-01-13 09:00"), WINDOW, now=NOW)
    assert booked.appointment
    aid = booked.appointment.id
    assert appointments.cancel(db, DEMO_ORG, contact, aid, WINDOW.timezone).ok
    assert appointments.cancel(db, DEMO_ORG, contact, aid, WINDOW.timezone).ok  # idempotent
    confirmed = appointments.confirm(db, DEMO_ORG, contact, aid, WINDOW.timezone)
    assert (confirmed.failure, confirmed.appointment and confirmed.appointment.status) == ("not_active", "cancelled")
    moved = appointments.reschedule(db, DEMO_ORG, contact, aid, _at("2034-01-13 10:00"), WINDOW, now=NOW)
    assert moved.failure == "not_active"
    history = db.fetch_all("select action from appointment_history where appointment_id = %s order by at", (aid,))
    assert [h["action"] for h in history] == ["booked", "cancelled"]


def test_round_trips_per_operation(db: Database) -> None:
    """Deterministic costs (not timings): a regression guard for the data access layer."""

    def cost(call: Callable[[], object]) -> int:
        before = db.round_trips
        call()
        return db.round_trips - before

    contact = _contact(db)
    service = get_service(db, DEMO_ORG, LIMPIEZA)
    assert service
    day = date(2034, 1, 16)
    assert cost(lambda: available_slots(db, DEMO_ORG, service, WINDOW, day, day, now=NOW)) == 1
    result: list[BookingResult] = []
    start = _at("2034-01-16 10:00")

    def book() -> None:
        result.append(
            appointments.book(db, DEMO_ORG, contact, LIMPIEZA, RUIZ, start, WINDOW, now=NOW, idempotency_key=key)
        )

    key = f"rt-{contact}"
    assert cost(book) == 2
    aid = result[0].appointment.id if result[0].appointment else ""
    assert cost(book) == 2  # a replay: the schedule query finds the key, one read returns the appointment
    assert result[0].appointment and result[1].appointment and result[0].appointment.id == result[1].appointment.id
    assert cost(lambda: appointments.confirm(db, DEMO_ORG, contact, aid, WINDOW.timezone)) == 1
    assert (
        cost(lambda: appointments.reschedule(db, DEMO_ORG, contact, aid, _at("2034-01-16 11:00"), WINDOW, now=NOW)) == 2
    )
    assert cost(lambda: appointments.cancel(db, DEMO_ORG, contact, aid, WINDOW.timezone)) == 1
    assert cost(lambda: appointments.cancel(db, DEMO_ORG, "not-an-id", aid, WINDOW.timezone)) == 0
    assert db.transactions == 0  # every write is a single statement


def test_an_appointment_across_the_fall_back_change_lasts_its_real_duration(db: Database, make_org: OrgFactory) -> None:
    o = make_org("Europe/Madrid", hours=[(7, "01:00", "04:00")], duration=30, step=15)
    contact = find_or_create_contact(db, o["org"], "34600888001", "Noctámbulo").id
    window = BookingWindow("Europe/Madrid", 0, 3650, 15)
    now = datetime(2026, 10, 1, tzinfo=UTC)
    # 02:45 CEST (00:45 UTC) + 30 min = 02:15 CET (01:15 UTC): the wall clock only moved -30 min.
    start = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)
    booked = appointments.book(db, o["org"], contact, o["service"], o["member"], start, window, now=now)
    assert booked.ok and booked.appointment
    assert booked.appointment.starts_at.astimezone(UTC) == start
    assert booked.appointment.ends_at.astimezone(UTC) == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)
    assert booked.appointment.ends_at.strftime("%H:%M%z") == "02:15+0100"
    # The second 02:30 (CET) is not a slot (the repeated hour is offered once): refused, not misread
    # as the first 02:30, which Python would consider equal in wall-clock comparison.
    second_0230 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    again = appointments.book(db, o["org"], contact, o["service"], o["member"], second_0230, window, now=now)
    assert again.failure == "not_available"
