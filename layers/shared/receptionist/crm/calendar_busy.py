"""A connected calendar's events and the busy blocks made of them (calendar_events,
calendar_busy_blocks; docs/calendar.md). Times only: an event's title, description and guests
are never stored.

A sync stores what it read and its next sync token in one transaction (`store_changes`), so the
token never runs ahead of the events. The busy blocks of a connection are replaced in one
statement (`replace_blocks`): availability sees the old set or the new one, never a mix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from receptionist.calendar.event_json import optional_event_time_from_json, optional_event_time_to_json
from receptionist.calendar.provider import CalendarEvent, EventChanges
from receptionist.crm.availability import Interval, is_uuid
from receptionist.crm.connection import Database, Row, Transaction

_UPSERT = """
insert into calendar_events
    (organization_id, connection_id, event_id, status, transparent, starts, ends, recurrence,
     recurring_event_id, original_start, appointment_id, zone, updated_at)
values (%(org)s, %(connection)s, %(id)s, %(status)s, %(transparent)s, %(starts)s, %(ends)s, %(recurrence)s,
        %(series)s, %(original)s, %(appointment)s, %(zone)s, %(at)s)
on conflict (connection_id, event_id) do update
    set status = excluded.status, transparent = excluded.transparent, starts = excluded.starts,
        ends = excluded.ends, recurrence = excluded.recurrence, recurring_event_id = excluded.recurring_event_id,
        original_start = excluded.original_start, appointment_id = excluded.appointment_id,
        zone = excluded.zone, updated_at = excluded.updated_at
"""

# A deleted single event or series master: it goes, and with a master every exception of its series.
_DELETE = """
delete from calendar_events
where organization_id = %(org)s and connection_id = %(connection)s
  and (event_id = any(%(ids)s::text[]) or recurring_event_id = any(%(ids)s::text[]))
