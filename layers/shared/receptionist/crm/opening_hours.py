"""When people answer a business's WhatsApp: its weekly opening intervals (local wall time) less
the days the whole business is closed, and from them whether it is open at an instant and when it
next opens. Pure: the CRM reads the intervals (crm/handoff.py), the clock is the caller's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# How far ahead the next opening is looked for: two weeks covers a closed week (holidays).
LOOK_AHEAD_DAYS = 15


@dataclass(frozen=True)
class OpeningInterval:
    """One interval of a weekday (ISO: 1 = Monday), minutes of the local day; end up to 1440."""

    weekday: int
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Closure:
    """A span when the whole business is closed (member_time_off with no member)."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class OpeningHours:
    """A business's hours for people. No interval at all: nobody said when, so it counts as open
    (escalations behave as they always did)."""

    intervals: tuple[OpeningInterval, ...]
    timezone: str
    closures: tuple[Closure, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.intervals)

    def is_open(self, at: datetime) -> bool:
        if not self.known:
            return True
        return any(start <= at < end for start, end in self._windows(at))

    def next_opening(self, at: datetime) -> datetime | None:
        """When people next answer, after `at` (aware, in the business's time zone): `at` itself
        when open; None when no opening falls within LOOK_AHEAD_DAYS (or no hours are known)."""
        if not self.known:
            return None
        for start, end in self._windows(at):
            if end > at:
                return max(start, at).astimezone(ZoneInfo(self.timezone))
        return None

    def _windows(self, at: datetime) -> list[tuple[datetime, datetime]]:
        """The open windows from the day before `at` on, merged and with closures cut out."""
        zone = ZoneInfo(self.timezone)
        first = at.astimezone(zone).date() - timedelta(days=1)
        raw = [w for day in _days(first, LOOK_AHEAD_DAYS + 1) for w in self._day_windows(day, zone)]
        return _without(_merged(sorted(raw)), self.closures)

    def _day_windows(self, day: date, zone: ZoneInfo) -> Iterable[tuple[datetime, datetime]]:
        for interval in self.intervals:
            if interval.weekday == day.isoweekday():
                yield _local(day, interval.start_minute, zone), _local(day, interval.end_minute, zone)


def _days(first: date, count: int) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range(count))


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= 1440:
        return datetime.combine(day + timedelta(days=1), time(0), zone)
    return datetime.combine(day, time(minute // 60, minute % 60), zone)


def _merged(windows: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The union: overlapping or touching windows (two members' hours, 24:00 then 00:00) as one."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in windows:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _without(windows: list[tuple[datetime, datetime]], closures: Iterable[Closure]) -> list[tuple[datetime, datetime]]:
    for closure in closures:
        cut: list[tuple[datetime, datetime]] = []
        for start, end in windows:
            if closure.ends_at <= start or closure.starts_at >= end:
                cut.append((start, end))
                continue
            if start < closure.starts_at:
                cut.append((start, closure.starts_at))
            if closure.ends_at < end:
                cut.append((closure.ends_at, end))
        windows = cut
    return windows
