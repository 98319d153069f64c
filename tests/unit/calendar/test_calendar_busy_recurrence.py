"""Recurring events into busy time: expanded in the series' own zone (wall time kept across
daylight-saving changes), EXDATE / RDATE, COUNT / UNTIL, and instances cancelled or moved."""

from __future__ import annotations

from datetime import datetime, timedelta

from busy_kit import MADRID, NEW_YORK, cancelled_instance, local_starts, timed, utc

from receptionist.calendar.busy import busy_time
from receptionist.calendar.provider import EventTime

WEEKLY = ("RRULE:FREQ=WEEKLY;BYDAY=MO",)


def test_a_weekly_series_keeps_its_wall_time_when_spring_moves_the_clocks() -> None:
    # Spain moves to summer time on Sunday 28 March 2027: 09:00 is 08:00 UTC before, 07:00 UTC after.
    series = timed("standup", datetime(2027, 3, 15, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=WEEKLY)

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2027, 3, 14), until=utc(2027, 4, 6))

    assert [(b.start, b.end) for b in found.blocks] == [
        (utc(2027, 3, 15, 8), utc(2027, 3, 15, 9)),
        (utc(2027, 3, 22, 8), utc(2027, 3, 22, 9)),
        (utc(2027, 3, 29, 7), utc(2027, 3, 29, 8)),
        (utc(2027, 4, 5, 7), utc(2027, 4, 5, 8)),
    ]
    assert [b.event_id for b in found.blocks][2] == "standup_20270329T070000Z"
    assert found.unreadable == ()


def test_a_weekly_series_keeps_its_wall_time_when_autumn_moves_the_clocks() -> None:
    # Back to winter time on Sunday 25 October 2026: 09:00 is 07:00 UTC before, 08:00 UTC after.
    series = timed("clinic", datetime(2026, 10, 12, 9, tzinfo=MADRID), 90, zone="Europe/Madrid", recurrence=WEEKLY)

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 10, 12), until=utc(2026, 11, 3))

    assert local_starts(found.blocks) == [datetime(2026, 10, d, 9) for d in (12, 19, 26)] + [datetime(2026, 11, 2, 9)]
    before, after = [utc(2026, 10, 12, 7), utc(2026, 10, 19, 7)], [utc(2026, 10, 26, 8), utc(2026, 11, 2, 8)]
    assert [b.start for b in found.blocks] == [*before, *after]
    assert all(b.end - b.start == timedelta(minutes=90) for b in found.blocks)


def test_a_series_written_in_new_york_moves_for_a_madrid_calendar_when_only_one_country_changed() -> None:
    # The US moves its clocks on 14 March 2027, Spain on 28 March: in between, New York's 09:00 is
    # Madrid's 14:00 instead of 15:00. Expanding in the calendar's zone would keep 15:00.
    series = timed("call", datetime(2027, 3, 8, 9, tzinfo=NEW_YORK), zone="America/New_York", recurrence=WEEKLY)

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2027, 3, 7), until=utc(2027, 4, 1))

    assert local_starts(found.blocks) == [
        datetime(2027, 3, 8, 15),
        datetime(2027, 3, 15, 14),
        datetime(2027, 3, 22, 14),
        datetime(2027, 3, 29, 15),
    ]


def test_a_series_without_a_zone_repeats_in_the_calendar_zone() -> None:
    series = timed("gym", datetime(2027, 3, 22, 18, tzinfo=MADRID), zone=None, recurrence=WEEKLY)

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2027, 3, 20), until=utc(2027, 4, 1))

    assert local_starts(found.blocks) == [datetime(2027, 3, 22, 18), datetime(2027, 3, 29, 18)]


def test_exdate_removes_instances_whether_given_in_the_series_zone_or_in_utc() -> None:
    series = timed(
        "physio",
        datetime(2026, 12, 7, 9, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurrence=(*WEEKLY, "EXDATE;TZID=Europe/Madrid:20261214T090000", "EXDATE:20261228T080000Z"),
    )

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2027, 1, 10))

    assert local_starts(found.blocks) == [datetime(2026, 12, d, 9) for d in (7, 21)] + [datetime(2027, 1, 4, 9)]


