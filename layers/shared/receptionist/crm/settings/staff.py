"""A business's staff: its members (who takes appointments, and the services each offers), their
weekly hours and time off, and the days the whole business is closed (time off with no member).
The appointments pages read members here too. One round trip each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg import errors

from receptionist.crm.connection import Database, Row
from receptionist.crm.inbox import is_id
from receptionist.crm.models import Member, WeeklyHours
from receptionist.crm.settings.errors import InvalidSetting, name_must_be_free


@dataclass(frozen=True)
class TimeOff:
    id: str
    member_id: str | None  # None: the whole business is closed
    starts_at: datetime
    ends_at: datetime
    reason: str | None


@dataclass(frozen=True)
class MemberDetail:
    member: Member
    hours: list[WeeklyHours]
    time_off: list[TimeOff]


_MEMBERS = """
    select m.id::text as id, m.name, m.active,
           coalesce(array(select ms.service_id::text from member_services ms
                          where ms.organization_id = m.organization_id and ms.member_id = m.id
                          order by ms.service_id), '{}') as service_ids
    from members m where m.organization_id = %(org)s
"""


def _member(row: Row) -> Member:
    return Member(str(row["id"]), str(row["name"]), bool(row["active"]), tuple(row["service_ids"]))


def members(db: Database, organization_id: str) -> list[Member]:
    """Every member, those taking appointments first, by name."""
    rows = db.fetch_all(_MEMBERS + " order by not m.active, m.name, m.id", {"org": organization_id})
    return [_member(r) for r in rows]


def member(db: Database, organization_id: str, member_id: str) -> MemberDetail | None:
    """The member with their weekly hours and their time off (from 30 days ago on)."""
    if not is_id(member_id):
        return None
    row = db.fetch_one(_MEMBERS + " and m.id = %(id)s", {"org": organization_id, "id": member_id})
    if row is None:
        return None
    found = _member(row)
    hours = db.fetch_all(
        "select id::text as id, weekday, (extract(epoch from starts) / 60)::int as starts,"
        " (extract(epoch from ends) / 60)::int as ends"
        " from member_hours where organization_id = %s and member_id = %s order by weekday, starts",
        (organization_id, member_id),
    )
    weekly = [WeeklyHours(found.id, found.name, h["weekday"], h["starts"], h["ends"], h["id"]) for h in hours]
    return MemberDetail(found, weekly, time_off(db, organization_id, member_id))


def time_off(db: Database, organization_id: str, member_id: str | None) -> list[TimeOff]:
    """A member's time off, or the business's closures (member None), from 30 days ago on."""
    rows = db.fetch_all(
        "select id::text as id, member_id::text as member_id, starts_at, ends_at, reason from member_time_off"
        " where organization_id = %s and member_id is not distinct from %s::uuid"
        " and ends_at > now() - interval '30 days' order by starts_at limit 200",
        (organization_id, member_id),
    )
    return [TimeOff(**r) for r in rows]


def create_member(db: Database, organization_id: str, name: str) -> str:
    with name_must_be_free("set_member_name_taken"):
        row = db.fetch_one(
            "insert into members (organization_id, name) values (%s, %s) returning id::text as id",
            (organization_id, name),
        )
    assert row is not None
    return str(row["id"])


def update_member(db: Database, organization_id: str, member_id: str, name: str, active: bool) -> bool:
    """Members are never deleted (appointments keep pointing at them): an inactive member is
    offered for no new booking."""
    with name_must_be_free("set_member_name_taken"):
        changed = db.execute(
            "update members set name = %s, active = %s where organization_id = %s and id = %s",
            (name, active, organization_id, member_id),
        )
    return changed > 0


def set_member_services(db: Database, organization_id: str, member_id: str, service_ids: Sequence[str]) -> list[str]:
    """The member offers exactly these services (ids of other organizations are ignored). One
    statement. The services the member now offers."""
    row = db.fetch_one(
        """
        with wanted as (
            select s.id from services s where s.organization_id = %(org)s and s.id = any(%(ids)s::uuid[])
        ), removed as (
            delete from member_services ms
            where ms.organization_id = %(org)s and ms.member_id = %(member)s
              and ms.service_id not in (select id from wanted)
        ), added as (
            insert into member_services (organization_id, member_id, service_id)
            select %(org)s, %(member)s, id from wanted
            on conflict do nothing
        )
        select coalesce(array(select id::text from wanted order by id), '{}') as ids
        """,
        {"org": organization_id, "member": member_id, "ids": [i for i in service_ids if is_id(i)]},
    )
    assert row is not None
    return list(row["ids"])


def add_hours(db: Database, organization_id: str, member_id: str, weekday: int, starts: str, ends: str) -> str:
    """A working interval ("HH:MM" to "HH:MM", "24:00" = midnight); one overlapping another of the
    member's that day is refused by the exclusion constraint (InvalidSetting)."""
    try:
        row = db.fetch_one(
            "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
            " values (%s, %s, %s, %s::time, %s::time) returning id::text as id",
            (organization_id, member_id, weekday, starts, ends),
        )
    except errors.ExclusionViolation as exc:
        raise InvalidSetting("set_hours_overlap") from exc
    assert row is not None
    return str(row["id"])


def delete_hours(db: Database, organization_id: str, member_id: str, hours_id: str) -> bool:
    if not is_id(hours_id):
        return False
    return (
        db.execute(
            "delete from member_hours where organization_id = %s and member_id = %s and id = %s",
            (organization_id, member_id, hours_id),
        )
        > 0
    )


def add_time_off(
    db: Database, organization_id: str, member_id: str | None, starts: datetime, ends: datetime, reason: str | None
) -> str:
    row = db.fetch_one(
        "insert into member_time_off (organization_id, member_id, starts_at, ends_at, reason)"
        " values (%s, %s::uuid, %s, %s, %s) returning id::text as id",
        (organization_id, member_id, starts, ends, reason),
    )
    assert row is not None
    return str(row["id"])


def delete_time_off(db: Database, organization_id: str, member_id: str | None, time_off_id: str) -> bool:
    if not is_id(time_off_id):
        return False
    return (
        db.execute(
            "delete from member_time_off where organization_id = %s and member_id is not distinct from %s::uuid"
            " and id = %s",
            (organization_id, member_id, time_off_id),
        )
        > 0
    )
