"""Appointment outcomes (migration 20261202000200): completed and no-show, marked by staff only
once an appointment has started, recorded in the history with who did it; the new status and
history checks; a finished or missed appointment no longer holds its slot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from crm_kit import OrgFactory

from receptionist.crm import appointments
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact

NOW = datetime(2031, 5, 1, tzinfo=UTC)
TZ = "Europe/Madrid"
WINDOW = BookingWindow(TZ, 0, 365, 30)


def _contact(db: Database, org: str) -> str:
    return find_or_create_contact(db, org, f"346{uuid.uuid4().int % 10**8:08d}", "Cliente").id


def _booked(db: Database, org: dict[str, str], start: datetime, contact: str | None = None) -> str:
    result = appointments.book(
        db, org["org"], contact or _contact(db, org["org"]), org["service"], org["member"], start, WINDOW, now=NOW
    )
    assert result.appointment is not None, result
    return result.appointment.id


def _history(db: Database, appointment_id: str) -> list[tuple[str, str | None]]:
    rows = db.fetch_all(
        "select action, actor from appointment_history where appointment_id = %s order by at, id", (appointment_id,)
    )
    return [(r["action"], r["actor"]) for r in rows]


def test_no_show_and_completed_only_once_the_appointment_has_started(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    start = datetime(2031, 5, 6, 8, 0, tzinfo=UTC)  # 10:00 in Madrid
    aid = _booked(db, org, start)
    before = start - timedelta(minutes=1)
    for mark in (appointments.mark_no_show, appointments.mark_completed):
        early = mark(db, org["org"], aid, TZ, now=before, actor="staff:ana@example.com")
        assert (early.ok, early.failure) == (False, "not_started")
        assert early.appointment is not None and early.appointment.status == "pending"
    assert _history(db, aid) == [("booked", None)]

    stats = db.stats()
    missed = appointments.mark_no_show(db, org["org"], aid, TZ, now=start, actor="staff:ana@example.com")
    assert (db.stats() - stats).round_trips == 1
    assert missed.ok and missed.appointment is not None and missed.appointment.status == "no_show"
    again = appointments.mark_no_show(db, org["org"], aid, TZ, now=start, actor="staff:ana@example.com")
    assert again.ok  # already so: succeeds, writes nothing
    # A correction: the customer came late after all.
    came = appointments.mark_completed(db, org["org"], aid, TZ, now=start + timedelta(hours=1), actor="staff:bo@x.es")
    assert came.ok and came.appointment is not None and came.appointment.status == "completed"
    assert _history(db, aid) == [
        ("booked", None),
        ("no_show", "staff:ana@example.com"),
        ("completed", "staff:bo@x.es"),
    ]


def test_a_cancelled_appointment_has_no_outcome_and_other_businesses_are_not_found(
    db: Database, make_org: OrgFactory
) -> None:
    org, other = make_org(), make_org()
    start = datetime(2031, 5, 7, 8, 0, tzinfo=UTC)
    aid = _booked(db, org, start)
    contact = db.fetch_one("select contact_id::text as c from appointments where id = %s", (aid,))
    assert contact is not None
    assert appointments.cancel(db, org["org"], contact["c"], aid, TZ, actor="staff:ana@example.com").ok
    later = start + timedelta(hours=2)
    assert appointments.mark_completed(db, org["org"], aid, TZ, now=later).failure == "not_active"
    assert appointments.mark_no_show(db, org["org"], aid, TZ, now=later).failure == "not_active"
    assert appointments.mark_no_show(db, other["org"], aid, TZ, now=later).failure == "not_found"
    assert appointments.mark_completed(db, other["org"], aid, TZ, now=later).failure == "not_found"
    assert appointments.mark_no_show(db, org["org"], "not-an-id", TZ, now=later).failure == "not_found"
    assert _history(db, aid) == [("booked", None), ("cancelled", "staff:ana@example.com")]


def test_staff_changes_record_their_actor(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    contact = _contact(db, org["org"])
    result = appointments.book(
        db,
        org["org"],
        contact,
        org["service"],
        org["member"],
        datetime(2031, 5, 8, 7, 0, tzinfo=UTC),
        WINDOW,
        now=NOW,
        actor="staff:ana@example.com",
    )
    assert result.appointment is not None
    aid = result.appointment.id
    moved = appointments.reschedule(
        db, org["org"], contact, aid, datetime(2031, 5, 8, 8, 0, tzinfo=UTC), WINDOW, now=NOW, actor="staff:bo@x.es"
    )
    assert moved.ok
    assert appointments.confirm(db, org["org"], contact, aid, TZ, actor="staff:bo@x.es").ok
    assert _history(db, aid) == [
        ("booked", "staff:ana@example.com"),
        ("rescheduled", "staff:bo@x.es"),
        ("confirmed", "staff:bo@x.es"),
    ]


def test_staff_may_book_a_service_customers_cannot_book_on_whatsapp(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    db.execute("update services set bookable = false where id = %s", (org["service"],))
    contact = _contact(db, org["org"])
    start = datetime(2031, 5, 9, 7, 0, tzinfo=UTC)
    args = (db, org["org"], contact, org["service"], org["member"], start, WINDOW)
    assert appointments.book(*args, now=NOW).failure == "not_bookable"
    assert appointments.book(*args, now=NOW, allow_unbookable=True).ok


def test_the_status_and_history_checks_allow_outcomes_and_only_active_appointments_hold_a_slot(
    seeded_url: str, db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    contact = _contact(db, org["org"])
    start = datetime(2031, 5, 12, 7, 0, tzinfo=UTC)
    insert = (
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)"
        " values (%s, %s, %s, %s, %s, %s, %s) returning id::text as id"
    )
    values = (org["org"], contact, org["service"], org["member"], start, start + timedelta(minutes=30))
    with psycopg.connect(seeded_url, autocommit=True) as conn:
        for status in ("no_show", "completed", "cancelled"):  # never hold the slot: all fit
            conn.execute(insert, (*values, status))
        row = conn.execute(insert, (*values, "pending")).fetchone()
        assert row is not None
        with pytest.raises(psycopg.errors.ExclusionViolation):
            conn.execute(insert, (*values, "confirmed"))  # still: two active ones never overlap
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(insert, (*values, "missed"))
        history = (
            "insert into appointment_history (organization_id, appointment_id, action, actor) values (%s, %s, %s, %s)"
        )
        for action in ("completed", "no_show", "booked", "confirmed", "cancelled"):
            conn.execute(history, (org["org"], row[0], action, "staff:ana@example.com"))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(history, (org["org"], row[0], "deleted", None))
        with pytest.raises(psycopg.errors.CheckViolation):  # the reschedule rule is still there
            conn.execute(history, (org["org"], row[0], "rescheduled", None))
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(history, (org["org"], row[0], "completed", ""))
        names = {
            r[0]
            for r in conn.execute(
                "select conname from pg_constraint where conrelid in"
                " ('public.appointments'::regclass, 'public.appointment_history'::regclass) and contype = 'c'"
            )
        }
    assert {"appointments_status_check", "appointment_history_action_check"} <= names
    assert "appointment_history_reschedule_check" in names