"""


def _params(organization_id: str, connection_id: str, event: CalendarEvent, at: datetime) -> dict[str, Any]:
    def as_json(value: Any) -> Jsonb | None:
        return None if value is None else Jsonb(value)

    return {
        "org": organization_id,
        "connection": connection_id,
        "id": event.id,
        "status": event.status,
        "transparent": event.transparent,
        "starts": as_json(optional_event_time_to_json(event.start)),
        "ends": as_json(optional_event_time_to_json(event.end)),
        "recurrence": list(event.recurrence),
        "series": event.recurring_event_id,
        "original": as_json(optional_event_time_to_json(event.original_start)),
        "appointment": event.appointment_id,
        "zone": event.zone,
        "at": at,
    }


def _removed(event: CalendarEvent) -> bool:
    """A cancelled event that is not an instance of a series is gone: a deleted single event or
    master. A cancelled instance is kept: it is what removes that one occurrence from its series."""
    return event.status == "cancelled" and event.recurring_event_id is None


def store_changes(db: Database, organization_id: str, connection_id: str, changes: EventChanges, at: datetime) -> None:
    """Store one sync's events and its next sync token, in one transaction. A full listing
    replaces every stored event of the connection; an incremental one upserts what changed and
    deletes what was removed (a removed master takes its exceptions with it). The caller acts
    for the organization."""
    removed = [e.id for e in changes.events if _removed(e)]
    kept = [e for e in changes.events if not _removed(e)]
    with db.transaction() as tx:
        if changes.full:
            tx.execute(
                "delete from calendar_events where organization_id = %s and connection_id = %s",
                (organization_id, connection_id),
            )
        elif removed:
            tx.execute(_DELETE, {"org": organization_id, "connection": connection_id, "ids": removed})
        _upsert(tx, organization_id, connection_id, kept, at)
        tx.execute(
            "update calendar_connections set sync_token = %s, synced_at = %s,"
            " full_synced_at = case when %s then %s else full_synced_at end"
            " where organization_id = %s and id = %s",
            (changes.sync_token, at, changes.full, at, organization_id, connection_id),
        )


def _upsert(
    tx: Transaction, organization_id: str, connection_id: str, events: Sequence[CalendarEvent], at: datetime
) -> None:
    # The last version of an event in one listing wins (a page may repeat an id).
    latest = {e.id: e for e in events}
    for event in latest.values():
        tx.execute(_UPSERT, _params(organization_id, connection_id, event, at))


def events(db: Database, organization_id: str, connection_id: str) -> list[CalendarEvent]:
    """Every stored event of the connection (what the busy blocks are made of)."""
    rows = db.fetch_all(
        "select event_id, status, transparent, starts, ends, recurrence, recurring_event_id, original_start,"
        " appointment_id, zone from calendar_events where organization_id = %s and connection_id = %s"
        " order by event_id",
        (organization_id, connection_id),
    )
    return [_event(r) for r in rows]


def _event(row: Row) -> CalendarEvent:
    return CalendarEvent(
        id=row["event_id"],
        status=row["status"],
        start=optional_event_time_from_json(row["starts"]),
        end=optional_event_time_from_json(row["ends"]),
        transparent=row["transparent"],
        recurrence=tuple(row["recurrence"] or ()),
        recurring_event_id=row["recurring_event_id"],
        original_start=optional_event_time_from_json(row["original_start"]),
        appointment_id=row["appointment_id"],
        zone=row["zone"],
    )


def replace_blocks(
    db: Database,
    organization_id: str,
    connection_id: str,
    member_id: str,
    blocks: Sequence[tuple[str, datetime, datetime]],
) -> int:
    """The connection's busy blocks become exactly `blocks` ((event id, start, end), aware), in
    one statement. Empty intervals are left out. Returns how many were written.

    The same statement notes for the waitlist what went away (the old blocks minus the new ones,
    still to come) as openings of the member (reason 'busy_removed'; docs/waitlist.md), when
    someone in the business is waiting: a slot may have freed."""
    kept = [(event_id, start, end) for event_id, start, end in blocks if start < end]
    row = db.fetch_one(
        """
        with old as (
            select starts_at, ends_at from calendar_busy_blocks
            where organization_id = %(org)s and connection_id = %(connection)s
        ), gone as (
            delete from calendar_busy_blocks where organization_id = %(org)s and connection_id = %(connection)s
        ), added as (
            insert into calendar_busy_blocks (organization_id, member_id, connection_id, event_id, starts_at, ends_at)
            select %(org)s, %(member)s, %(connection)s, b.event_id, b.starts_at, b.ends_at
            from unnest(%(events)s::text[], %(starts)s::timestamptz[], %(ends)s::timestamptz[])
                as b(event_id, starts_at, ends_at)
            returning 1
        ), freed as (
            select unnest(
                coalesce((select range_agg(tstzrange(starts_at, ends_at)) from old), '{}'::tstzmultirange)
                - coalesce((select range_agg(tstzrange(n.starts_at, n.ends_at))
                            from unnest(%(starts)s::timestamptz[], %(ends)s::timestamptz[]) as n(starts_at, ends_at)),
                           '{}'::tstzmultirange)
            ) as r
        ), noted as (
            insert into waitlist_openings (organization_id, member_id, starts_at, ends_at, reason)
            select %(org)s, %(member)s, greatest(lower(r), now()), upper(r), 'busy_removed' from freed
            where upper(r) > now()
              and exists (select 1 from waitlist_entries e where e.organization_id = %(org)s and e.status = 'waiting')
            returning 1
        )
        select (select count(*) from added)::int as written, (select count(*) from noted)::int as freed
        """,
        {
            "org": organization_id,
            "connection": connection_id,
            "member": member_id,
            "events": [b[0] for b in kept],
            "starts": [b[1] for b in kept],
            "ends": [b[2] for b in kept],
        },
    )
    return int(row["written"]) if row else 0


def busy_blocks(
    db: Database, organization_id: str, since: datetime, until: datetime, *, member_id: str | None = None
) -> dict[str, list[Interval]]:
    """Member id -> the calendar busy intervals overlapping [since, until), by start (the
    console's week view: times only, never what the event is)."""
    if not is_uuid(organization_id) or (member_id is not None and not is_uuid(member_id)):
        return {}
    rows = db.fetch_all(
        "select member_id::text, starts_at, ends_at from calendar_busy_blocks"
        " where organization_id = %s and (%s::uuid is null or member_id = %s::uuid)"
        " and starts_at < %s and ends_at > %s order by member_id, starts_at, ends_at",
        (organization_id, member_id, member_id, until, since),
    )
    out: dict[str, list[Interval]] = defaultdict(list)
    for r in rows:
        out[r["member_id"]].append((r["starts_at"], r["ends_at"]))
    return dict(out)
