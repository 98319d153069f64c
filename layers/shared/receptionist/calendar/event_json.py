"""An event's time as the CRM stores it (calendar_events.starts / ends / original_start, jsonb):
`{"instant": "<ISO 8601 with offset>"}` for a timed event, `{"day": "YYYY-MM-DD"}` for an all-day
one, plus `"zone"` (the IANA zone the provider gave) when there is one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from receptionist.calendar.provider import EventTime


def time_to_json(value: EventTime | None) -> dict[str, str] | None:
    if value is None:
        return None
    out = {"instant": value.instant.isoformat()} if value.instant is not None else {}
    if value.day is not None:
        out["day"] = value.day.isoformat()
    if value.zone:
        out["zone"] = value.zone
    return out


def time_from_json(data: Any) -> EventTime | None:
    """The stored form back; None for none. Raises ValueError on anything else."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("an event time is stored as an object")
    zone = data.get("zone")
    if "instant" in data:
        return EventTime(instant=datetime.fromisoformat(str(data["instant"])), zone=zone)
    if "day" in data:
        return EventTime(day=date.fromisoformat(str(data["day"])), zone=zone)
    raise ValueError("an event time has an instant or a day")
