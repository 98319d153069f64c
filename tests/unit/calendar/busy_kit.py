"""Builders for the calendar unit tests: events as the provider adapter hands them to busy.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from receptionist.calendar.busy import BusyBlock
from receptionist.calendar.provider import CalendarEvent, EventStatus, EventTime

MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def timed(
    event_id: str,
    start: datetime,
    minutes: int = 60,
    *,
    zone: str | None = None,
    recurrence: tuple[str, ...] = (),
    status: EventStatus = "confirmed",
    transparent: bool = False,
    appointment_id: str | None = None,
    recurring_event_id: str | None = None,
    original_start: EventTime | None = None,
) -> CalendarEvent:
    return CalendarEvent(
        id=event_id,
        status=status,
        start=EventTime(instant=start, zone=zone),
        end=EventTime(instant=start + timedelta(minutes=minutes), zone=zone),
        transparent=transparent,
        recurrence=recurrence,
        recurring_event_id=recurring_event_id,
        original_start=original_start,
        appointment_id=appointment_id,
    )


def all_day(
    event_id: str,
    first: date,
    days: int = 1,
    *,
    calendar_zone: str | None = None,
    recurrence: tuple[str, ...] = (),
    status: EventStatus = "confirmed",
    recurring_event_id: str | None = None,
    original_start: EventTime | None = None,
) -> CalendarEvent:
    return CalendarEvent(
        id=event_id,
        status=status,
        start=EventTime(day=first),
        end=EventTime(day=first + timedelta(days=days)),
        recurrence=recurrence,
        recurring_event_id=recurring_event_id,
        original_start=original_start,
        zone=calendar_zone,
    )


def cancelled_instance(event_id: str, series_id: str, original: datetime) -> CalendarEvent:
    """A deleted instance of a series, as Google lists it: no times, only what it replaces."""
    return CalendarEvent(
        id=event_id,
        status="cancelled",
        recurring_event_id=series_id,
        original_start=EventTime(instant=original),
    )


def local_starts(blocks: Iterable[BusyBlock], zone: ZoneInfo = MADRID) -> list[datetime]:
    """The blocks' starts as wall times in `zone` (naive), to compare with what a calendar shows."""
    return [block.start.astimezone(zone).replace(tzinfo=None) for block in blocks]
