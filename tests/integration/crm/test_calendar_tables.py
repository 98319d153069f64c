"""The calendar's tables (migration 20261209010000_calendar.sql): the outbox the appointments'
trigger fills, the passes across businesses, row level security, and the data access of a sync
(events, busy blocks, conflicts; receptionist/crm/calendar_*.py)."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from calendar_kit import add_member, connect, customer, outbox
from crm_kit import OrgFactory

from receptionist.calendar.ports import OutboxRow
from receptionist.calendar.provider import CalendarEvent, Channel, EventChanges, EventTime
from receptionist.crm import appointments, calendar_busy, calendar_conflicts, calendar_connections, calendar_outbox
from receptionist.crm.availability import BookingWindow
from receptionist.crm.calendar_conflicts import Overlap
from receptionist.crm.connection import Database

NOW = datetime(2031, 3, 1, tzinfo=UTC)
WINDOW = BookingWindow("Europe/Madrid", 0, 365, 30)
MADRID = ZoneInfo("Europe/Madrid")


def _at(local: str) -> datetime:
    return datetime.fromisoformat(local).replace(tzinfo=MADRID)


def _book(db: Database, org: dict[str, str], start: str, member: str | None = None) -> str:
    result = appointments.book(
        db, org["org"], customer(db, org["org"]), org["service"], member or org["member"], _at(start), WINDOW, now=NOW
    )
    assert result.appointment is not None, result
    return result.appointment.id


# -- the outbox trigger ------------------------------------------------------------------------
def test_each_change_of_an_appointment_queues_one_row_for_the_connected_member(
    db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    connect(db, org["org"], org["member"])
    booked = _book(db, org, "2031-03-10 09:00")
    contact = db.fetch_one("select contact_id::text from appointments where id = %s", (booked,))
    assert contact is not None
    steps = [
        lambda: appointments.confirm(db, org["org"], contact["contact_id"], booked, "Europe/Madrid"),
        lambda: appointments.reschedule(
            db, org["org"], contact["contact_id"], booked, _at("2031-03-10 10:00"), WINDOW, now=NOW
        ),
        lambda: db.execute(
            "update appointments set ends_at = ends_at + interval '15 minutes' where id = %s", (booked,)
        ),
        lambda: appointments.cancel(db, org["org"], contact["contact_id"], booked, "Europe/Madrid"),
        lambda: db.execute("update appointments set contact_id = %s where id = %s", (customer(db, org["org"]), booked)),
    ]
    assert outbox(db, org["org"]) == [{"appointment_id": booked, "member_id": org["member"], "queued_at": None}]
    for n, step in enumerate(steps, start=2):
        step()
        assert len(outbox(db, org["org"])) == n
    # What the calendar does not show changes nothing: no row.
    db.execute("update appointments set updated_at = now(), notes = 'x' where id = %s", (booked,))
    db.execute("update appointments set status = status, starts_at = starts_at where id = %s", (booked,))
    assert len(outbox(db, org["org"])) == len(steps) + 1
    db.execute("delete from appointments where id = %s", (booked,))
    rows = outbox(db, org["org"])
    assert len(rows) == len(steps) + 2
    assert {(r["appointment_id"], r["member_id"]) for r in rows} == {(booked, org["member"])}


def test_a_calendar_connected_or_connected_again_gets_the_member_s_upcoming_appointments(
    db: Database, make_org: OrgFactory
) -> None:
    """Booked before the calendar was connected (or while its grant was broken): the trigger on
    appointments queued nothing then, so connecting queues them, and only the active, upcoming ones."""
    org = make_org()
    upcoming = _book(db, org, "2031-03-10 09:00")
    cancelled = _book(db, org, "2031-03-10 10:00")
    contact = db.fetch_one("select contact_id::text from appointments where id = %s", (cancelled,))
    assert contact is not None
    appointments.cancel(db, org["org"], contact["contact_id"], cancelled, "Europe/Madrid")
    past = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
        " values (%s, %s, %s, %s, %s, %s) returning id::text",
        (org["org"], customer(db, org["org"]), org["service"], org["member"], _at("2020-03-10 09:00"),
         _at("2020-03-10 09:30")),
    )  # fmt: skip
    assert past is not None and outbox(db, org["org"]) == []
    connection = connect(db, org["org"], org["member"])
    assert [(r["appointment_id"], r["member_id"]) for r in outbox(db, org["org"])] == [(upcoming, org["member"])]
    assert calendar_connections.mark_broken(db, org["org"], connection.id, "invalid_grant", datetime.now(UTC))
    # Written while the grant was broken (booking refuses a broken member: as ops would write it).
    while_broken = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
        " values (%s, %s, %s, %s, %s, %s) returning id::text",
        (org["org"], customer(db, org["org"]), org["service"], org["member"], _at("2031-03-11 09:00"),
         _at("2031-03-11 09:30")),
    )  # fmt: skip
    assert while_broken is not None and len(outbox(db, org["org"])) == 1
    connect(db, org["org"], org["member"])  # a fresh grant
    assert sorted(r["appointment_id"] for r in outbox(db, org["org"])) == sorted(
        [upcoming, upcoming, while_broken["id"]]
    )


def test_members_without_a_connected_calendar_queue_nothing(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    broken_member = add_member(db, org["org"])
    connect(db, org["org"], broken_member, status="broken")
    first = _book(db, org, "2031-03-10 09:00")  # no connection at all
    # A broken one (booking refuses it: the row is written as ops would).
    row = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
        " values (%s, %s, %s, %s, %s, %s) returning id::text",
        (org["org"], customer(db, org["org"]), org["service"], broken_member, _at("2031-03-10 09:00"),
         _at("2031-03-10 09:30")),
    )  # fmt: skip
    assert row is not None
    second = row["id"]
    db.execute("update appointments set status = 'cancelled' where id in (%s, %s)", (first, second))
    db.execute("delete from appointments where id in (%s, %s)", (first, second))
    assert outbox(db, org["org"]) == []


def test_moving_an_appointment_to_another_member_queues_both(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    other = add_member(db, org["org"])
    connect(db, org["org"], org["member"])
    connect(db, org["org"], other)
    booked = _book(db, org, "2031-03-10 09:00")
    db.execute("update appointments set member_id = %s where id = %s", (other, booked))
    rows = outbox(db, org["org"])
    assert [r["member_id"] for r in rows[:1]] == [org["member"]]  # the booking
    assert sorted(r["member_id"] for r in rows[1:]) == sorted([org["member"], other])  # the move: both calendars


def test_the_relay_takes_a_batch_once_and_marks_what_it_sent(
    db: Database, seeded_url: str, app_db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    connect(db, org["org"], org["member"])
    ids = [_book(db, org, f"2031-03-1{d} 09:00") for d in range(1, 4)]
    mine = lambda rows: [r for r in rows if r.organization_id == org["org"]]  # noqa: E731 - shared database

    # Two relays at once: what one holds (its transaction open) the other skips.
    holding, release = threading.Event(), threading.Event()
    held: list[OutboxRow] = []

    def first_relay() -> None:
        own = Database(seeded_url.replace("://postgres@", "://receptionist_app@", 1))
        with own.transaction() as tx:
            held.extend(mine(calendar_outbox.pending(tx, 100_000)))
            holding.set()
            release.wait(10)
        own.close()

    thread = threading.Thread(target=first_relay)
    thread.start()
    assert holding.wait(10)
    try:
        with app_db.transaction() as tx:
            seen_meanwhile = mine(calendar_outbox.pending(tx, 100_000))
    finally:
        release.set()
        thread.join()
    assert sorted(r.appointment_id for r in held) == sorted(ids)
    assert seen_meanwhile == []

    # A relay that sends only some rows: those are marked, the rest stay for the next batch.
    def send(rows: list[OutboxRow]) -> list[int]:
        return [r.id for r in mine(rows) if r.appointment_id == ids[0]]

    taken, queued = calendar_outbox.relay_batch(app_db, 100_000, send, lambda: NOW)
    assert taken >= 3 and queued == 1
    assert [(r["appointment_id"], r["queued_at"] is not None) for r in outbox(db, org["org"])] == [
        (ids[0], True),
        (ids[1], False),
        (ids[2], False),
    ]


# -- passes across businesses -------------------------------------------------------------------
def test_polls_and_renewals_find_connected_calendars_across_businesses(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    a, b = make_org(), make_org()
    never = connect(db, a["org"], a["member"])
    fresh = connect(db, b["org"], b["member"])
    broken_member = add_member(db, b["org"])
    broken = connect(db, b["org"], broken_member, status="broken")
    at = datetime.now(UTC)
    changes = EventChanges(events=[], sync_token="tok-1", full=True)
    calendar_busy.store_changes(db, b["org"], fresh.id, changes, at)
    channel = Channel(f"{fresh.id}-1", "res-1", at + timedelta(days=6))
    calendar_connections.set_channel(db, b["org"], fresh.id, channel)

    polled = {c for _, c in calendar_connections.poll_due(app_db, at, timedelta(minutes=15), 100_000)}
    assert never.id in polled and fresh.id not in polled and broken.id not in polled
    later = {
        c for _, c in calendar_connections.poll_due(app_db, at + timedelta(minutes=16), timedelta(minutes=15), 100_000)
    }
    assert fresh.id in later
    calendar_connections.poll_after(db, b["org"], fresh.id, at + timedelta(hours=1))
    waiting = {
        c for _, c in calendar_connections.poll_due(app_db, at + timedelta(minutes=16), timedelta(minutes=15), 100_000)
    }
    assert fresh.id not in waiting

    renew = {c for _, c in calendar_connections.channels_due(app_db, at + timedelta(days=1), 100_000)}
    assert never.id in renew and fresh.id not in renew and broken.id not in renew  # no channel yet: watch
    assert fresh.id in {c for _, c in calendar_connections.channels_due(app_db, at + timedelta(days=7), 100_000)}
    assert calendar_connections.by_channel(app_db, channel.id) == (b["org"], fresh.id)
    assert calendar_connections.by_channel(app_db, "nobody-1") is None
    with app_db.acting_for(b["org"]):
        stored = calendar_connections.get(app_db, b["org"], fresh.id)
    assert stored is not None and stored.channel == channel and stored.sync_token == "tok-1"


# -- row level security -------------------------------------------------------------------------
TABLES = ("calendar_connections", "calendar_events", "calendar_busy_blocks", "calendar_outbox", "calendar_conflicts")


def test_one_business_never_sees_another_s_calendar_rows(
    db: Database, app_db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    a, b = make_org(), make_org()
    for org in (a, b):
        connection = connect(db, org["org"], org["member"])
        booked = _book(db, org, "2031-03-10 09:00")
        _sync(db, org["org"], connection.id, [_timed("ev-1", "2031-03-10 09:00", "2031-03-10 09:30")])
        calendar_busy.replace_blocks(
            db, org["org"], connection.id, org["member"], [("ev-1", _at("2031-03-10 09:00"), _at("2031-03-10 09:30"))]
        )
        calendar_conflicts.record(
            db,
            org["org"],
            org["member"],
            [Overlap(booked, "ev-1", _at("2031-03-10 09:00"), _at("2031-03-10 09:30"))],
            NOW,
        )
    for table in TABLES:
        assert db.fetch_one(f"select count(*) as n from {table} where organization_id = %s", (b["org"],)) != {"n": 0}  # noqa: S608
    granted = {
        "calendar_connections": (app_db, console_db),
        "calendar_events": (app_db,),
        "calendar_busy_blocks": (app_db, console_db),
        "calendar_conflicts": (app_db, console_db),
    }
    for table, roles in granted.items():
        for role in roles:
            with role.acting_for(a["org"]):
                seen = {r["organization_id"] for r in role.fetch_all(f"select organization_id::text from {table}")}  # noqa: S608
            assert seen == {a["org"]}, (table, role)
    with app_db.acting_for(a["org"]):  # nor change them, naming them outright
        assert app_db.execute("delete from calendar_events where organization_id = %s", (b["org"],)) == 0
        assert app_db.execute("delete from calendar_busy_blocks where organization_id = %s", (b["org"],)) == 0
        assert (
            app_db.execute("update calendar_connections set status = 'broken' where organization_id = %s", (b["org"],))
            == 0
        )
    assert db.fetch_one("select count(*) as n from calendar_busy_blocks where organization_id = %s", (b["org"],)) == {
        "n": 1
    }


def test_the_outbox_is_reached_only_through_its_functions(
    app_db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    org = make_org()
    for role in (app_db, console_db):
        with role.acting_for(org["org"]), pytest.raises(psycopg.errors.InsufficientPrivilege):
            role.execute("select count(*) from calendar_outbox")
    for sql in (
        "select * from public.calendar_outbox_pending(10)",
        "select * from public.calendar_poll_due(now(), interval '15 minutes', 10)",
        "select * from public.calendar_channels_due(now(), 10)",
        "select * from public.calendar_connection_by_channel('x')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            console_db.execute(sql)
    with app_db.acting_for(org["org"]), pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_db.execute("delete from calendar_connections")  # the console disconnects, not the functions


# -- a sync's data --------------------------------------------------------------------------------
def _timed(event_id: str, start: str, end: str, **extra: object) -> CalendarEvent:
    return CalendarEvent(
        event_id,
        "confirmed",
        EventTime(instant=_at(start), zone="Europe/Madrid"),
        EventTime(instant=_at(end)),
        **extra,  # type: ignore[arg-type]
    )


def _sync(db: Database, org: str, connection: str, events: list[CalendarEvent], *, full: bool = True) -> None:
    calendar_busy.store_changes(db, org, connection, EventChanges(events, f"tok-{uuid.uuid4().hex}", full), NOW)


def test_a_sync_stores_times_only_and_removes_what_was_deleted(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    connection = connect(db, org["org"], org["member"]).id
    series = CalendarEvent(
        "series", "confirmed", EventTime(instant=_at("2031-03-10 12:00"), zone="Europe/Madrid"),
        EventTime(instant=_at("2031-03-10 13:00"), zone="Europe/Madrid"), recurrence=("RRULE:FREQ=DAILY;COUNT=5",),
    )  # fmt: skip
    moved = CalendarEvent(
        "series_20310311", "confirmed",
        EventTime(instant=_at("2031-03-11 15:00")), EventTime(instant=_at("2031-03-11 16:00")),
        recurring_event_id="series", original_start=EventTime(instant=_at("2031-03-11 12:00")),
    )  # fmt: skip
    skipped = CalendarEvent(
        "series_20310312", "cancelled", recurring_event_id="series",
        original_start=EventTime(instant=_at("2031-03-12 12:00")),
    )  # fmt: skip
    holiday = CalendarEvent(
        "holiday", "confirmed", EventTime(day=date(2031, 3, 19)), EventTime(day=date(2031, 3, 20)),
        transparent=True, zone="Europe/Madrid",
    )  # fmt: skip
    ours = _timed("rc" + uuid.uuid4().hex, "2031-03-10 09:00", "2031-03-10 09:30", appointment_id=str(uuid.uuid4()))
    single = _timed("single", "2031-03-13 10:00", "2031-03-13 11:00")
    _sync(db, org["org"], connection, [series, moved, skipped, holiday, ours, single])
    assert calendar_busy.events(db, org["org"], connection) == sorted(
        [series, moved, skipped, holiday, ours, single], key=lambda e: e.id
    )
    columns = {r["column_name"] for r in db.fetch_all(
        "select column_name from information_schema.columns where table_name = 'calendar_events'"
    )}  # fmt: skip
    assert not columns & {"summary", "title", "description", "attendees", "location"}

    # Incremental: the single event deleted, the series' master deleted (its exceptions go too),
    # one changed.
    changed = _timed("single2", "2031-03-14 10:00", "2031-03-14 11:00")
    _sync(db, org["org"], connection, [CalendarEvent("single", "cancelled"), changed], full=False)
    assert {e.id for e in calendar_busy.events(db, org["org"], connection)} == {
        "series", "series_20310311", "series_20310312", "holiday", ours.id, "single2",
    }  # fmt: skip
    _sync(db, org["org"], connection, [CalendarEvent("series", "cancelled")], full=False)
    assert {e.id for e in calendar_busy.events(db, org["org"], connection)} == {"holiday", ours.id, "single2"}

    # A full listing replaces everything stored.
    _sync(db, org["org"], connection, [single])
    assert calendar_busy.events(db, org["org"], connection) == [single]
    stored = calendar_connections.get(db, org["org"], connection)
    assert stored is not None and stored.sync_token and stored.synced_at == NOW


def test_busy_blocks_are_replaced_whole_and_read_per_member(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    other = add_member(db, org["org"])
    mine, theirs = connect(db, org["org"], org["member"]).id, connect(db, org["org"], other).id
    first = [
        ("a", _at("2031-03-10 09:00"), _at("2031-03-10 10:00")),
        ("b", _at("2031-03-11 09:00"), _at("2031-03-11 09:30")),
    ]
    assert calendar_busy.replace_blocks(db, org["org"], mine, org["member"], first) == 2
    calendar_busy.replace_blocks(
        db, org["org"], theirs, other, [("c", _at("2031-03-10 10:00"), _at("2031-03-10 11:00"))]
    )
    second = [
        ("b", _at("2031-03-11 10:00"), _at("2031-03-11 10:30")),
        ("empty", _at("2031-03-12 10:00"), _at("2031-03-12 10:00")),
    ]
    assert calendar_busy.replace_blocks(db, org["org"], mine, org["member"], second) == 1
    since, until = _at("2031-03-10 00:00"), _at("2031-03-13 00:00")
    assert calendar_busy.busy_blocks(db, org["org"], since, until) == {
        org["member"]: [(_at("2031-03-11 10:00"), _at("2031-03-11 10:30"))],
        other: [(_at("2031-03-10 10:00"), _at("2031-03-10 11:00"))],
    }
    assert calendar_busy.busy_blocks(db, org["org"], since, until, member_id=other) == {
        other: [(_at("2031-03-10 10:00"), _at("2031-03-10 11:00"))]
    }
    # Disconnecting removes the connection's events and blocks with it.
    assert calendar_connections.disconnect(db, org["org"], mine) is not None
    assert calendar_busy.busy_blocks(db, org["org"], since, until, member_id=org["member"]) == {}
    assert calendar_connections.disconnect(db, org["org"], mine) is None


def test_a_conflict_is_recorded_once_notified_once_and_resolved(db: Database, make_org: OrgFactory) -> None:
    org = make_org()
    connect(db, org["org"], org["member"])
    booked = _book(db, org, "2031-03-10 09:00")
    found = [Overlap(booked, "dentist", _at("2031-03-10 08:30"), _at("2031-03-10 09:15"))]
    opened = calendar_conflicts.record(db, org["org"], org["member"], found, NOW)
    assert len(opened) == 1
    assert calendar_conflicts.mark_notified(db, org["org"], opened, NOW) == 1
    assert calendar_conflicts.record(db, org["org"], org["member"], found, NOW + timedelta(minutes=5)) == []
    assert calendar_conflicts.mark_notified(db, org["org"], opened, NOW) == 0
    [conflict] = calendar_conflicts.open_conflicts(db, org["org"], "Europe/Madrid")
    assert (conflict.id, conflict.appointment_id, conflict.member_name, conflict.service_name) == (
        opened[0], booked, "Ana", "Corte",
    )  # fmt: skip
    assert conflict.appointment_starts_at == _at("2031-03-10 09:00") and conflict.detected_at == NOW
    # The event moved away: resolved by the next sync; back again: open and told again.
    assert calendar_conflicts.record(db, org["org"], org["member"], [], NOW + timedelta(minutes=10)) == []
    assert calendar_conflicts.open_conflicts(db, org["org"], "Europe/Madrid") == []
    assert calendar_conflicts.record(db, org["org"], org["member"], found, NOW + timedelta(minutes=20)) == opened
    assert calendar_conflicts.resolve(db, org["org"], opened[0], NOW + timedelta(minutes=30))
    assert not calendar_conflicts.resolve(db, org["org"], opened[0], NOW + timedelta(minutes=30))


def test_a_relay_that_dies_after_sending_leaves_its_rows_for_the_next(
    db: Database, app_db: Database, make_org: OrgFactory
) -> None:
    """The window between the queue and the mark: a crash there sends the rows again (the queue's
    deduplication id is the row id), never loses them."""
    org = make_org()
    connect(db, org["org"], org["member"])
    booked = _book(db, org, "2031-03-10 09:00")
    sent: list[int] = []

    def send_then_die(rows: list[OutboxRow]) -> list[int]:
        sent.extend(r.id for r in rows if r.organization_id == org["org"])
        raise ConnectionError("the relay's container died after the queue took them")

    with pytest.raises(ConnectionError):
        calendar_outbox.relay_batch(app_db, 100_000, send_then_die, lambda: NOW)
    assert len(sent) == 1 and outbox(db, org["org"])[0]["queued_at"] is None
    again: list[int] = []

    def send(rows: list[OutboxRow]) -> list[int]:
        again.extend(r.id for r in rows if r.organization_id == org["org"])
        return again

    calendar_outbox.relay_batch(app_db, 100_000, send, lambda: NOW)
    assert again == sent
    assert outbox(db, org["org"]) == [{"appointment_id": booked, "member_id": org["member"], "queued_at": NOW}]