def test_rdate_adds_an_instance_outside_the_rule() -> None:
    series = timed(
        "physio",
        datetime(2026, 12, 7, 9, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurrence=("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2", "RDATE;TZID=Europe/Madrid:20261217T160000"),
    )

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2027, 1, 10))

    assert local_starts(found.blocks) == [
        datetime(2026, 12, 7, 9),
        datetime(2026, 12, 14, 9),
        datetime(2026, 12, 17, 16),
    ]


def test_count_counts_from_the_series_start_not_from_the_window() -> None:
    series = timed(
        "course",
        datetime(2026, 11, 2, 17, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurrence=("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5",),
    )

    # The window opens after three of the five: only the last two remain, and nothing after them.
    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 11, 20), until=utc(2027, 3, 1))

    assert local_starts(found.blocks) == [datetime(2026, 11, 23, 17), datetime(2026, 11, 30, 17)]


def test_until_is_inclusive_whether_a_utc_instant_or_a_date() -> None:
    at_instant = timed(
        "a",
        datetime(2026, 12, 1, 9, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurrence=("RRULE:FREQ=DAILY;UNTIL=20261203T080000Z",),
    )
    at_date = timed(
        "b",
        datetime(2026, 12, 1, 20, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurrence=("RRULE:FREQ=DAILY;UNTIL=20261203",),
    )

    found = busy_time(
        [at_instant, at_date], calendar_zone="Europe/Madrid", since=utc(2026, 11, 1), until=utc(2027, 1, 1)
    )

    assert [(b.event_id.split("_")[0], b.start.astimezone(MADRID).day) for b in found.blocks] == [
        ("a", 1),
        ("b", 1),
        ("a", 2),
        ("b", 2),
        ("a", 3),
        ("b", 3),
    ]


def test_a_cancelled_instance_frees_that_occurrence_only() -> None:
    series = timed("team", datetime(2026, 12, 7, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=WEEKLY)
    gone = cancelled_instance("team_20261214T080000Z", "team", datetime(2026, 12, 14, 9, tzinfo=MADRID))

    found = busy_time([series, gone], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2026, 12, 25))

    assert local_starts(found.blocks) == [datetime(2026, 12, 7, 9), datetime(2026, 12, 21, 9)]


def test_a_moved_instance_blocks_its_new_time_instead_of_the_old_one() -> None:
    series = timed("team", datetime(2026, 12, 7, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=WEEKLY)
    # Moved from Monday 09:00 to Wednesday 12:00 (and to half an hour), written in New York's zone.
    moved = timed(
        "team_20261214T080000Z",
        datetime(2026, 12, 16, 6, tzinfo=NEW_YORK),
        30,
        zone="America/New_York",
        recurring_event_id="team",
        original_start=EventTime(instant=datetime(2026, 12, 14, 9, tzinfo=MADRID), zone="Europe/Madrid"),
    )

    found = busy_time([series, moved], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2026, 12, 25))

    assert [(b.start, b.end, b.event_id) for b in found.blocks] == [
        (utc(2026, 12, 7, 8), utc(2026, 12, 7, 9), "team_20261207T080000Z"),
        (utc(2026, 12, 16, 11), utc(2026, 12, 16, 11, 30), "team_20261214T080000Z"),
        (utc(2026, 12, 21, 8), utc(2026, 12, 21, 9), "team_20261221T080000Z"),
    ]


def test_a_deleted_series_takes_its_moved_instances_with_it() -> None:
    series = timed(
        "team", datetime(2026, 12, 7, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=WEEKLY, status="cancelled"
    )
    moved = timed(
        "team_20261214T080000Z",
        datetime(2026, 12, 16, 12, tzinfo=MADRID),
        recurring_event_id="team",
        original_start=EventTime(instant=utc(2026, 12, 14, 8)),
    )

    found = busy_time([series, moved], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2026, 12, 25))

    assert found.blocks == ()


def test_a_series_start_off_its_rule_is_still_an_instance() -> None:
    # RFC 5545: DTSTART is the first instance. Written on a Tuesday, repeating on Mondays.
    series = timed("odd", datetime(2026, 12, 8, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=WEEKLY)

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2026, 12, 16))

    assert local_starts(found.blocks) == [datetime(2026, 12, 8, 9), datetime(2026, 12, 14, 9)]
