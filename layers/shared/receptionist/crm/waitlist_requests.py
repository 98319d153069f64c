"""A customer's own waitlist requests, as the assistant records them (issue 29): join (or update)
and leave. Table waitlist_entries (migration 20261210010000_waitlist.sql); everything runs inside
`db.acting_for(organization)`, so row level security keeps it to the conversation's business.

One waiting entry per contact, service and overlapping days: joining again for days that overlap
an entry still waiting updates that entry (days, part of the day, member) and keeps its place in
the queue (its created_at), rather than adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from receptionist.crm.connection import Database

DayPart = Literal["any", "morning", "afternoon", "evening"]


@dataclass(frozen=True)
class Joined:
    entry_id: str
    updated: bool  # an overlapping waiting entry was updated rather than a new one added


@dataclass(frozen=True)
class Left:
    """A waiting entry the customer left: its service and days."""

    service: str
    first_day: date
    last_day: date


def join(
    db: Database,
    organization_id: str,
    contact_id: str,
    service_id: str,
    member_id: str | None,
    first_day: date,
    last_day: date,
    day_part: DayPart,
    *,
    now: datetime,
) -> Joined:
    """Add the request, or update the contact's waiting entry of that service whose days overlap."""
    with db.transaction() as tx:
        found = tx.fetch_one(
            "select id::text from waitlist_entries"
            " where organization_id = %s and contact_id = %s and service_id = %s and status = 'waiting'"
            " and first_day <= %s and last_day >= %s order by created_at, id limit 1 for update",
            (organization_id, contact_id, service_id, last_day, first_day),
        )
        if found is not None:
            tx.execute(
                "update waitlist_entries set first_day = %s, last_day = %s, day_part = %s, member_id = %s,"
                " updated_at = %s where organization_id = %s and id = %s",
                (first_day, last_day, day_part, member_id, now, organization_id, found["id"]),
            )
            return Joined(found["id"], updated=True)
        row = tx.fetch_one(
            "insert into waitlist_entries (organization_id, contact_id, service_id, member_id, first_day, last_day,"
            " day_part, created_by, created_at, updated_at) values (%s, %s, %s, %s, %s, %s, %s, 'assistant', %s, %s)"
            " returning id::text",
            (organization_id, contact_id, service_id, member_id, first_day, last_day, day_part, now, now),
        )
        assert row is not None
        return Joined(row["id"], updated=False)


def leave(db: Database, organization_id: str, contact_id: str, service_id: str | None, *, now: datetime) -> list[Left]:
    """Withdraw the contact's waiting entries (of one service, or all); what was withdrawn."""
    rows = db.fetch_all(
        "with w as (update waitlist_entries set status = 'withdrawn', updated_at = %s"
        " where organization_id = %s and contact_id = %s and status = 'waiting'"
        " and (%s::uuid is null or service_id = %s::uuid) returning service_id, first_day, last_day, created_at)"
        " select s.name as service, w.first_day, w.last_day from w"
        " join services s on s.organization_id = %s and s.id = w.service_id order by w.created_at",
        (now, organization_id, contact_id, service_id, service_id, organization_id),
    )
    return [Left(r["service"], r["first_day"], r["last_day"]) for r in rows]


@dataclass(frozen=True)
class ServiceMember:
    id: str
    name: str


def members_for_service(db: Database, organization_id: str, service_id: str) -> list[ServiceMember]:
    """The active members who do a service (a service nobody is assigned to: everyone)."""
    rows = db.fetch_all(
        "select m.id::text, m.name from members m where m.organization_id = %s and m.active and ("
        " not exists (select 1 from member_services x where x.organization_id = m.organization_id"
        " and x.service_id = %s)"
        " or exists (select 1 from member_services x where x.organization_id = m.organization_id"
        " and x.service_id = %s and x.member_id = m.id)) order by m.name",
        (organization_id, service_id, service_id),
    )
    return [ServiceMember(r["id"], r["name"]) for r in rows]
