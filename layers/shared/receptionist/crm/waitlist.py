"""Waitlist entries (table waitlist_entries, migration 20261210010000_waitlist.sql): what a customer
waits for when no slot fits (a service, a member or anyone who does it, a range of days in the
business's time zone, a part of the day). Offered freed slots in the order they asked
(created_at, id) by the offer pass (receptionist.reminders.waitlist); data access only, inside
`db.acting_for(organization)`: row level security scopes every statement.

One waiting entry per contact + service + overlapping days: adding one that overlaps a waiting
entry of the same contact and service updates that entry (its place in the order is kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from receptionist.crm.connection import Database, Row

DayPart = Literal["any", "morning", "afternoon", "evening"]
EntryStatus = Literal["waiting", "booked", "expired", "withdrawn"]
DAY_PARTS: tuple[DayPart, ...] = ("any", "morning", "afternoon", "evening")
# Local start time boundaries: morning < 14:00 <= afternoon < 18:00 <= evening.
AFTERNOON_FROM = time(14, 0)
EVENING_FROM = time(18, 0)


def day_part_of(local_start: datetime | time) -> DayPart:
    """The part of the day a slot starting at this local time belongs to."""
    at = local_start.time() if isinstance(local_start, datetime) else local_start
    if at < AFTERNOON_FROM:
        return "morning"
    return "afternoon" if at < EVENING_FROM else "evening"


def fits_day_part(wanted: str, local_start: datetime) -> bool:
    return wanted == "any" or day_part_of(local_start) == wanted


@dataclass(frozen=True)
class Entry:
    id: str
    organization_id: str
    contact_id: str
    service_id: str
    member_id: str | None  # None: anyone who does the service
    first_day: date
    last_day: date
    day_part: str
    status: str
    booked_appointment_id: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime


_COLUMNS = (
    "id::text, organization_id::text, contact_id::text, service_id::text, member_id::text, first_day, last_day,"
    " day_part, status, booked_appointment_id::text, created_at, created_by, updated_at"
)


def _entry(row: Row) -> Entry:
    return Entry(
        id=row["id"],
        organization_id=row["organization_id"],
        contact_id=row["contact_id"],
        service_id=row["service_id"],
        member_id=row["member_id"],
        first_day=row["first_day"],
        last_day=row["last_day"],
        day_part=row["day_part"],
        status=row["status"],
        booked_appointment_id=row["booked_appointment_id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
    )


def add_entry(
    db: Database,
    organization_id: str,
    contact_id: str,
    service_id: str,
    first_day: date,
    last_day: date,
    day_part: DayPart = "any",
    *,
    member_id: str | None = None,
    created_by: str = "assistant",
) -> Entry:
    """The contact's waiting entry for the service: the one overlapping these days updated, or a
    new one. One round trip (the update and the insert in one statement)."""
    row = db.fetch_one(
        f"""
        with updated as (
            update waitlist_entries set first_day = %(first)s, last_day = %(last)s, day_part = %(part)s,
                   member_id = %(member)s::uuid, updated_at = now()
            where id = (
                select id from waitlist_entries
                where organization_id = %(org)s and contact_id = %(contact)s and service_id = %(service)s
                  and status = 'waiting' and first_day <= %(last)s and last_day >= %(first)s
                order by created_at, id limit 1 for update
            )
            returning {_COLUMNS}
        ), inserted as (
            insert into waitlist_entries (organization_id, contact_id, service_id, member_id, first_day, last_day,
                                          day_part, created_by)
            select %(org)s, %(contact)s, %(service)s, %(member)s::uuid, %(first)s, %(last)s, %(part)s, %(by)s
            where not exists (select 1 from updated)
            returning {_COLUMNS}
        )
        select * from updated union all select * from inserted
        """,
        {
            "org": organization_id,
            "contact": contact_id,
            "service": service_id,
            "member": member_id,
            "first": first_day,
            "last": last_day,
            "part": day_part,
            "by": created_by,
        },
    )
    assert row is not None
    return _entry(row)


def get_entry(db: Database, organization_id: str, entry_id: str) -> Entry | None:
    row = db.fetch_one(
        f"select {_COLUMNS} from waitlist_entries where organization_id = %s and id = %s", (organization_id, entry_id)
    )
    return _entry(row) if row else None


def update_entry(
    db: Database,
    organization_id: str,
    entry_id: str,
    *,
    first_day: date,
    last_day: date,
    day_part: DayPart,
    member_id: str | None,
) -> bool:
    """Change a waiting entry's days, part of the day and member; whether it was waiting."""
    changed = db.execute(
        "update waitlist_entries set first_day = %s, last_day = %s, day_part = %s, member_id = %s::uuid,"
        " updated_at = now() where organization_id = %s and id = %s and status = 'waiting'",
        (first_day, last_day, day_part, member_id, organization_id, entry_id),
    )
    return changed > 0


def withdraw_entry(db: Database, organization_id: str, entry_id: str) -> bool:
    """Take a waiting entry off the list (staff, or the customer through the assistant)."""
    changed = db.execute(
        "update waitlist_entries set status = 'withdrawn', updated_at = now()"
        " where organization_id = %s and id = %s and status = 'waiting'",
        (organization_id, entry_id),
    )
    return changed > 0


def withdraw_for_contact(db: Database, organization_id: str, contact_id: str, service_id: str | None = None) -> int:
    """Take the contact's waiting entries (of one service, or all) off the list; how many."""
    return db.execute(
        "update waitlist_entries set status = 'withdrawn', updated_at = now()"
        " where organization_id = %s and contact_id = %s and status = 'waiting'"
        " and (%s::uuid is null or service_id = %s::uuid)",
        (organization_id, contact_id, service_id, service_id),
    )


def mark_booked(db: Database, organization_id: str, entry_id: str, appointment_id: str) -> bool:
    """The entry got its slot (an accepted offer)."""
    changed = db.execute(
        "update waitlist_entries set status = 'booked', booked_appointment_id = %s, updated_at = now()"
        " where organization_id = %s and id = %s and status = 'waiting'",
        (appointment_id, organization_id, entry_id),
    )
    return changed > 0


def list_entries(
    db: Database, organization_id: str, statuses: tuple[EntryStatus, ...] = ("waiting",), *, limit: int = 500
) -> list[Entry]:
    """The business's entries in these states, in the order they asked."""
    rows = db.fetch_all(
        f"select {_COLUMNS} from waitlist_entries where organization_id = %s and status = any(%s)"
        " order by created_at, id limit %s",
        (organization_id, list(statuses), limit),
    )
    return [_entry(r) for r in rows]


def entries_for_contact(
    db: Database, organization_id: str, contact_id: str, *, waiting_only: bool = True
) -> list[Entry]:
    rows = db.fetch_all(
        f"select {_COLUMNS} from waitlist_entries where organization_id = %s and contact_id = %s"
        " and (not %s or status = 'waiting') order by created_at, id",
        (organization_id, contact_id, waiting_only),
    )
    return [_entry(r) for r in rows]
