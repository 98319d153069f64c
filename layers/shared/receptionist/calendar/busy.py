"""A member's busy time, from the events stored for their calendar (pure: no I/O).

What is busy: every event that is not cancelled (a tentative one is busy), not shown as "free"
(transparent) and not the mirror of one of our own appointments (`appointment_id`: the appointment
itself already blocks its slot). A deleted event is stored as cancelled and blocks nothing.

Times:
- A timed event is the instants it gives, whatever zone it was written in.
- An all-day event runs from 00:00 of its first day to 00:00 after its last day in the calendar's
  zone (the provider's calendar zone on the event, else the business's), so a daylight-saving day
  blocks 23 or 25 hours, as the calendar shows it.
- A recurring series is expanded with dateutil's rrule from its start in its own zone's wall time
  (the zone it was written in, else the calendar's): a weekly 09:00 Europe/Madrid meeting stays at
  09:00 when Spain changes its clocks, and a 09:00 America/New_York one moves for a Madrid calendar
  on the weeks the two countries change on different dates. RRULE / EXRULE / RDATE / EXDATE lines
  with UNTIL or COUNT are read as RFC 5545 says; the series' start is always one of its instances.
- An instance the provider lists apart (`recurring_event_id` + `original_start`) replaces the
  instance the rule gives at that start: cancelled, it blocks nothing; moved, it blocks its own
  times. When the whole series is cancelled, so are its instances.

Bounded work: only what overlaps [since, until) is returned, the rule is cut at `until`, a rule
with no instance at all (February 30th, a month's 6th Monday) is dropped before dateutil looks for
one, and each series costs at most about MAX_STEPS steps (under a second of CPU) and MAX_INSTANCES
blocks. A series that would need more than MAX_STEPS occurrences (or periods of its FREQ) before
the window ends, or that has more than MAX_INSTANCES instances inside it, or whose rule cannot be
read, is not expanded past that point: the rest of the window is busy for that member
(`BusyTime.unreadable` names the series so the sync can log it). Failing closed like this is the
choice made for a broken connection too: a slot we cannot check is a double booking we might cause.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rruleset, rrulestr

from receptionist.calendar.provider import CalendarEvent, EventTime

# Instances of one series inside the window: a booking horizon of a few months holds a few hundred
# instances of even a daily series; a thousand is far more than a real calendar needs.
MAX_INSTANCES = 1_000
# Occurrences (or FREQ periods) of one series from its start to the window's end: a daily series
# started more than a century ago, or an hourly one started six years ago, stops here.
MAX_STEPS = 50_000

Interval = tuple[datetime, datetime]

_FREQ_SECONDS = {
    "YEARLY": 365 * 86_400,
    "MONTHLY": 28 * 86_400,
    "WEEKLY": 7 * 86_400,
    "DAILY": 86_400,
    "HOURLY": 3_600,
    "MINUTELY": 60,
    "SECONDLY": 1,
}
_DATE = re.compile(r"^(\d{8})$")
_DATE_TIME = re.compile(r"^(\d{8}T\d{6})(Z?)$")


@dataclass(frozen=True, order=True)
class BusyBlock:
    """One busy interval (UTC) and the event behind it. An instance of a series is named as the
    provider names it: "<series id>_<original start, UTC, basic ISO>" (or "_<YYYYMMDD>" all-day)."""

    start: datetime
    end: datetime
    event_id: str


@dataclass(frozen=True)
class BusyTime:
    blocks: tuple[BusyBlock, ...]  # sorted by start, end, event id
    unreadable: tuple[str, ...] = ()  # series not fully expanded: busy from there to the window's end


def busy_time(events: Iterable[CalendarEvent], *, calendar_zone: str, since: datetime, until: datetime) -> BusyTime:
    """The busy blocks of these events (one calendar's masters, instances and deletions) that
    overlap [since, until). `calendar_zone`: the business's IANA zone, used when the provider gave
    no zone for the calendar (all-day events) or for a series."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("the window's ends must be timezone-aware")
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    default_zone = ZoneInfo(calendar_zone)
    listed = list(events)
    masters = {e.id: e for e in listed if e.recurrence and e.recurring_event_id is None}
    replaced: dict[str, set[date]] = defaultdict(set)
    for event in listed:
        if event.recurring_event_id is not None and event.original_start is not None:
            replaced[event.recurring_event_id].add(_key(event.original_start))
    blocks: list[BusyBlock] = []
    unreadable: list[str] = []
    for event in listed:
        if not _blocks_time(event, masters):
            continue
        calendar = _zone(event.zone, default_zone)
        if event.id in masters:
            series = _Series.of(event, calendar)
            if series is None:
                continue
            found, complete = series.blocks(replaced.get(event.id, set()), since, until)
            blocks.extend(found)
            if not complete:
                unreadable.append(event.id)
        elif (span := _span(event, calendar)) is not None and span[0] < until and span[1] > since:
            blocks.append(BusyBlock(span[0], span[1], event.id))
    return BusyTime(tuple(sorted(blocks)), tuple(unreadable))


def busy_intervals(
    events: Iterable[CalendarEvent], *, calendar_zone: str, since: datetime, until: datetime
) -> list[Interval]:
    """busy_time's intervals merged where they overlap or touch, sorted (UTC, aware)."""
    found = busy_time(events, calendar_zone=calendar_zone, since=since, until=until)
    return merge((block.start, block.end) for block in found.blocks)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _blocks_time(event: CalendarEvent, masters: dict[str, CalendarEvent]) -> bool:
    if event.status == "cancelled" or event.transparent or event.appointment_id is not None:
        return False
    master = masters.get(event.recurring_event_id) if event.recurring_event_id is not None else None
    # The instances of a deleted series go with it, whatever was changed in them before.
    return master is None or master.status != "cancelled"


def _zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def _key(value: EventTime) -> date:
    """What identifies an instance within its series: its original start (an instant, in UTC, for
    a timed series; the day for an all-day one). A datetime never equals a date."""
    if value.instant is not None:
        return value.instant.astimezone(UTC)
    if value.day is None:
        raise ValueError("an event time is an instant or a day")
    return value.day


def _at(value: EventTime, calendar: ZoneInfo) -> datetime:
    if value.instant is not None:
        return value.instant.astimezone(UTC)
    if value.day is None:
        raise ValueError("an event time is an instant or a day")
    return _midnight(value.day, calendar)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _span(event: CalendarEvent, calendar: ZoneInfo) -> Interval | None:
    if event.start is None or event.end is None:
        return None
    start, end = _at(event.start, calendar), _at(event.end, calendar)
    return (start, end) if end > start else None


@dataclass(frozen=True)
class _Series:
    """A series' recurrence, expanded in its own frame: aware wall times in its zone for a timed
    series, naive midnights (dates) for an all-day one."""

    master: CalendarEvent
    zone: ZoneInfo
    first: datetime
    length: timedelta  # elapsed time (timed) or whole days (all-day)
    all_day: bool

    @classmethod
    def of(cls, master: CalendarEvent, calendar: ZoneInfo) -> _Series | None:
        start, end = master.start, master.end
        if start is None or end is None:
            return None
        if start.instant is not None and end.instant is not None:
            zone = _zone(start.zone, calendar)
            return cls(master, zone, start.instant.astimezone(zone), end.instant - start.instant, all_day=False)
        if start.day is not None and end.day is not None:
            days = max((end.day - start.day).days, 1)
            return cls(master, calendar, datetime.combine(start.day, time(0)), timedelta(days=days), all_day=True)
        return None

    def blocks(self, replaced: set[date], since: datetime, until: datetime) -> tuple[list[BusyBlock], bool]:
        """The instances overlapping [since, until) that no listed instance replaces, and whether
        the expansion was complete (else the window is busy from where it stopped)."""
        found: list[BusyBlock] = []
        try:
            occurrences = self._occurrences(until)
            for steps, occurrence in enumerate(occurrences, start=1):
                start, end = self._span(occurrence)
                if start >= until:
                    return found, True
                if steps > MAX_STEPS or len(found) >= MAX_INSTANCES:
                    return [*found, *self._rest(start, since, until)], False
                if end > since and self._key(occurrence) not in replaced:
                    found.append(BusyBlock(start, end, self._instance_id(occurrence)))
        except (ValueError, OverflowError, TypeError):
            return [*found, *self._rest(self._span(self.first)[0], since, until)], False
        return found, True

    def _rest(self, start: datetime, since: datetime, until: datetime) -> list[BusyBlock]:
        """The window from `start` on, blocked: what a series we could not expand further may hold."""
        start = max(start, since)
        return [BusyBlock(start, until, self.master.id)] if start < until else []

    def _occurrences(self, until: datetime) -> Iterator[datetime]:
        cap = self._cap(until)
        rules = rruleset()
        rules.rdate(self.first)  # RFC 5545: the start is an instance even if the rule skips it
        for line in self.master.recurrence:
            head, _, value = line.strip().partition(":")
            name, *params = head.split(";")
            name = name.upper()
            if name in ("RRULE", "EXRULE"):
                rule = self._rule(value, cap)
                if rule is None:
                    continue
                if name == "RRULE":
                    rules.rrule(rule)
                else:
                    rules.exrule(rule)
            elif name in ("RDATE", "EXDATE"):
                for item in value.split(","):
                    moment = self._moment(item.split("/")[0], params)  # a PERIOD counts from its start
                    if name == "RDATE":
                        rules.rdate(moment)
                    else:
                        rules.exdate(moment)
            else:
                raise ValueError(f"not a recurrence line: {name}")
        return iter(rules)

    def _rule(self, value: str, cap: datetime) -> rrule | None:
        """One RRULE, cut at `cap` (an UNTIL in the frame's own kind: UTC for a timed series, a
        naive date-time for an all-day one, as dateutil requires), its work bounded before any;
        None for a rule that has no instance at all."""
        parts: dict[str, str] = {}
        for part in value.split(";"):
            name, _, item = part.partition("=")
            if name.strip():
                parts[name.strip().upper()] = item.strip()
        until = min(self._until(parts["UNTIL"]), cap) if "UNTIL" in parts else cap
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%SZ" if until.tzinfo is not None else "%Y%m%dT%H%M%S")
        freq = _FREQ_SECONDS.get(parts.get("FREQ", ""))
        interval = int(parts.get("INTERVAL", "1") or "1")
        if freq is None or interval < 1:
            raise ValueError("a recurrence rule needs a FREQ and a positive INTERVAL")
        if _never_matches(parts):
            return None
        # dateutil walks every period from the start to UNTIL, matching or not.
        if (until - self._comparable(self.first)).total_seconds() / (freq * interval) > MAX_STEPS:
            raise ValueError("too many periods before the window ends")
        with warnings.catch_warnings():
            # COUNT with UNTIL is deprecated in dateutil; here UNTIL only bounds the work, COUNT still counts.
            warnings.simplefilter("ignore", DeprecationWarning)
            rule = rrulestr(";".join(f"{name}={item}" for name, item in parts.items()), dtstart=self.first)
        if not isinstance(rule, rrule):
            raise ValueError("one RRULE line is one rule")
        return rule

    def _comparable(self, value: datetime) -> datetime:
        return value.astimezone(UTC) if value.tzinfo is not None else value

    def _cap(self, until: datetime) -> datetime:
        if not self.all_day:
            return until
        return datetime.combine(until.astimezone(self.zone).date() + timedelta(days=1), time(0))

    def _until(self, value: str) -> datetime:
        day, moment = _parse(value)
        if day is not None:  # the whole of that day, in the series' zone
            end_of_day = datetime.combine(day, time(23, 59, 59))
            return end_of_day if self.all_day else end_of_day.replace(tzinfo=self.zone).astimezone(UTC)
        if moment is None:
            raise ValueError("UNTIL is a date or a date-time")
        if self.all_day:
            return moment.astimezone(self.zone).replace(tzinfo=None) if moment.tzinfo is not None else moment
        return (moment if moment.tzinfo is not None else moment.replace(tzinfo=self.zone)).astimezone(UTC)

    def _moment(self, value: str, params: Sequence[str]) -> datetime:
        """An RDATE / EXDATE value in the series' frame (TZID=, UTC "Z", floating or a date)."""
        day, moment = _parse(value)
        zone = next((_zone(p.split("=", 1)[1], self.zone) for p in params if p.upper().startswith("TZID=")), None)
        if moment is not None and moment.tzinfo is None and zone is not None:
            moment = moment.replace(tzinfo=zone)
        if self.all_day:
            if moment is not None:
                day = moment.astimezone(self.zone).date() if moment.tzinfo is not None else moment.date()
            if day is None:
                raise ValueError("RDATE / EXDATE is a date or a date-time")
            return datetime.combine(day, time(0))
        if day is not None:  # a date in a timed series: the instance of that day
            return datetime.combine(day, self.first.timetz())
        if moment is None:
            raise ValueError("RDATE / EXDATE is a date or a date-time")
        return moment.astimezone(self.zone) if moment.tzinfo is not None else moment.replace(tzinfo=self.zone)

    def _span(self, occurrence: datetime) -> Interval:
        if self.all_day:
            return _midnight(occurrence.date(), self.zone), _midnight(occurrence.date() + self.length, self.zone)
        start = occurrence.astimezone(UTC)
        return start, start + self.length

    def _key(self, occurrence: datetime) -> date:
        return occurrence.date() if self.all_day else occurrence.astimezone(UTC)

    def _instance_id(self, occurrence: datetime) -> str:
        if self.all_day:
            return f"{self.master.id}_{occurrence:%Y%m%d}"
        return f"{self.master.id}_{occurrence.astimezone(UTC):%Y%m%dT%H%M%SZ}"


_DAY_FILTERS = ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY")
# Gregorian days and weekdays repeat every 400 years: the last 400 dateutil reaches hold every pattern.
_LAST_CYCLE = datetime(9599, 1, 1)


def _never_matches(parts: dict[str, str]) -> bool:
    """Whether no day ever satisfies the rule's day filters (February 30th, a month's 6th Monday,
    week 53 in June). dateutil compares UNTIL only with a matching candidate, so for such a rule it
    would walk every period to the year 9999, seconds of CPU each time; trying the filters alone over
    one 400-year cycle takes milliseconds. The probe keeps no INTERVAL, BYSETPOS or times, so it can
    only find more days than the rule, never fewer."""
    filters = {name: parts[name] for name in _DAY_FILTERS if name in parts}
    if not filters:
        return False
    freq = parts.get("FREQ")
    if freq not in ("MONTHLY", "YEARLY") and "BYDAY" in filters:
        filters["BYDAY"] = re.sub(r"[+-]?\d+", "", filters["BYDAY"])  # dateutil drops "nth" below MONTHLY
    probe = ";".join(
        [f"FREQ={'MONTHLY' if freq == 'MONTHLY' else 'YEARLY'}", *(f"{k}={v}" for k, v in filters.items())]
    )
    return next(iter(rrulestr(probe, dtstart=_LAST_CYCLE)), None) is None


def _parse(value: str) -> tuple[date | None, datetime | None]:
    """An iCalendar DATE ("20261207") or DATE-TIME ("20261207T090000", UTC with "Z")."""
    value = value.strip().upper()
    if (matched := _DATE.match(value)) is not None:
        return datetime.strptime(matched.group(1), "%Y%m%d").date(), None
    if (matched := _DATE_TIME.match(value)) is not None:
        moment = datetime.strptime(matched.group(1), "%Y%m%dT%H%M%S")
        return None, moment.replace(tzinfo=UTC) if matched.group(2) else moment
    raise ValueError("not an iCalendar date or date-time")
