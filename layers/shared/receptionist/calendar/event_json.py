"""An EventTime as the CRM stores it (`calendar_events.start`, `.end`, `.original_start`: jsonb).

`{"instant": "<ISO 8601, UTC>", "zone": "<IANA zone>" | null}` for a timed end, `{"day": "YYYY-MM-DD",
"zone": ...}` for an all-day one. The instant is written in UTC so the column reads the same whatever
zone the provider wrote the event in (`(start->>'instant')::timestamptz` in SQL); the zone is kept
beside it because a recurring series repeats in that zone's wall time (busy.py). One module writes
and reads it, so the sync that stores events and the code that reads them back cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from receptionist.calendar.provider import EventTime


def event_time_to_json(value: EventTime) -> dict[str, str | None]:
    if value.instant is not None:
        return {"instant": value.instant.astimezone(UTC).isoformat(), "zone": value.zone}
    if value.day is None:  # EventTime guarantees exactly one of the two
        raise ValueError("an event time is an instant or a day")
    return {"day": value.day.isoformat(), "zone": value.zone}


def event_time_from_json(value: Mapping[str, Any]) -> EventTime:
    """The EventTime stored as `value`; ValueError when it is not one (naive instant, both or
    neither of instant and day, not ISO 8601)."""
    zone = value.get("zone")
    if zone is not None and not isinstance(zone, str):
        raise ValueError("an event time's zone is a string")
    instant, day = value.get("instant"), value.get("day")
    if isinstance(instant, str) and day is None:
        parsed = datetime.fromisoformat(instant)
        if parsed.tzinfo is None:
            raise ValueError("a stored event instant must carry its UTC offset")
        return EventTime(instant=parsed.astimezone(UTC), zone=zone)
    if isinstance(day, str) and instant is None:
        return EventTime(day=date.fromisoformat(day), zone=zone)
    raise ValueError("an event time is {'instant': iso} or {'day': 'YYYY-MM-DD'}")


def optional_event_time_to_json(value: EventTime | None) -> dict[str, str | None] | None:
    return None if value is None else event_time_to_json(value)


def optional_event_time_from_json(value: Any) -> EventTime | None:
    """The stored form back; None for none. Raises ValueError on anything else."""
    if value is not None and not isinstance(value, Mapping):
        raise ValueError("an event time is stored as an object")
    return None if value is None else event_time_from_json(value)
