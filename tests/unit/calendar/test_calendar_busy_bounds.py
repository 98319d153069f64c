"""The work a series can cost is bounded: only the window's instances come out, the rule stops at
the window's end, and a rule too dense to expand blocks the rest of the window (fail closed)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from busy_kit import MADRID, local_starts, timed, utc

from receptionist.calendar.busy import MAX_INSTANCES, MAX_STEPS, BusyBlock, busy_time


def test_a_daily_series_running_for_years_yields_only_the_windows_instances() -> None:
    series = timed(
        "daily", datetime(2016, 1, 4, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=("RRULE:FREQ=DAILY",)
    )

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2027, 1, 10), until=utc(2027, 1, 20))

    assert local_starts(found.blocks) == [datetime(2027, 1, day, 9) for day in range(10, 20)]
    assert found.unreadable == ()


def test_a_series_with_more_instances_than_the_cap_blocks_the_rest_of_the_window() -> None:
    since, until = utc(2026, 12, 7), utc(2026, 12, 12)  # five days of five-minute instances: 1,440
    series = timed(
        "dense", since.astimezone(MADRID), 5, zone="Europe/Madrid", recurrence=("RRULE:FREQ=MINUTELY;INTERVAL=5",)
    )

    found = busy_time([series], calendar_zone="Europe/Madrid", since=since, until=until)

    assert len(found.blocks) == MAX_INSTANCES + 1
    assert found.blocks[MAX_INSTANCES - 1].start == since + timedelta(minutes=5 * (MAX_INSTANCES - 1))
    assert found.blocks[-1] == BusyBlock(since + timedelta(minutes=5 * MAX_INSTANCES), until, "dense")
    assert found.unreadable == ("dense",)


def test_a_rule_with_too_many_periods_before_the_window_ends_blocks_the_window_without_expanding() -> None:
    since, until = utc(2026, 12, 7), utc(2026, 12, 21)
    every_second = timed(
        "seconds", datetime(2020, 1, 1, tzinfo=MADRID), zone="Europe/Madrid", recurrence=("RRULE:FREQ=SECONDLY",)
    )

    found = busy_time([every_second], calendar_zone="Europe/Madrid", since=since, until=until)

    assert found.blocks == (BusyBlock(since, until, "seconds"),)
    assert found.unreadable == ("seconds",)


def test_a_rule_with_too_many_occurrences_before_the_window_blocks_from_the_window_start() -> None:
    # Few periods (days) but 96 occurrences a day for two years: more than MAX_STEPS before December.
    quarters = "BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,15,30,45"
    series = timed(
        "quarters",
        datetime(2025, 1, 1, tzinfo=MADRID),
        15,
        zone="Europe/Madrid",
        recurrence=(f"RRULE:FREQ=DAILY;{quarters}",),
    )
    assert MAX_STEPS < 96 * 700

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 12, 7), until=utc(2026, 12, 21))

    assert found.blocks == (BusyBlock(utc(2026, 12, 7), utc(2026, 12, 21), "quarters"),)
    assert found.unreadable == ("quarters",)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # February 30th
        "FREQ=MONTHLY;BYDAY=6MO",  # a month's sixth Monday
        "FREQ=HOURLY;BYYEARDAY=100;BYMONTH=1",  # the 100th day of the year, in January
        "FREQ=WEEKLY;BYWEEKNO=53;BYMONTH=6;BYDAY=MO",  # week 53, in June
    ],
)
def test_a_rule_that_never_matches_costs_no_walk_to_the_year_9999(rule: str) -> None:
    # dateutil checks UNTIL only against a matching candidate: given such a rule it walks every
    # period to the year 9999 (seconds of CPU for each), whatever the window.
    series = timed(
        "never", datetime(2026, 12, 8, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=(f"RRULE:{rule}",)
    )

    cpu = time.process_time()
    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2027, 3, 1))
    cpu = time.process_time() - cpu

    assert local_starts(found.blocks) == [datetime(2026, 12, 8, 9)]  # the series' start, only
    assert found.unreadable == ()
    assert cpu < 1  # CPU time of this process, not wall time: unaffected by other work on the machine


def test_a_rule_that_cannot_be_read_blocks_from_the_series_start_to_the_window_end() -> None:
    series = timed(
        "weird", datetime(2026, 12, 9, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=("RRULE:FREQ=FORTNIGHTLY",)
    )
    other = timed("other", datetime(2026, 12, 2, 9, tzinfo=MADRID))

    found = busy_time([series, other], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2026, 12, 31))

    assert found.blocks == (
        BusyBlock(utc(2026, 12, 2, 8), utc(2026, 12, 2, 9), "other"),
        BusyBlock(utc(2026, 12, 9, 8), utc(2026, 12, 31), "weird"),
    )
    assert found.unreadable == ("weird",)


def test_a_rule_that_cannot_be_read_blocks_nothing_when_the_series_starts_after_the_window() -> None:
    series = timed(
        "weird", datetime(2027, 2, 1, 9, tzinfo=MADRID), zone="Europe/Madrid", recurrence=("RRULE:FREQ=FORTNIGHTLY",)
    )

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2026, 12, 31))

    assert found.blocks == ()


def test_a_rare_rule_that_does_match_is_expanded() -> None:
    # Friday the 13th: only once between December 2026 and the end of 2027.
    series = timed(
        "superstition",
        datetime(2026, 11, 13, 9, tzinfo=MADRID),
        zone="Europe/Madrid",
        recurrence=("RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",),
    )

    found = busy_time([series], calendar_zone="Europe/Madrid", since=utc(2026, 12, 1), until=utc(2028, 1, 1))

    assert local_starts(found.blocks) == [datetime(2027, 8, 13, 9)]
