"""Free slots for a service: members' weekly hours (local wall time) minus time off, active
appointments and the busy time of their own calendars, from now + lead time to now + horizon, in
the organization's timezone.

A member's connected calendar (docs/calendar.md) blocks like time off: its busy blocks
(calendar_busy_blocks, rebuilt after each sync) are the events people put there that this system
did not create. A member whose connection is broken (the grant was revoked or expired) is offered
no slots at all: we can neither see their calendar (a slot may be taken there) nor write to it
(what we book would be invisible to them), so offering one would risk exactly the double booking
the sync exists to prevent. The owner is told at once (console and staff notice); connecting again
restores the member's slots.

Hours are local wall-clock times, so each slot is built as a local time and converted with
zoneinfo: a 09:00 opening stays 09:00 on both sides of a daylight-saving change, local times
that do not exist (the spring-forward gap) are skipped, and a repeated hour (fall back) is
offered once, at its first occurrence. Durations are real elapsed time.

One round trip: a single query returns the members' hours and everything that blocks them
(appointments, their time off, organization-wide closures, calendar busy blocks) and the state of
their calendar connections as JSON; the slots are computed
here (`compute_slots`, pure). Booking and rescheduling reuse the same loader, adding what they
need to the same query.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from receptionist.crm.connection import Database
from receptionist.crm.models import ACTIVE_STATUSES_SQL, Service, Slot, WeeklyHours

# The members who may do the service (all active members when nobody is assigned to it),
# optionally one member; their weekly hours (minutes of the day, so '24:00' is 1440); and what
# blocks them in [since, until): active appointments (kind 'a'), time off (kind 'o'), whether
# the member's own or the whole organization's (member_id null), and their calendar's busy blocks
# (kind 'c'); and the status of each one's calendar connection, if any.
# Optional parts, by parameter: the service itself, the appointment holding an idempotency key,
# whether the contact exists, and one appointment of the contact (the one being rescheduled,
# which also defaults the service and member and is left out of the blocking set, as is
# %(ignore)s).
_SCHEDULE = f"""
with target as (
    select a.id, a.contact_id, a.service_id, a.member_id, a.starts_at, a.ends_at, a.status,
           s.name as service_name, m.name as member_name
    from appointments a
    join services s on s.organization_id = a.organization_id and s.id = a.service_id
    join members m on m.organization_id = a.organization_id and m.id = a.member_id
    where %(appointment)s::uuid is not null
      and a.organization_id = %(org)s and a.contact_id = %(contact)s::uuid and a.id = %(appointment)s::uuid
),
svc as (
    select coalesce(%(service)s::uuid, (select service_id from target)) as id
),
eligible as (
    select m.id, m.name
    from members m
    where m.organization_id = %(org)s and m.active
      and m.id = coalesce(%(member)s::uuid, (select member_id from target), m.id)
      and (
        not exists (select 1 from member_services ms
                    where ms.organization_id = %(org)s and ms.service_id = (select id from svc))
        or exists (select 1 from member_services ms
                   where ms.organization_id = %(org)s and ms.service_id = (select id from svc)
                     and ms.member_id = m.id)
      )
)
select json_build_object(
    'hours', coalesce((
        select json_agg(json_build_array(
            e.id, e.name, h.weekday,
            (extract(epoch from h.starts) / 60)::int, (extract(epoch from h.ends) / 60)::int
        ) order by e.name, e.id, h.weekday, h.starts)
        from eligible e
        join member_hours h on h.organization_id = %(org)s and h.member_id = e.id
    ), '[]'::json),
    'busy', coalesce((
        select json_agg(json_build_array(b.member_id, b.kind, b.starts_at, b.ends_at))
        from (
            select a.member_id, 'a' as kind, a.starts_at, a.ends_at
            from appointments a
            where a.organization_id = %(org)s and a.status in {ACTIVE_STATUSES_SQL}
              and a.member_id in (select id from eligible)
              and a.starts_at < %(until)s and a.ends_at > %(since)s
              and a.id is distinct from coalesce((select id from target), %(ignore)s::uuid)
            union all
            select e.id, 'o', t.starts_at, t.ends_at
            from member_time_off t
            join eligible e on t.member_id = e.id or t.member_id is null
            where t.organization_id = %(org)s and t.starts_at < %(until)s and t.ends_at > %(since)s
            union all
            select c.member_id, 'c', c.starts_at, c.ends_at
            from calendar_busy_blocks c
            where c.organization_id = %(org)s and c.member_id in (select id from eligible)
              and c.starts_at < %(until)s and c.ends_at > %(since)s
        ) b
    ), '[]'::json),
    'calendars', coalesce((
        select json_object_agg(c.member_id, c.status)
        from (select member_id, min(status) as status  -- 'broken' < 'connected': any broken one wins
              from calendar_connections
              where organization_id = %(org)s and member_id in (select id from eligible)
              group by member_id) c
    ), '{{}}'::json),
    'service', (
        select json_build_object(
            'id', s.id, 'name', s.name, 'description', s.description, 'duration_minutes', s.duration_minutes,
            'price_cents', s.price_cents, 'currency', s.currency, 'bookable', s.bookable
        )
        from services s
        where %(with_service)s and s.organization_id = %(org)s and s.id = (select id from svc) and s.active
    ),
    'existing', (
        select a.id from appointments a
        where %(key)s::text is not null and a.organization_id = %(org)s and a.idempotency_key = %(key)s
    ),
    'contact', (
        %(contact)s::uuid is not null and exists (
            select 1 from contacts c where c.organization_id = %(org)s and c.id = %(contact)s::uuid
        )
    ),
    'target', (
        select json_build_object(
            'id', t.id, 'service_id', t.service_id, 'service_name', t.service_name, 'member_id', t.member_id,
            'member_name', t.member_name, 'starts_at', t.starts_at, 'ends_at', t.ends_at, 'status', t.status
        )
        from target t
    )
) as schedule
"""


@dataclass(frozen=True)
class BookingWindow:
    """The organization's booking rules."""

    timezone: str
    lead_minutes: int
    horizon_days: int
    step_minutes: int


Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Schedule:
    """What the schedule query returned (see _SCHEDULE)."""

    hours: list[WeeklyHours]
    appointments: dict[str, list[Interval]]  # member id -> active appointments
    time_off: dict[str, list[Interval]]  # member id -> own and organization-wide time off
    calendar_busy: dict[str, list[Interval]] = field(default_factory=dict)  # member id -> calendar busy blocks
    calendars: dict[str, str] = field(default_factory=dict)  # member id -> its connection's status
    service: Service | None = None
    existing_id: str | None = None  # appointment already holding the idempotency key
    contact_exists: bool = False
    target: dict[str, Any] | None = field(default=None)

    def calendar_connected(self, member_id: str) -> bool:
        """The member has a working calendar connection (the booking re-checks it live)."""
        return self.calendars.get(member_id) == "connected"

    def calendar_broken(self, member_id: str) -> bool:
        return self.calendars.get(member_id) == "broken"

    def bookable_hours(self) -> list[WeeklyHours]:
        """The hours of members who may be offered slots: not those whose calendar is broken."""
        return [h for h in self.hours if not self.calendar_broken(h.member_id)]

    def blocked(self, *, include_appointments: bool = True) -> dict[str, list[Interval]]:
        out: dict[str, list[Interval]] = defaultdict(list)
        for member, intervals in self.time_off.items():
            out[member].extend(intervals)
        for member, intervals in self.calendar_busy.items():
            out[member].extend(intervals)
        if include_appointments:
            for member, intervals in self.appointments.items():
                out[member].extend(intervals)
        return out


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def search_bounds(
    window: BookingWindow, first_day: date, last_day: date, now: datetime
) -> tuple[datetime, datetime] | None:
    """[since, until) in UTC: the days asked for, cut to [now + lead time, now + horizon]."""
    tz = ZoneInfo(window.timezone)
    earliest = now.astimezone(UTC) + timedelta(minutes=window.lead_minutes)
    latest = now.astimezone(UTC) + timedelta(days=window.horizon_days)
    since, _ = local_day_bounds(first_day, tz)
    _, until = local_day_bounds(last_day, tz)
    since, until = max(since, earliest), min(until, latest)
    return (since, until) if since < until else None


