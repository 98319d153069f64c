"""Reminder metrics and appointment outcomes per business (crm.outcomes, issue 17): a small
history of reminders sent, skipped and answered, a move after a 'change' answer, completed and
missed appointments, counted in one round trip under row level security; another business's rows
and appointments outside the period never count."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from crm_kit import OrgFactory

from receptionist.crm import appointments, outcomes
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact

TZ = "Europe/Madrid"
WINDOW = BookingWindow(TZ, 0, 365, 30)
BOOKED = datetime(2031, 5, 1, tzinfo=UTC)  # when the appointments are booked
LATER = datetime(2031, 8, 1, tzinfo=UTC)  # when staff mark outcomes: every appointment has started
JUNE = outcomes.local_period(date(2031, 6, 1), date(2031, 6, 30), TZ)


def _contact(db: Database, org: str) -> str:
    return find_or_create_contact(db, org, f"346{uuid.uuid4().int % 10**8:08d}", "Cliente").id


def _book(db: Database, org: dict[str, str], day: int, month: int = 6) -> tuple[str, str]:
    """An appointment at 09:00 (Madrid, 07:00 UTC in summer) on that day of 2031: (id, contact)."""
    contact = _contact(db, org["org"])
    start = datetime(2031, month, day, 7, 0, tzinfo=UTC)
    result = appointments.book(db, org["org"], contact, org["service"], org["member"], start, WINDOW, now=BOOKED)
    assert result.appointment is not None, result
    return result.appointment.id, contact


def _reminder(
    db: Database,
    org: str,
    appointment_id: str,
    status: str = "sent",
    answer: str | None = None,
    *,
    offset: int = 1440,
    answered: timedelta = timedelta(hours=-1),
) -> None:
    """A reminder row as the pass, the notifier and the answer handling leave it (an answer
    `answered` from the database's clock: before or after the history rows written now)."""
    db.execute(
        "insert into appointment_reminders (organization_id, appointment_id, offset_minutes, due_at, status, answer,"
        " answered_at) select %s, id, %s, starts_at - make_interval(mins => %s), %s, %s::text,"
        " case when %s::text is null then null else clock_timestamp() + %s::interval end"
        " from appointments where id = %s",
        (org, offset, offset, status, answer, answer, answered, appointment_id),
    )


def _mark(db: Database, org: str, appointment_id: str, outcome: str) -> None:
    mark = appointments.mark_completed if outcome == "completed" else appointments.mark_no_show
    assert mark(db, org, appointment_id, TZ, now=LATER, actor="staff:ana@example.com").ok


def test_a_month_of_reminders_and_outcomes_is_counted_for_its_business_only(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    org, other = make_org(), make_org()
    o = org["org"]

    # Confirmed through the reminder (two offsets: two reminders, one appointment), then came.
    a1, _ = _book(db, org, 2)
    _reminder(db, o, a1, answer="confirmed")
    _reminder(db, o, a1, offset=120)
    _mark(db, o, a1, "completed")
    # Asked to change, then moved by the assistant (the history row comes after the answer), then missed.
    a2, c2 = _book(db, org, 3)
    _reminder(db, o, a2, answer="change")
    moved = appointments.reschedule(db, o, c2, a2, datetime(2031, 6, 4, 7, 30, tzinfo=UTC), WINDOW, now=BOOKED)
    assert moved.ok, moved
    _mark(db, o, a2, "no_show")
    # Cancelled through the reminder.
    a3, c3 = _book(db, org, 5)
    _reminder(db, o, a3, answer="cancelled")
    assert appointments.cancel(db, o, c3, a3, TZ).ok
    # Wrote back instead of tapping; not moved; came.
    a4, _ = _book(db, org, 6)
    _reminder(db, o, a4, answer="typed")
    _mark(db, o, a4, "completed")
    # No reminder at all: one came, two did not.
    a5, _ = _book(db, org, 7)
    _mark(db, o, a5, "no_show")
    a6, _ = _book(db, org, 8)
    _mark(db, o, a6, "completed")
    a6b, _ = _book(db, org, 9)
    _mark(db, o, a6b, "no_show")
    # A reminder the notifier skipped (opted out...): the appointment had no reminder. Came.
    a7, _ = _book(db, org, 10)
    _reminder(db, o, a7, status="skipped")
    _mark(db, o, a7, "completed")
    # A reminder still on its way; no outcome yet.
    a8, _ = _book(db, org, 11)
    _reminder(db, o, a8, status="queued")
    # Asked to change, but the move came BEFORE the answer: not a reschedule through the reminder.
    a9, c9 = _book(db, org, 12)
    assert appointments.reschedule(db, o, c9, a9, datetime(2031, 6, 12, 7, 30, tzinfo=UTC), WINDOW, now=BOOKED).ok
    _reminder(db, o, a9, answer="change", answered=timedelta(hours=1))
    # Outside the period (July), with a reminder and a no-show: not counted.
    late, _ = _book(db, org, 2, month=7)
    _reminder(db, o, late, answer="confirmed")
    _mark(db, o, late, "no_show")
    # Another business, same month: a reminder confirmed, then a no-show; never counted for `org`.
    b1, _ = _book(db, other, 2)
    _reminder(db, other["org"], b1, answer="change")
    _mark(db, other["org"], b1, "no_show")

    expected = {
        "sent": 6,  # a1 (twice), a2, a3, a4, a9
        "skipped": 1,
        "pending": 1,
        "confirmed": 1,
        "cancelled_by_reminder": 1,
        "change_asked": 2,
        "typed": 1,
        "rescheduled": 1,  # a2 only
        "appointments": 10,  # a1..a9 and a6b
        "cancelled": 1,
        "completed_with_reminder": 2,  # a1, a4
        "completed_without_reminder": 2,  # a6, a7 (skipped: never reached the customer)
        "no_show_with_reminder": 1,  # a2
        "no_show_without_reminder": 2,  # a5, a6b
    }
    # As the console's role (row level security) in one round trip, and as the tables' owner
    # (RLS bypassed: the statement's own filter keeps the other business out).
    before = console_db.stats()
    as_console = outcomes.reminder_metrics(console_db, o, *JUNE)
    assert (console_db.stats() - before).round_trips == 1
    as_owner = outcomes.reminder_metrics(db, o, *JUNE)
    assert as_console == as_owner
    got = as_console.as_dict()
    assert {k: got[k] for k in expected} == expected
    assert (as_console.completed, as_console.no_show) == (4, 3)
    assert as_console.no_show_rate == pytest.approx(3 / 7)
    assert as_console.no_show_rate_with_reminder == pytest.approx(1 / 3)
    assert as_console.no_show_rate_without_reminder == pytest.approx(2 / 4)
    assert got["since"] == "2031-06-01T00:00:00+02:00" and got["until"] == "2031-07-01T00:00:00+02:00"

    theirs = outcomes.reminder_metrics(console_db, other["org"], *JUNE)
    assert (theirs.appointments, theirs.sent, theirs.change_asked, theirs.no_show_with_reminder) == (1, 1, 1, 1)
    assert theirs.rescheduled == 0 and theirs.no_show_rate == 1.0


def test_a_period_without_outcomes_has_no_rate_and_a_bad_id_counts_nothing(
    console_db: Database, db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    aid, _ = _book(db, org, 20)
    _reminder(db, org["org"], aid, answer="confirmed")
    metrics = outcomes.reminder_metrics(console_db, org["org"], *JUNE)
    assert (metrics.appointments, metrics.sent, metrics.confirmed) == (1, 1, 1)
    assert metrics.no_show_rate is None and metrics.no_show_rate_with_reminder is None
    assert metrics.as_dict()["no_show_rate"] is None

    # The period is half-open and by local days: the 20th is outside [21st, 30th].
    later = outcomes.local_period(date(2031, 6, 21), date(2031, 6, 30), TZ)
    empty = outcomes.reminder_metrics(console_db, org["org"], *later)
    assert (empty.appointments, empty.sent) == (0, 0)
    edge = outcomes.local_period(date(2031, 6, 20), date(2031, 6, 20), TZ)
    assert edge[1] - edge[0] == timedelta(days=1)
    assert outcomes.reminder_metrics(console_db, org["org"], *edge).appointments == 1

    nothing = outcomes.reminder_metrics(console_db, "not-a-uuid", *JUNE)
    assert (nothing.appointments, nothing.sent, nothing.no_show_rate) == (0, 0, None)
    with pytest.raises(ValueError):
        outcomes.reminder_metrics(console_db, org["org"], datetime(2031, 6, 1), datetime(2031, 7, 1))


def test_businesses_are_listed_by_the_owner_only_and_named_within_row_level_security(
    console_db: Database, db: Database, make_org: OrgFactory
) -> None:
    org = make_org(timezone="Atlantic/Canary")
    listed = outcomes.businesses(db)
    assert org["org"] in {b.id for b in listed}
    assert outcomes.businesses(console_db) == []  # the console's role sees no business without a tenant
    found = outcomes.business(console_db, org["org"])
    assert found is not None and found.timezone == "Atlantic/Canary" and found.name == f"Org {org['app']}"
    assert outcomes.business(console_db, str(uuid.uuid4())) is None
    assert outcomes.business(console_db, "nope") is None
