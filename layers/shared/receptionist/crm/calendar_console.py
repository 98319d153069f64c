"""What the console's calendar section reads and writes (console/services/calendar.py), as the
console's role under row level security: members' calendar connections (`calendar_connections`,
migration 20261209010000_calendar.sql), their open conflicts (`calendar_conflicts`), and which
member a console account is (`console_users.member_id`, through the SECURITY DEFINER functions
of 20261209020000_calendar_console.sql). Never a refresh token: only its SSM parameter's name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import errors

from receptionist.crm.connection import Database, Row

PROVIDER = "google"


class LinkRefused(Exception):
    """What the database refused linking an account to a member: `code` is the sentence's key."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_LINK_REFUSALS = {"RC403": "team_owners_only", "RC404": "team_not_found", "RC412": "team_member_taken"}


@dataclass(frozen=True)
class MemberName:
    id: str
    name: str


@dataclass(frozen=True)
class ConsoleConnection:
    id: str
    member_id: str
    account: str | None  # the Google account's e-mail
    token_ref: str
    status: str  # connected | broken
    broken_reason: str | None
    broken_at: datetime | None
    synced_at: datetime | None
    channel_id: str | None
    channel_resource_id: str | None
    channel_expires_at: datetime | None


@dataclass(frozen=True)
class OpenConflict:
    id: str
    member_id: str
    appointment_id: str
    service: str
    appointment_starts_at: datetime
    starts_at: datetime  # the external event's
    ends_at: datetime
    detected_at: datetime


def members(db: Database) -> list[MemberName]:
    rows = db.fetch_all("select id::text as id, name from members where active order by name")
    return [MemberName(r["id"], r["name"]) for r in rows]


def member(db: Database, member_id: str) -> MemberName | None:
    row = db.fetch_one("select id::text as id, name from members where id = %s::uuid", (member_id,))
    return MemberName(row["id"], row["name"]) if row else None


def own_member(db: Database, sub: str) -> str | None:
    row = db.fetch_one("select public.own_member(%s)::text as member_id", (sub,))
    return str(row["member_id"]) if row and row["member_id"] else None


def member_links(db: Database, owner_sub: str) -> dict[str, str]:
    """Account (sub) -> its member id, for the owner's business."""
    rows = db.fetch_all(
        "select sub, member_id::text as member_id from public.team_member_links(%s) where member_id is not null",
        (owner_sub,),
    )
    return {str(r["sub"]): str(r["member_id"]) for r in rows}


def set_member(db: Database, owner_sub: str, sub: str, member_id: str | None) -> None:
    try:
        with db.savepoint():
            db.execute("select public.team_set_member(%s, %s, %s::uuid)", (owner_sub, sub, member_id))
    except errors.DatabaseError as exc:
        code = _LINK_REFUSALS.get(exc.sqlstate or "")
        if code is None:
            raise
        raise LinkRefused(code) from exc


_CONNECTION = """
select id::text as id, member_id::text as member_id, account, token_ref, status, broken_reason, broken_at,
       synced_at, channel_id, channel_resource_id, channel_expires_at
from calendar_connections
"""


def _connection(row: Row) -> ConsoleConnection:
    return ConsoleConnection(
        row["id"],
        row["member_id"],
        row["account"],
        row["token_ref"],
        row["status"],
        row["broken_reason"],
        row["broken_at"],
        row["synced_at"],
        row["channel_id"],
        row["channel_resource_id"],
        row["channel_expires_at"],
    )


def connections(db: Database) -> dict[str, ConsoleConnection]:
    """MemberName id -> its Google calendar connection."""
    rows = db.fetch_all(_CONNECTION + " where provider = %s", (PROVIDER,))
    return {r["member_id"]: _connection(r) for r in rows}


def connection_for(db: Database, member_id: str) -> ConsoleConnection | None:
    row = db.fetch_one(_CONNECTION + " where provider = %s and member_id = %s::uuid", (PROVIDER, member_id))
    return _connection(row) if row else None


def save_connection(
    db: Database,
    organization_id: str,
    *,
    connection_id: str,
    member_id: str,
    token_ref: str,
    account: str | None,
    created_by: str,
    at: datetime,
) -> None:
    """The member's connection, connected now with a fresh grant: a new row, or the existing one
    (a reconnection: broken or not) starting over as crm/calendar_connections.connect does (no sync
    state, so the next sync is a full one; `created_at` is the grant's time, which keys the
    breakage notice) and without its channel (the console stopped it)."""
    updated = db.execute(
        """
        update calendar_connections set token_ref = %s, account = %s, status = 'connected', broken_reason = null,
               broken_at = null, sync_token = null, synced_at = null, full_synced_at = null, poll_after = null,
               channel_id = null, channel_resource_id = null, channel_expires_at = null,
               created_at = %s, created_by = %s
        where provider = %s and member_id = %s::uuid
        """,
        (token_ref, account, at, created_by, PROVIDER, member_id),
    )
    if updated:
        return
    db.execute(
        """
        insert into calendar_connections (id, organization_id, member_id, provider, calendar_id, account, token_ref,
                                          status, created_at, created_by)
        values (%s::uuid, %s::uuid, %s::uuid, %s, 'primary', %s, %s, 'connected', %s, %s)
        """,
        (connection_id, organization_id, member_id, PROVIDER, account, token_ref, at, created_by),
    )


def delete_connection(db: Database, connection_id: str) -> bool:
    return db.execute("delete from calendar_connections where id = %s::uuid", (connection_id,)) > 0


def open_conflicts(db: Database, member_id: str | None = None) -> list[OpenConflict]:
    """Unresolved conflicts (an external event over one of our active appointments), soonest
    first; of one member or of every member. Never the event's title: the table has none."""
    rows = db.fetch_all(
        """
        select c.id::text as id, c.member_id::text as member_id, c.appointment_id::text as appointment_id,
               s.name as service, a.starts_at as appointment_starts_at, c.starts_at, c.ends_at, c.detected_at
        from calendar_conflicts c
        join appointments a on a.id = c.appointment_id
        join services s on s.id = a.service_id
        where c.resolved_at is null and (%s::uuid is null or c.member_id = %s::uuid)
        order by a.starts_at, c.starts_at
        """,
        (member_id, member_id),
    )
    return [
        OpenConflict(
            r["id"],
            r["member_id"],
            r["appointment_id"],
            r["service"],
            r["appointment_starts_at"],
            r["starts_at"],
            r["ends_at"],
            r["detected_at"],
        )
        for r in rows
    ]


def conflict_member(db: Database, conflict_id: str) -> str | None:
    """The member of an open conflict (None: not this business's, or resolved already)."""
    row = db.fetch_one(
        "select member_id::text as member_id from calendar_conflicts where id::text = %s and resolved_at is null",
        (conflict_id,),
    )
    return str(row["member_id"]) if row else None


def resolve_conflict(db: Database, conflict_id: str, at: datetime) -> bool:
    return (
        db.execute(
            "update calendar_conflicts set resolved_at = %s where id::text = %s and resolved_at is null",
            (at, conflict_id),
        )
        > 0
    )


def attention(db: Database) -> tuple[int, int]:
    """(open conflicts, broken connections) of the business: the owner's badge."""
    row = db.fetch_one(
        """
        select (select count(*) from calendar_conflicts where resolved_at is null) as conflicts,
               (select count(*) from calendar_connections where status = 'broken') as broken
        """
    )
    return (int(row["conflicts"]), int(row["broken"])) if row else (0, 0)
