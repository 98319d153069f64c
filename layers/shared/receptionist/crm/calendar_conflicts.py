"""Conflicts between a member's calendar and our appointments (calendar_conflicts): an external
busy event over an active appointment of ours, never silently accepted. Recorded once per
(appointment, event), so staff are told once (`notified_at`); resolved when the event no longer
overlaps (a later sync) or when staff say so in the console."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from receptionist.crm.availability import is_uuid
from receptionist.crm.connection import Database, Row


@dataclass(frozen=True)
class Overlap:
    """What the sync found: an external event's busy interval over an appointment of the member."""

    appointment_id: str
    event_id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Conflict:
    id: str
    member_id: str
    member_name: str
    appointment_id: str
    service_name: str
    appointment_starts_at: datetime
    event_id: str
    starts_at: datetime  # the calendar's busy interval
    ends_at: datetime
    detected_at: datetime
    notified_at: datetime | None
    resolved_at: datetime | None


def record(db: Database, organization_id: str, member_id: str, overlaps: Sequence[Overlap], at: datetime) -> list[str]:
    """Record what the sync found for one member, in one statement: each (appointment, event) once
    (one found again stays as it was; one resolved and back is open again); the member's open
    conflicts not found any more are resolved. Returns the ids of open conflicts staff
    have not been told of yet (opened now, or a notice that did not go out)."""
    rows = db.fetch_all(
        """
        with found as (
            select * from unnest(%(appointments)s::uuid[], %(events)s::text[], %(starts)s::timestamptz[],
                                 %(ends)s::timestamptz[]) as f(appointment_id, event_id, starts_at, ends_at)
        ), resolved as (
            update calendar_conflicts c set resolved_at = %(at)s
            where c.organization_id = %(org)s and c.member_id = %(member)s and c.resolved_at is null
              and not exists (select 1 from found f where f.appointment_id = c.appointment_id
                              and f.event_id = c.event_id)
        ), upserted as (
            insert into calendar_conflicts
                (organization_id, member_id, appointment_id, event_id, starts_at, ends_at, detected_at)
            select %(org)s, %(member)s, f.appointment_id, f.event_id, f.starts_at, f.ends_at, %(at)s from found f
            on conflict (appointment_id, event_id) do update
                set starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                    detected_at = case when calendar_conflicts.resolved_at is null
                                       then calendar_conflicts.detected_at else excluded.detected_at end,
                    notified_at = case when calendar_conflicts.resolved_at is null
                                       then calendar_conflicts.notified_at end,
                    resolved_at = null
            returning id, notified_at
        )
        select id::text from upserted where notified_at is null order by id
        """,
        {
            "org": organization_id,
            "member": member_id,
            "appointments": [o.appointment_id for o in overlaps],
            "events": [o.event_id for o in overlaps],
            "starts": [o.starts_at for o in overlaps],
            "ends": [o.ends_at for o in overlaps],
            "at": at,
        },
    )
    return [r["id"] for r in rows]


_SELECT = """
select c.id::text, c.member_id::text, m.name as member_name, c.appointment_id::text, s.name as service_name,
       a.starts_at as appointment_starts_at, c.event_id, c.starts_at, c.ends_at, c.detected_at, c.notified_at,
       c.resolved_at
from calendar_conflicts c
join members m on m.organization_id = c.organization_id and m.id = c.member_id
join appointments a on a.organization_id = c.organization_id and a.id = c.appointment_id
join services s on s.organization_id = a.organization_id and s.id = a.service_id
"""


def _conflict(row: Row, tz: ZoneInfo) -> Conflict:
    return Conflict(
        id=row["id"],
        member_id=row["member_id"],
        member_name=row["member_name"],
        appointment_id=row["appointment_id"],
        service_name=row["service_name"],
        appointment_starts_at=row["appointment_starts_at"].astimezone(tz),
        event_id=row["event_id"],
        starts_at=row["starts_at"].astimezone(tz),
        ends_at=row["ends_at"].astimezone(tz),
        detected_at=row["detected_at"],
        notified_at=row["notified_at"],
        resolved_at=row["resolved_at"],
    )


def open_conflicts(db: Database, organization_id: str, timezone: str) -> list[Conflict]:
    """Unresolved conflicts of the organization, by the appointment's time."""
    if not is_uuid(organization_id):
        return []
    rows = db.fetch_all(
        _SELECT + " where c.organization_id = %s and c.resolved_at is null order by a.starts_at, c.id",
        (organization_id,),
    )
    tz = ZoneInfo(timezone)
    return [_conflict(r, tz) for r in rows]


def conflicts_by_id(db: Database, organization_id: str, ids: Iterable[str], timezone: str) -> list[Conflict]:
    wanted = [i for i in ids if is_uuid(i)]
    if not is_uuid(organization_id) or not wanted:
        return []
    rows = db.fetch_all(
        _SELECT + " where c.organization_id = %s and c.id = any(%s::uuid[]) order by a.starts_at, c.id",
        (organization_id, wanted),
    )
    tz = ZoneInfo(timezone)
    return [_conflict(r, tz) for r in rows]


def mark_notified(db: Database, organization_id: str, ids: Sequence[str], at: datetime) -> int:
    """Staff were told of these (once: a conflict already notified keeps its time)."""
    wanted = [i for i in ids if is_uuid(i)]
    if not wanted:
        return 0
    return db.execute(
        "update calendar_conflicts set notified_at = %s"
        " where organization_id = %s and id = any(%s::uuid[]) and notified_at is null",
        (at, organization_id, wanted),
    )


def resolve(db: Database, organization_id: str, conflict_id: str, at: datetime) -> bool:
    """Staff dealt with it (moved the appointment, or accept the overlap). False: not open."""
    if not (is_uuid(organization_id) and is_uuid(conflict_id)):
        return False
    return (
        db.execute(
            "update calendar_conflicts set resolved_at = %s"
            " where organization_id = %s and id = %s and resolved_at is null",
            (at, organization_id, conflict_id),
        )
        == 1
    )