def load_schedule(
    db: Database,
    organization_id: str,
    since: datetime,
    until: datetime,
    *,
    service_id: str | None = None,
    member_id: str | None = None,
    with_service: bool = False,
    idempotency_key: str | None = None,
    contact_id: str | None = None,
    appointment_id: str | None = None,
    ignore_appointment_id: str | None = None,
) -> Schedule:
    """One round trip. Ids must be valid UUID strings (callers check with `is_uuid`)."""
    row = db.fetch_one(
        _SCHEDULE,
        {
            "org": organization_id,
            "service": service_id,
            "member": member_id,
            "since": since,
            "until": until,
            "with_service": with_service,
            "key": idempotency_key,
            "contact": contact_id,
            "appointment": appointment_id,
            "ignore": ignore_appointment_id,
        },
    )
    assert row is not None
    return parse_schedule(row["schedule"])


def parse_schedule(data: Mapping[str, Any]) -> Schedule:
    hours = [WeeklyHours(str(m), str(n), int(w), int(s), int(e)) for m, n, w, s, e in data["hours"]]
    appointments: dict[str, list[Interval]] = defaultdict(list)
    time_off: dict[str, list[Interval]] = defaultdict(list)
    calendar_busy: dict[str, list[Interval]] = defaultdict(list)
    for member, kind, starts, ends in data["busy"]:
        target = appointments if kind == "a" else calendar_busy if kind == "c" else time_off
        target[str(member)].append((datetime.fromisoformat(starts), datetime.fromisoformat(ends)))
    raw = data.get("service")
    service = None
    if raw:
        service = Service(
            id=str(raw["id"]),
            name=raw["name"],
            description=raw["description"],
            duration_minutes=int(raw["duration_minutes"]),
            price_cents=raw["price_cents"],
            currency=raw["currency"],
            bookable=bool(raw["bookable"]),
        )
    return Schedule(
        hours=hours,
        appointments=dict(appointments),
        time_off=dict(time_off),
        calendar_busy=dict(calendar_busy),
        calendars={str(k): str(v) for k, v in (data.get("calendars") or {}).items()},
        service=service,
        existing_id=str(data["existing"]) if data.get("existing") else None,
        contact_exists=bool(data.get("contact")),
        target=data.get("target"),
    )


