"""An event's time as calendar_events stores it (receptionist/calendar/event_json.py)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from receptionist.calendar.event_json import optional_event_time_from_json, optional_event_time_to_json
from receptionist.calendar.provider import EventTime


def test_timed_and_all_day_times_round_trip_with_their_zone() -> None:
    timed = EventTime(instant=datetime(2031, 3, 30, 1, 30, tzinfo=ZoneInfo("Europe/Madrid")), zone="Europe/Madrid")
    day = EventTime(day=date(2031, 3, 30))
    # The instant is stored in UTC (the zone beside it says where it was written).
    assert optional_event_time_to_json(timed) == {"instant": "2031-03-30T00:30:00+00:00", "zone": "Europe/Madrid"}
    assert optional_event_time_to_json(day) in ({"day": "2031-03-30"}, {"day": "2031-03-30", "zone": None})
    assert optional_event_time_from_json(optional_event_time_to_json(timed)) == EventTime(
        instant=datetime.fromisoformat("2031-03-30T01:30:00+01:00"), zone="Europe/Madrid"
    )
    assert optional_event_time_from_json(optional_event_time_to_json(day)) == day
    assert optional_event_time_to_json(None) is None and optional_event_time_from_json(None) is None


@pytest.mark.parametrize("stored", [{"zone": "Europe/Madrid"}, ["2031-03-30"], {"instant": "2031-03-30T01:30:00"}])
def test_anything_else_is_refused(stored: object) -> None:
    with pytest.raises(ValueError):
        optional_event_time_from_json(stored)
