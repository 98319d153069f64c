"""Calendar API v3 through the adapter, against the stand-in over HTTP: sync (full, incremental,
paging, 410), our events (idempotent put, revival, delete), free/busy, and the failure modes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from google_calendar_kit import Connected

from devstack.fakes.google_calendar import FakeGoogleCalendar, all_day, timed
from receptionist.adapters.google_calendar import GoogleCalendar
from receptionist.calendar.provider import (
    AppointmentEvent,
    CalendarRefused,
    CalendarUnavailable,
    EventTime,
    SyncTokenGone,
    event_id_for,
)
from receptionist.deadline import Deadline

pytestmark = pytest.mark.integration

LIMA = ZoneInfo("America/Lima")
SINCE = datetime(2026, 12, 1, tzinfo=UTC)
UNTIL = datetime(2027, 2, 1, tzinfo=UTC)


def _appointment(start: datetime, minutes: int = 30, tentative: bool = False) -> AppointmentEvent:
    appointment_id = str(uuid.uuid4())
    return AppointmentEvent(
        event_id=event_id_for(appointment_id),
        appointment_id=appointment_id,
        summary="Limpieza · Lucía P.",
        description="Reservada por el asistente de WhatsApp. Cámbiala en la consola.",
        start=start,
        end=start + timedelta(minutes=minutes),
        zone="America/Lima",
        tentative=tentative,
    )


def _full(provider: GoogleCalendar, c: Connected) -> tuple[dict[str, object], str]:
    changes = provider.changes(
        c.token, "primary", sync_token=None, since=SINCE, until=UNTIL, deadline=Deadline.after(5)
    )
    assert changes.full
    return {e.id: e for e in changes.events}, changes.sync_token


def test_a_full_sync_reads_every_page_and_an_incremental_one_only_the_changes(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    google.set_time_zone(c.account, "America/Lima")
    at = datetime(2026, 12, 10, 9, tzinfo=LIMA)
    ids = [
        google.add_event(c.account, timed(at + timedelta(days=i), at + timedelta(days=i, hours=1))) for i in range(5)
    ]
    google.add_event(c.account, timed(datetime(2027, 6, 1, 9, tzinfo=LIMA), datetime(2027, 6, 1, 10, tzinfo=LIMA)))
    calls = provider.calls
    events, token = _full(provider, c)
    assert sorted(events) == sorted(ids)  # five in the window over three pages of two; June's not listed
    assert provider.calls - calls == 3
    first = events[ids[0]]
    assert first.start == EventTime(instant=at) and first.zone == "America/Lima" and first.status == "confirmed"

    google.move_event(c.account, ids[1], at + timedelta(days=1, hours=3), at + timedelta(days=1, hours=4))
    google.delete_event(c.account, ids[2])
    new = google.add_event(c.account, all_day(date(2026, 12, 24), date(2026, 12, 26)))
    changes = provider.changes(
        c.token, "primary", sync_token=token, since=SINCE, until=UNTIL, deadline=Deadline.after(5)
    )
    assert not changes.full and changes.calendar_zone == "America/Lima"
    got = {e.id: e for e in changes.events}
    assert sorted(got) == sorted([ids[1], ids[2], new])  # only what changed, over two pages
    assert got[ids[1]].start == EventTime(instant=at + timedelta(days=1, hours=3))
    assert got[ids[2]].status == "cancelled" and got[ids[2]].start is None  # a deletion, no times
    assert got[new].start == EventTime(day=date(2026, 12, 24), zone="America/Lima")

    again = provider.changes(
        c.token, "primary", sync_token=changes.sync_token, since=SINCE, until=UNTIL, deadline=Deadline.after(5)
    )
    assert list(again.events) == []


def test_recurring_series_and_their_exceptions_come_as_they_are(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    start = datetime(2026, 12, 7, 15, tzinfo=ZoneInfo("Europe/Madrid"))
    series = google.add_event(
        c.account,
        timed(start, start + timedelta(hours=1), zone="Europe/Madrid", recurrence=["RRULE:FREQ=WEEKLY;COUNT=10"]),
    )
    cancelled = google.cancel_instance(
        c.account, series, {"dateTime": (start + timedelta(days=7)).isoformat(), "timeZone": "Europe/Madrid"}
    )
    free = google.add_event(c.account, timed(start, start + timedelta(hours=1), transparency="transparent"))
    events, _ = _full(provider, c)
    assert events[series].recurrence == ("RRULE:FREQ=WEEKLY;COUNT=10",)
    assert events[series].start == EventTime(instant=start, zone="Europe/Madrid")
    instance = events[cancelled]
    assert instance.status == "cancelled" and instance.recurring_event_id == series
    assert instance.original_start == EventTime(instant=start + timedelta(days=7), zone="Europe/Madrid")
    assert events[free].transparent and not events[series].transparent


def test_an_expired_sync_token_is_sync_token_gone(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    _, token = _full(provider, c)
    google.expire_sync_tokens(c.account)
    with pytest.raises(SyncTokenGone):
        provider.changes(c.token, "primary", sync_token=token, since=SINCE, until=UNTIL, deadline=Deadline.after(5))
    _full(provider, c)  # the full resync works


def test_putting_an_appointment_twice_makes_one_event_carrying_its_id(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    ours = _appointment(datetime(2026, 12, 11, 10, tzinfo=LIMA), tentative=True)
    calls = provider.calls
    provider.put_event(c.token, "primary", ours, Deadline.after(5))
    assert provider.calls - calls == 1
    moved = AppointmentEvent(
        **{
            **ours.__dict__,
            "start": ours.start + timedelta(hours=2),
            "end": ours.end + timedelta(hours=2),
            "tentative": False,
        }
    )
    provider.put_event(c.token, "primary", moved, Deadline.after(5))  # a retry or a move: 409, then patch
    assert provider.calls - calls == 3
    [event] = google.events(c.account)
    assert event["id"] == ours.event_id and event["status"] == "confirmed"
    assert event["extendedProperties"]["private"] == {"receptionistAppointmentId": ours.appointment_id}
    assert datetime.fromisoformat(event["start"]["dateTime"]) == moved.start
    seen = provider.event(c.token, "primary", ours.event_id, Deadline.after(5))
    assert seen is not None and seen.appointment_id == ours.appointment_id


def test_a_deleted_event_comes_back_when_put_again_and_deleting_twice_is_fine(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    ours = _appointment(datetime(2026, 12, 12, 16, tzinfo=LIMA))
    provider.put_event(c.token, "primary", ours, Deadline.after(5))
    provider.delete_event(c.token, "primary", ours.event_id, Deadline.after(5))
    provider.delete_event(c.token, "primary", ours.event_id, Deadline.after(5))  # 410 deleted: fine
    provider.delete_event(c.token, "primary", event_id_for(str(uuid.uuid4())), Deadline.after(5))  # 404: fine
    assert google.events(c.account) == []
    provider.put_event(c.token, "primary", ours, Deadline.after(5))  # rebooked: the same id revived
    [event] = google.events(c.account)
    assert event["id"] == ours.event_id and event["status"] == "confirmed"


def test_free_busy_counts_opaque_events_and_expands_series(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    day = datetime(2026, 12, 14, 0, tzinfo=LIMA)
    google.add_event(c.account, timed(day + timedelta(hours=9), day + timedelta(hours=10)))
    google.add_event(c.account, timed(day + timedelta(hours=11), day + timedelta(hours=12), transparency="transparent"))
    series = google.add_event(
        c.account,
        timed(
            day - timedelta(days=7, hours=-14),
            day - timedelta(days=7, hours=-15),
            zone="America/Lima",
            recurrence=["RRULE:FREQ=WEEKLY"],
        ),
    )
    busy = provider.busy(c.token, "primary", day, day + timedelta(days=1), Deadline.after(5))
    assert busy == [
        (day + timedelta(hours=9), day + timedelta(hours=10)),
        (day + timedelta(hours=14), day + timedelta(hours=15)),
    ]
    google.cancel_instance(
        c.account, series, {"dateTime": (day + timedelta(hours=14)).isoformat(), "timeZone": "America/Lima"}
    )
    assert provider.busy(c.token, "primary", day, day + timedelta(days=1), Deadline.after(5)) == [
        (day + timedelta(hours=9), day + timedelta(hours=10))
    ]


def test_an_outage_is_calendar_unavailable_and_a_bad_request_is_refused(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    ours = _appointment(datetime(2026, 12, 15, 10, tzinfo=LIMA))
    google.fail_next(2, 503)
    with pytest.raises(CalendarUnavailable) as down:
        provider.put_event(c.token, "primary", ours, Deadline.after(5))
    assert down.value.retryable
    with pytest.raises(CalendarUnavailable):
        provider.changes(c.token, "primary", sync_token=None, since=SINCE, until=UNTIL, deadline=Deadline.after(5))
    google.fail_next(1, 429)
    with pytest.raises(CalendarUnavailable):
        provider.busy(c.token, "primary", SINCE, UNTIL, Deadline.after(5))
    bad = AppointmentEvent(**{**ours.__dict__, "event_id": "has_underscores_and_UPPER"})
    with pytest.raises(CalendarRefused) as refused:
        provider.put_event(c.token, "primary", bad, Deadline.after(5))
    assert not refused.value.retryable and "400" in str(refused.value)
    provider.put_event(c.token, "primary", ours, Deadline.after(5))  # up again
    assert [e["id"] for e in google.events(c.account)] == [ours.event_id]


def test_a_trickling_answer_ends_at_the_deadline(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    google.trickle_next(1, seconds=0.2)  # a 200 whose body takes a minute to arrive
    started = time.monotonic()
    with pytest.raises(CalendarUnavailable):
        provider.busy(c.token, "primary", SINCE, UNTIL, Deadline.after(1.0))
    assert time.monotonic() - started < 2.0
    assert provider.busy(c.token, "primary", SINCE, UNTIL, Deadline.after(5)) == []


def test_a_call_with_too_little_time_left_is_not_started(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    before = len(google.received())
    with pytest.raises(CalendarUnavailable):
        provider.busy(c.token, "primary", SINCE, UNTIL, Deadline.after(0.2))
    with pytest.raises(CalendarUnavailable):
        provider.put_event(c.token, "primary", _appointment(datetime(2026, 12, 18, 9, tzinfo=LIMA)), Deadline.passed())
    assert len(google.received()) == before  # nothing reached Google


def test_free_busy_keeps_a_series_wall_time_across_dst_and_applies_exdate_and_a_moved_instance(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    c = connect()
    madrid = ZoneInfo("Europe/Madrid")
    first = datetime(2027, 3, 15, 9, tzinfo=madrid)  # Mondays 09:00 Madrid; summer time from 28 March
    series = google.add_event(
        c.account,
        timed(first, first + timedelta(hours=1), zone="Europe/Madrid",
              recurrence=["RRULE:FREQ=WEEKLY;UNTIL=20270420T000000Z", "EXDATE:20270322T080000Z"]),
    )  # fmt: skip
    moved_to = datetime(2027, 4, 5, 17, tzinfo=madrid)
    original = {"dateTime": datetime(2027, 4, 5, 9, tzinfo=madrid).isoformat(), "timeZone": "Europe/Madrid"}
    google.move_instance(
        c.account, series, original,
        timed(moved_to, moved_to + timedelta(hours=1), zone="Europe/Madrid"),
    )  # fmt: skip
    window = (datetime(2027, 3, 14, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC))
    busy = provider.busy(c.token, "primary", *window, Deadline.after(5))
    starts = [start.astimezone(madrid) for start, _ in busy]
    assert starts == [
        datetime(2027, 3, 15, 9, tzinfo=madrid),  # 08:00 UTC
        # 22 March excluded (EXDATE in UTC)
        datetime(2027, 3, 29, 9, tzinfo=madrid),  # 07:00 UTC: the wall time kept across the change
        moved_to,  # 5 April moved to 17:00
        datetime(2027, 4, 12, 9, tzinfo=madrid),
        datetime(2027, 4, 19, 9, tzinfo=madrid),
    ]
    assert busy[1][0] == datetime(2027, 3, 29, 7, tzinfo=UTC)
    listed = provider.changes(
        c.token, "primary", sync_token=None, since=window[0], until=window[1], deadline=Deadline.after(5)
    )
    [moved] = [e for e in listed.events if e.recurring_event_id == series]
    assert moved.status == "confirmed" and moved.start == EventTime(instant=moved_to, zone="Europe/Madrid")
