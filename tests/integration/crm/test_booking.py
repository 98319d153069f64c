"""Booking, confirming, cancelling and rescheduling: races, idempotency, tenant isolation."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from crm_kit import DEMO_ORG, GOMEZ, IMPLANTE, LIMPIEZA, RUIZ, OrgFactory

from receptionist.crm import appointments
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.crm.contacts import InvalidEmailError, find_or_create_contact

NOW = datetime(2031, 3, 1, tzinfo=UTC)
WINDOW = BookingWindow("Europe/Madrid", 0, 365, 30)


def _contact(db: Database, org: str = DEMO_ORG) -> str:
    return find_or_create_contact(db, org, f"346{uuid.uuid4().int % 10**8:08d}", "Cliente").id


def _at(local: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Madrid"))


def test_two_threads_booking_one_slot_make_one_booking(seeded_url: str, db: Database) -> None:
    contacts = [_contact(db), _contact(db)]
    start = _at("2031-03-10 10:00")
    barrier = threading.Barrier(2)
    results: list[appointments.BookingResult] = []

    def book(contact: str) -> None:
        own = Database(seeded_url)
        barrier.wait()
        results.append(appointments.book(own, DEMO_ORG, contact, LIMPIEZA, RUIZ, start, WINDOW, now=NOW))
        own.close()

    threads = [threading.Thread(target=book, args=(c,)) for c in contacts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.ok for r in results) == [False, True]
    loser = next(r for r in results if not r.ok)
    assert loser.failure in ("slot_taken", "not_available")
    rows = db.fetch_all(
        "select id from appointments where organization_id = %s and member_id = %s and starts_at = %s",
        (DEMO_ORG, RUIZ, start),
    )
    assert len(rows) == 1


def test_booking_is_idempotent_per_key(db: Database) -> None:
    contact = _contact(db)
    start = _at("2031-03-11 11:00")
    first = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, RUIZ, start, WINDOW, now=NOW, idempotency_key="turn-1")
    again = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, RUIZ, start, WINDOW, now=NOW, idempotency_key="turn-1")
    assert first.ok and again.ok and first.appointment and again.appointment
    assert first.appointment.id == again.appointment.id
    assert first.appointment.starts_at == start and first.appointment.starts_at.utcoffset().total_seconds() == 3600  # type: ignore[union-attr]
    assert first.appointment.status == "pending"


def test_unavailable_unbookable_and_outside_hours_are_results(db: Database) -> None:
    contact = _contact(db)
    sunday = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, RUIZ, _at("2031-03-09 10:00"), WINDOW, now=NOW)
    assert (sunday.ok, sunday.failure) == (False, "not_available")
    implant = appointments.book(db, DEMO_ORG, contact, IMPLANTE, GOMEZ, _at("2031-03-10 10:00"), WINDOW, now=NOW)
    assert implant.failure == "not_bookable"
    off_grid = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, RUIZ, _at("2031-03-10 10:10"), WINDOW, now=NOW)
    assert off_grid.failure == "not_available"


def test_confirm_cancel_and_reschedule_own_appointment(db: Database) -> None:
    contact = _contact(db)
    booked = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, GOMEZ, _at("2031-03-12 09:00"), WINDOW, now=NOW)
    assert booked.appointment
    aid = booked.appointment.id
    assert appointments.confirm(db, DEMO_ORG, contact, aid, WINDOW.timezone).appointment.status == "confirmed"  # type: ignore[union-attr]
    moved = appointments.reschedule(db, DEMO_ORG, contact, aid, _at("2031-03-12 17:00"), WINDOW, now=NOW)
    assert moved.ok and moved.appointment and moved.appointment.starts_at == _at("2031-03-12 17:00")
    history = db.fetch_all(
        "select action from appointment_history where appointment_id = %s order by at, action", (aid,)
    )
    assert [h["action"] for h in history] == ["booked", "confirmed", "rescheduled"]
    # The old slot is free again.
    other = appointments.book(db, DEMO_ORG, _contact(db), LIMPIEZA, GOMEZ, _at("2031-03-12 09:00"), WINDOW, now=NOW)
    assert other.ok
    cancelled = appointments.cancel(db, DEMO_ORG, contact, aid, WINDOW.timezone)
    assert cancelled.ok and cancelled.appointment and cancelled.appointment.status == "cancelled"
    assert appointments.list_appointments(db, DEMO_ORG, contact, WINDOW.timezone, now=NOW) == []


def test_reschedule_into_a_taken_slot_leaves_the_appointment_untouched(db: Database) -> None:
    mine, theirs = _contact(db), _contact(db)
    a = appointments.book(db, DEMO_ORG, mine, LIMPIEZA, RUIZ, _at("2031-03-13 10:00"), WINDOW, now=NOW)
    b = appointments.book(db, DEMO_ORG, theirs, LIMPIEZA, RUIZ, _at("2031-03-13 12:00"), WINDOW, now=NOW)
    assert a.appointment and b.ok
    moved = appointments.reschedule(db, DEMO_ORG, mine, a.appointment.id, _at("2031-03-13 12:00"), WINDOW, now=NOW)
    assert moved.failure in ("not_available", "slot_taken")
    still = appointments.get_appointment(db, DEMO_ORG, mine, a.appointment.id, WINDOW.timezone)
    assert still and still.starts_at == _at("2031-03-13 10:00") and still.status == "pending"


def test_another_contact_or_organization_cannot_touch_an_appointment(db: Database, make_org: OrgFactory) -> None:
    owner, stranger = _contact(db), _contact(db)
    a = appointments.book(db, DEMO_ORG, owner, LIMPIEZA, GOMEZ, _at("2031-03-14 10:00"), WINDOW, now=NOW)
    assert a.appointment
    aid = a.appointment.id
    other_org = make_org()
    foreign_contact = _contact(db, other_org["org"])
    for org, contact in ((DEMO_ORG, stranger), (other_org["org"], foreign_contact), (other_org["org"], owner)):
        assert appointments.cancel(db, org, contact, aid, WINDOW.timezone).failure == "not_found"
        assert appointments.confirm(db, org, contact, aid, WINDOW.timezone).failure == "not_found"
        moved = appointments.reschedule(db, org, contact, aid, _at("2031-03-14 17:00"), WINDOW, now=NOW)
        assert moved.failure == "not_found"
    still = appointments.get_appointment(db, DEMO_ORG, owner, aid, WINDOW.timezone)
    assert still and still.status == "pending" and still.starts_at == _at("2031-03-14 10:00")


def test_contacts_validate_email_and_are_found_by_phone(db: Database) -> None:
    c1 = find_or_create_contact(db, DEMO_ORG, "34600123123", "Marta")
    c2 = find_or_create_contact(db, DEMO_ORG, "34600123123", None, "marta@example.com")
    assert c1.id == c2.id and c2.name == "Marta" and c2.email == "marta@example.com"
    with pytest.raises(InvalidEmailError):
        find_or_create_contact(db, DEMO_ORG, "34600123123", None, "marta@@example")


def test_malformed_ids_from_the_model_are_not_found(db: Database) -> None:
    contact = _contact(db)
    assert appointments.cancel(db, DEMO_ORG, contact, "not-a-uuid", WINDOW.timezone).failure == "not_found"
    assert appointments.confirm(db, DEMO_ORG, "", "also-bad", WINDOW.timezone).failure == "not_found"
    moved = appointments.reschedule(db, DEMO_ORG, "", "x", _at("2031-03-14 17:00"), WINDOW, now=NOW)
    assert moved.failure == "not_found"
    booked = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, "Ruiz", _at("2031-03-17 10:00"), WINDOW, now=NOW)
    assert booked.failure == "invalid"
