"""Members' connected calendars (calendar_connections, docs/calendar.md): one per member and
provider. The row names the SSM SecureString holding the refresh token (`token_ref`), never the
token. Within one organization (row level security), except the passes across businesses, which
go through SECURITY DEFINER functions that return ids only (migration 20261209010000_calendar.sql).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.provider import Channel
from receptionist.crm.availability import is_uuid
from receptionist.crm.connection import Database, Row

_COLUMNS = """c.id::text, c.organization_id::text, c.member_id::text, c.provider, c.calendar_id, c.token_ref,
       c.status, coalesce(s.timezone, 'UTC') as timezone, c.sync_token, c.channel_id, c.channel_resource_id,
       c.channel_expires_at, c.synced_at, c.broken_reason, c.created_at"""

_SELECT = f"""
select {_COLUMNS}
from calendar_connections c
left join agent_settings s on s.organization_id = c.organization_id
"""

_CONNECT = f"""
with c as (
    insert into calendar_connections
        (id, organization_id, member_id, provider, calendar_id, account, token_ref, created_by)
    values (%(id)s, %(org)s, %(member)s, %(provider)s, %(calendar)s, %(account)s, %(ref)s, %(by)s)
    on conflict (organization_id, member_id, provider) do update
        set token_ref = excluded.token_ref, account = excluded.account, calendar_id = excluded.calendar_id,
            status = 'connected', broken_reason = null, broken_at = null,
            sync_token = null, synced_at = null, full_synced_at = null, poll_after = null,
            created_at = now(), created_by = excluded.created_by
    returning *
)
select {_COLUMNS} from c left join agent_settings s on s.organization_id = c.organization_id
"""


def _connection(row: Row) -> CalendarConnection:
    channel = None
    if row["channel_id"] and row["channel_expires_at"] is not None:
        channel = Channel(row["channel_id"], row["channel_resource_id"] or "", row["channel_expires_at"])
    return CalendarConnection(
        id=row["id"],
        organization_id=row["organization_id"],
        member_id=row["member_id"],
        provider=row["provider"],
        calendar_id=row["calendar_id"],
        token_ref=row["token_ref"],
        status=row["status"],
        timezone=row["timezone"],
        sync_token=row["sync_token"],
        channel=channel,
        synced_at=row["synced_at"],
        broken_reason=row["broken_reason"],
        connected_at=row["created_at"],  # a reconnection sets it anew (_CONNECT)
    )


def get(db: Database, organization_id: str, connection_id: str) -> CalendarConnection | None:
    if not (is_uuid(organization_id) and is_uuid(connection_id)):
        return None
    row = db.fetch_one(_SELECT + " where c.organization_id = %s and c.id = %s", (organization_id, connection_id))
    return _connection(row) if row else None


def for_member(
    db: Database, organization_id: str, member_id: str, provider: str = "google"
) -> CalendarConnection | None:
    if not (is_uuid(organization_id) and is_uuid(member_id)):
        return None
    row = db.fetch_one(
        _SELECT + " where c.organization_id = %s and c.member_id = %s and c.provider = %s",
        (organization_id, member_id, provider),
    )
    return _connection(row) if row else None


def list_connections(db: Database, organization_id: str) -> list[CalendarConnection]:
    """The organization's connections, broken ones first (what the console shows)."""
    if not is_uuid(organization_id):
        return []
    rows = db.fetch_all(
        _SELECT + " where c.organization_id = %s order by c.status = 'connected', c.created_at, c.id",
        (organization_id,),
    )
    return [_connection(r) for r in rows]


def connect(
    db: Database,
    organization_id: str,
    member_id: str,
    *,
    connection_id: str,
    token_ref: str,
    account: str | None,
    created_by: str | None,
    provider: str = "google",
    calendar_id: str = "primary",
) -> CalendarConnection:
    """The member's connection, new or connected again (a fresh grant: broken no more, and the
    next sync is a full one). Connecting again keeps the row's id: `connection_id` is used for a
    new row only."""
    row = db.fetch_one(
        _CONNECT,
        {
            "id": connection_id,
            "org": organization_id,
            "member": member_id,
            "provider": provider,
            "calendar": calendar_id,
            "account": account,
            "ref": token_ref,
            "by": created_by,
        },
    )
    assert row is not None
    return _connection(row)


def disconnect(db: Database, organization_id: str, connection_id: str) -> CalendarConnection | None:
    """Remove the connection (its events and busy blocks go with it); the removed row, so the
    caller can delete its refresh token and stop its channel. None: there was none."""
    if not (is_uuid(organization_id) and is_uuid(connection_id)):
        return None
    row = db.fetch_one(
        f"""
        with c as (delete from calendar_connections where organization_id = %s and id = %s returning *)
        select {_COLUMNS} from c left join agent_settings s on s.organization_id = c.organization_id
        """,
        (organization_id, connection_id),
    )
    return _connection(row) if row else None


def mark_broken(db: Database, organization_id: str, connection_id: str, reason: str, at: datetime) -> bool:
    """The grant is gone (`reason`: a short code, e.g. "invalid_grant"). True when this call broke
    it (so the owner is told once); False when it was broken already or is not there."""
    return (
        db.execute(
            "update calendar_connections set status = 'broken', broken_reason = %s, broken_at = %s"
            " where organization_id = %s and id = %s and status = 'connected'",
            (reason, at, organization_id, connection_id),
        )
        == 1
    )


def set_channel(db: Database, organization_id: str, connection_id: str, channel: Channel | None) -> None:
    """The push channel now watching the calendar (None: none)."""
    db.execute(
        "update calendar_connections set channel_id = %s, channel_resource_id = %s, channel_expires_at = %s"
        " where organization_id = %s and id = %s",
        (
            channel.id if channel else None,
            channel.resource_id if channel else None,
            channel.expires_at if channel else None,
            organization_id,
            connection_id,
        ),
    )


def poll_after(db: Database, organization_id: str, connection_id: str, at: datetime) -> None:
    """Leave the connection out of the safety net's poll until `at` (a provider asking to wait)."""
    db.execute(
        "update calendar_connections set poll_after = %s where organization_id = %s and id = %s",
        (at, organization_id, connection_id),
    )


# -- across businesses (SECURITY DEFINER functions; ids only) -----------------------------------
def poll_due(db: Database, at: datetime, stale: timedelta, max_rows: int) -> list[tuple[str, str]]:
    """(organization id, connection id) of connected calendars not synced for `stale`."""
    rows = db.fetch_all(
        "select organization_id::text, connection_id::text from public.calendar_poll_due(%s, %s, %s)",
        (at, stale, max_rows),
    )
    return [(r["organization_id"], r["connection_id"]) for r in rows]


def channels_due(db: Database, before: datetime, max_rows: int) -> list[tuple[str, str]]:
    """(organization id, connection id) of connected calendars whose channel ends before `before`
    (or that have none)."""
    rows = db.fetch_all(
        "select organization_id::text, connection_id::text from public.calendar_channels_due(%s, %s)",
        (before, max_rows),
    )
    return [(r["organization_id"], r["connection_id"]) for r in rows]


def by_channel(db: Database, channel_id: str) -> tuple[str, str] | None:
    """(organization id, connection id) of the connection a push notification names."""
    row = db.fetch_one(
        "select organization_id::text, connection_id::text from public.calendar_connection_by_channel(%s)",
        (channel_id,),
    )
    return (row["organization_id"], row["connection_id"]) if row else None
