"""Single events into busy time: all-day days in the calendar's zone (23- and 25-hour days), events
written in another zone, what is not busy (free, ours, deleted), the window, and merging."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from busy_kit import MADRID, NEW_YORK, all_day, timed, utc

from receptionist.calendar.busy import BusyBlock, busy_intervals, busy_time, merge
from receptionist.calendar.provider import CalendarEvent

WINDOW = {"since": utc(2026, 10, 1), "until": utc(2027, 5, 1)}


def spans(events: list[CalendarEvent], calendar_zone: str = "Europe/Madrid") -> list[tuple[datetime, datetime]]:
    return [(b.start, b.end) for b in busy_time(events, calendar_zone=calendar_zone, **WINDOW).blocks]


def test_an_all_day_event_runs_from_midnight_to_midnight_in_the_calendar_zone() -> None:
    assert spans([all_day("holiday", date(2026, 12, 8))]) == [(utc(2026, 12, 7, 23), utc(2026, 12, 8, 23))]


def test_an_all_day_event_on_a_clock_change_day_is_23_or_25_hours_long() -> None:
    found = spans([all_day("spring", date(2027, 3, 28)), all_day("autumn", date(2026, 10, 25))])

    assert found == [
        (utc(2026, 10, 24, 22), utc(2026, 10, 25, 23)),
        (utc(2027, 3, 27, 23), utc(2027, 3, 28, 22)),
    ]
    assert [end - start for start, end in found] == [timedelta(hours=25), timedelta(hours=23)]


def test_a_multi_day_event_ends_at_the_midnight_after_its_last_day() -> None:
    # Thursday to Saturday (the provider's end day is exclusive: Sunday), over the spring change.
    assert spans([all_day("congress", date(2027, 3, 26), 3)]) == [(utc(2027, 3, 25, 23), utc(2027, 3, 28, 22))]


def test_an_all_day_event_uses_the_zone_the_provider_gave_for_the_calendar() -> None:
    event = all_day("trip", date(2026, 12, 8), calendar_zone="America/New_York")

    assert spans([event]) == [(utc(2026, 12, 8, 5), utc(2026, 12, 9, 5))]


def test_a_weekly_all_day_series_follows_the_calendar_days_across_a_clock_change() -> None:
    series = all_day(
        "sundays", date(2027, 3, 21), recurrence=("RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;VALUE=DATE:20270404")
    )

    assert spans([series]) == [
        (utc(2027, 3, 20, 23), utc(2027, 3, 21, 23)),
        (utc(2027, 3, 27, 23), utc(2027, 3, 28, 22)),
    ]
    assert [b.event_id for b in busy_time([series], calendar_zone="Europe/Madrid", **WINDOW).blocks] == [
        "sundays_20270321",
        "sundays_20270328",
    ]


def test_an_event_written_in_another_zone_blocks_the_same_instant() -> None:
    call = timed("call", datetime(2026, 12, 9, 9, tzinfo=NEW_YORK), 45, zone="America/New_York")

    found = spans([call])

    assert found == [(utc(2026, 12, 9, 14), utc(2026, 12, 9, 14, 45))]
    assert found[0][0].astimezone(MADRID).hour == 15


def test_free_events_our_own_appointments_and_deleted_events_are_not_busy_but_tentative_ones_are() -> None:
    at = datetime(2026, 12, 9, 10, tzinfo=MADRID)
    events = [
        timed("free", at, transparent=True),
        timed("ours", at + timedelta(hours=1), appointment_id="6f1c2d1e-0000-4000-8000-000000000001"),
        timed("deleted", at + timedelta(hours=2), status="cancelled"),
        CalendarEvent(id="deleted-in-a-sync", status="cancelled"),
        timed("maybe", at + timedelta(hours=3), status="tentative"),
    ]

    assert [b.event_id for b in busy_time(events, calendar_zone="Europe/Madrid", **WINDOW).blocks] == ["maybe"]


def test_a_free_series_still_blocks_an_instance_made_busy() -> None:
    series = timed(
        "focus",
        datetime(2026, 12, 7, 9, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurrence=("RRULE:FREQ=WEEKLY;COUNT=3",),
        transparent=True,
    )
    busy_one = timed(
        "focus_20261214T080000Z",
        datetime(2026, 12, 14, 9, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurring_event_id="focus",
        original_start=series.start,
    )

    assert spans([series, busy_one]) == [(utc(2026, 12, 14, 8), utc(2026, 12, 14, 9))]


def test_only_what_overlaps_the_window_is_returned_and_touching_its_ends_is_not_overlapping() -> None:
    since, until = utc(2026, 12, 9, 8), utc(2026, 12, 9, 12)
    events = [
        timed("ends-at-since", datetime(2026, 12, 9, 8, tzinfo=MADRID)),  # 07:00-08:00 UTC
        timed("straddles-since", datetime(2026, 12, 9, 8, 30, tzinfo=MADRID)),
        timed("starts-at-until", datetime(2026, 12, 9, 13, tzinfo=MADRID)),
        timed("inside", datetime(2026, 12, 9, 11, tzinfo=MADRID)),
    ]

    found = busy_time(events, calendar_zone="Europe/Madrid", since=since, until=until)

    assert found.blocks == (
        BusyBlock(utc(2026, 12, 9, 7, 30), utc(2026, 12, 9, 8, 30), "straddles-since"),
        BusyBlock(utc(2026, 12, 9, 10), utc(2026, 12, 9, 11), "inside"),
    )


def test_busy_intervals_are_merged_and_sorted() -> None:
    at = datetime(2026, 12, 9, 9, tzinfo=MADRID)
    events = [
        timed("late", at + timedelta(hours=5)),
        timed("a", at, 90),
        timed("b", at + timedelta(hours=1)),  # overlaps a
        timed("c", at + timedelta(hours=2)),  # touches b
    ]

    assert busy_intervals(events, calendar_zone="Europe/Madrid", **WINDOW) == [
        (utc(2026, 12, 9, 8), utc(2026, 12, 9, 11)),
        (utc(2026, 12, 9, 13), utc(2026, 12, 9, 14)),
    ]
    assert merge([]) == []


def test_a_window_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        busy_time([], calendar_zone="Europe/Madrid", since=datetime(2026, 12, 1), until=utc(2026, 12, 2))
