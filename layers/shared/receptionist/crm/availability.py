"""Free slots for a service: members' weekly hours (local wall time) minus time off and active
appointments, from now + lead time to now + horizon, in the organization's timezone.

Hours are local wall-clock times, so each slot is built as a local time and converted with
zoneinfo: a 09:00 opening stays 09:00 on both sides of a daylight-saving change, and local
times that do not exist (the spring-forward gap) are skipped. Two round trips per call.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from receptionist.crm.connection import Database
from receptionist.crm.models import Service, Slot

_MEMBER_HOURS = """
select m.id::text as member_id, m.name, h.weekday, h.starts, h.ends
from members m
join member_hours h on h.organization_id = m.organization_id and h.member_id = m.id
where m.organization_id = %(org)s and m.active
  and (%(member)s::uuid is null or m.id = %(member)s::uuid)
  and (
    not exists (select 1 from member_services ms
                where ms.organization_id = m.organization_id and ms.service_id = %(service)s::uuid)
    or exists (select 1 from member_services ms
               where ms.organization_id = m.organization_id and ms.service_id = %(service)s::uuid
                 and ms.member_id = m.id)
  )
order by m.name, h.weekday, h.starts
"""

_BUSY = """
select member_id::text, starts_at, ends_at from appointments
where organization_id = %(org)s and status in ('pending', 'confirmed')
  and member_id = any(%(members)s::uuid[]) and starts_at < %(until)s and ends_at > %(since)s
  and (%(ignore)s::uuid is null or id <> %(ignore)s::uuid)
union all
select member_id::text, starts_at, ends_at from member_time_off
where organization_id = %(org)s and member_id = any(%(members)s::uuid[])
  and starts_at < %(until)s and ends_at > %(since)s
"""


@dataclass(frozen=True)
class BookingWindow:
    """The organization's booking rules."""

    timezone: str
    lead_minutes: int
    horizon_days: int
    step_minutes: int


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _exists(local: datetime) -> bool:
    """False for wall times skipped by a spring-forward change."""
    tz = local.tzinfo
    assert tz is not None
    return local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None)


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
    tz = ZoneInfo(window.timezone)
    earliest = now.astimezone(UTC) + timedelta(minutes=window.lead_minutes)
    latest = now.astimezone(UTC) + timedelta(days=window.horizon_days)
    since, _ = local_day_bounds(first_day, tz)
    _, until = local_day_bounds(last_day, tz)
    since, until = max(since, earliest), min(until, latest)
    if since >= until:
        return []
    hours = db.fetch_all(_MEMBER_HOURS, {"org": organization_id, "member": member_id, "service": service.id})
    if not hours:
        return []
    members = sorted({h["member_id"] for h in hours})
    busy_rows = db.fetch_all(
        _BUSY,
        {"org": organization_id, "members": members, "since": since, "until": until, "ignore": ignore_appointment_id},
    )
    busy: dict[str, list[tuple[datetime, datetime]]] = {m: [] for m in members}
    for row in busy_rows:
        busy[row["member_id"]].append((row["starts_at"], row["ends_at"]))
    for intervals in busy.values():
        intervals.sort()
    duration = timedelta(minutes=service.duration_minutes)
    step = timedelta(minutes=window.step_minutes)
    slots: list[Slot] = []
    day = first_day
    while day <= last_day:
        weekday = day.isoweekday()
        for h in hours:
            if h["weekday"] != weekday:
                continue
            close = datetime.combine(day, h["ends"], tzinfo=tz).astimezone(UTC)
            local = datetime.combine(day, h["starts"], tzinfo=tz)
            while True:
                if _exists(local):
                    start = local.astimezone(UTC)
                    end = start + duration
                    if end > close:
                        break
                    if since <= start and end <= until and _free(busy[h["member_id"]], start, end):
                        slots.append(Slot(h["member_id"], h["name"], start.astimezone(tz), end.astimezone(tz)))
                local = (local.replace(tzinfo=None) + step).replace(tzinfo=tz)
                if local.replace(tzinfo=None).time() < h["starts"]:  # wrapped past midnight
                    break
        day += timedelta(days=1)
    slots.sort(key=lambda s: (s.starts_at, s.member_name))
    return slots


def _free(intervals: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    """No busy interval overlaps [start, end). `intervals` is sorted by start."""
    before_end = bisect.bisect_left(intervals, (end,))  # only these can overlap
    return not any(e > start for _s, e in intervals[:before_end])
