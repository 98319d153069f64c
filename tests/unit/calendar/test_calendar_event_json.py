"""EventTime as stored in calendar_events (jsonb): written and read back by one module."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from receptionist.calendar.event_json import (
    event_time_from_json,
    event_time_to_json,
    optional_event_time_from_json,
    optional_event_time_to_json,
)
from receptionist.calendar.provider import EventTime


def test_an_instant_is_stored_in_utc_with_the_zone_it_was_written_in_and_reads_back_as_the_same_instant() -> None:
    written = EventTime(instant=datetime(2027, 3, 15, 9, tzinfo=ZoneInfo("America/New_York")), zone="America/New_York")

    stored = json.loads(json.dumps(event_time_to_json(written)))

    assert stored == {"instant": "2027-03-15T13:00:00+00:00", "zone": "America/New_York"}
    read = event_time_from_json(stored)
    assert read.instant == written.instant and read.zone == "America/New_York" and read.day is None


def test_a_day_is_stored_as_an_iso_date_and_the_zone_may_be_unknown() -> None:
    stored = event_time_to_json(EventTime(day=date(2026, 12, 8)))

    assert stored == {"day": "2026-12-08", "zone": None}
    assert event_time_from_json(stored) == EventTime(day=date(2026, 12, 8))
    assert event_time_from_json({"day": "2026-12-08"}) == EventTime(day=date(2026, 12, 8))


def test_a_missing_time_stays_missing() -> None:
    assert optional_event_time_to_json(None) is None
    assert optional_event_time_from_json(None) is None


@pytest.mark.parametrize(
    "stored",
    [
        {"instant": "2027-03-15T13:00:00"},  # naive
        {"instant": "2027-03-15T13:00:00+00:00", "day": "2027-03-15"},
        {"zone": "Europe/Madrid"},
        {"day": "15/03/2027"},
        {"day": "2027-03-15", "zone": 1},
    ],
)
def test_what_is_not_an_event_time_is_refused(stored: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        event_time_from_json(stored)