def available_slots(
    db: Database,
    organization_id: str,
    service: Service,
    window: BookingWindow,
    first_day: date,
    last_day: date,
    *,
    now: datetime,
    member_id: str | None = None,
    ignore_appointment_id: str | None = None,
) -> list[Slot]:
    """Free slots of `service` from `first_day` to `last_day` (local dates), sorted by time then
    member name. Unknown or malformed ids give no slots."""
    bounds = search_bounds(window, first_day, last_day, now)
    ids = (organization_id, service.id, member_id, ignore_appointment_id)
    if bounds is None or not all(i is None or is_uuid(i) for i in ids):
        return []
    since, until = bounds
    schedule = load_schedule(
        db,
        organization_id,
        since,
        until,
        service_id=service.id,
        member_id=member_id,
        ignore_appointment_id=ignore_appointment_id,  # the appointment being moved frees its own time
    )
    return compute_slots(
        schedule.bookable_hours(),
        schedule.blocked(),
        tz=ZoneInfo(window.timezone),
        first_day=first_day,
        last_day=last_day,
        duration=timedelta(minutes=service.duration_minutes),
        step=timedelta(minutes=window.step_minutes),
        since=since,
        until=until,
    )


def compute_slots(
    hours: Iterable[WeeklyHours],
    busy: Mapping[str, Sequence[Interval]],
    *,
    tz: ZoneInfo,
    first_day: date,
    last_day: date,
    duration: timedelta,
    step: timedelta,
    since: datetime,
    until: datetime,
) -> list[Slot]:
    """Slots on the `step` grid of each working interval (local wall time) that fit in it, lie in
    [since, until) and overlap nothing in `busy` (member id -> [start, end) intervals). Pure."""
    by_weekday: dict[int, list[WeeklyHours]] = defaultdict(list)
    for h in hours:
        by_weekday[h.weekday].append(h)
    blocked = {member: _merge(intervals) for member, intervals in busy.items()}
    starts = {member: [s for s, _ in intervals] for member, intervals in blocked.items()}
    step_minutes = max(1, int(step.total_seconds() // 60))
    minutes = [timedelta(minutes=m) for m in range(0, 24 * 60 + 1)]  # built once, reused
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        midnight = datetime.combine(day, time(0))  # naive local
        for h in by_weekday.get(day.isoweekday(), ()):
            opening = midnight + minutes[h.start_minute]
            closing = midnight + minutes[h.end_minute]
            open_at, close = _instant(opening, tz), _instant(closing, tz)
            member_blocked = blocked.get(h.member_id, [])
            member_starts = starts.get(h.member_id, [])
            # Steady: the same UTC offset at the opening wall time and at both real ends, so no
            # change happens inside and every wall time is `offset` away from its instant.
            offset = opening.replace(tzinfo=tz).utcoffset() or timedelta(0)
            steady = open_at.astimezone(tz).utcoffset() == offset == close.astimezone(tz).utcoffset()
            for minute in range(h.start_minute, h.end_minute, step_minutes):
                if steady:  # plain arithmetic (the common case)
                    start = open_at + minutes[minute - h.start_minute]
                else:
                    wall = midnight + minutes[minute]
                    start = wall.replace(tzinfo=tz).astimezone(UTC)
                    if start.astimezone(tz).replace(tzinfo=None) != wall:
                        continue  # this wall time does not exist (spring forward)
                end = start + duration
                if end > close or end > until:
                    break
                if start < since or not _free(member_blocked, member_starts, start, end):
                    continue
                if steady:
                    wall = midnight + minutes[minute]
                    local, ends_local = wall.replace(tzinfo=tz), (wall + duration).replace(tzinfo=tz)
                else:
                    local, ends_local = (midnight + minutes[minute]).replace(tzinfo=tz), end.astimezone(tz)
                slots.append(Slot(h.member_id, h.member_name, local, ends_local))
        day += timedelta(days=1)
    # Same-zone aware datetimes compare as wall times; each slot is a distinct, existing wall time
    # at its first occurrence, so wall order is time order here.
    slots.sort(key=attrgetter("starts_at", "member_name"))
    return slots


def _instant(wall: datetime, tz: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping union of [start, end) intervals."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _free(blocked: list[Interval], starts: list[datetime], start: datetime, end: datetime) -> bool:
    """No merged interval overlaps [start, end): only the last one starting before `end` can."""
    i = bisect.bisect_left(starts, end)
    return i == 0 or blocked[i - 1][1] <= start


def is_uuid(value: str | None) -> bool:
    """A canonical UUID string (what the database stores): malformed ids never reach SQL."""
    if value is None or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
