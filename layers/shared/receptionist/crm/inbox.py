"""What the staff console reads and changes about conversations: the inbox, one conversation's
transcript and escalations, taking a conversation over and giving it back, who a signed-in
user is, and the audit log of what people did and read. Every statement names the organization
(and row level security holds it to it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from psycopg.types.json import Jsonb

from receptionist.crm.connection import Database, Row

InboxFilter = Literal["needs_person", "mine", "unassigned", "escalated", "bot_off", "all"]
INBOX_FILTERS: tuple[InboxFilter, ...] = ("needs_person", "mine", "unassigned", "escalated", "bot_off", "all")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


OPERATOR = "operator"

# A reader's repeated reads of one conversation within this long are one audit line (the page
# refreshes its transcript every few seconds, and each action reloads it).
READ_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class StaffAccount:
    sub: str
    organization_id: str  # "" for an operator (an account of no business)
    organization_name: str
    email: str
    role: str  # owner, staff or operator
    mfa_required: bool = False  # owners and operators; staff where the business asks (console_user)

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR


@dataclass(frozen=True)
class ConversationSummary:
    identity_id: str
    customer_number: str
    display_name: str | None
    bot_enabled: bool
    opted_out: bool
    open_escalations: int
    last_activity: datetime | None
    last_text: str | None
    last_inbound_at: datetime | None
    assigned_to: str | None = None  # the console account (sub) that took it
    # Unassigned and unanswered: since when its oldest open escalation waits for people (the next
    # opening when asked for outside the hours); None: nobody is waited for.
    waiting_since: datetime | None = None
    message_left: bool = False  # the customer left a message for staff (after the assistant's offer)

    @property
    def needs_person(self) -> bool:
        return self.open_escalations > 0 or not self.bot_enabled


@dataclass(frozen=True)
class TranscriptEntry:
    id: str
    direction: str  # inbound / outbound
    kind: str  # text, audio, image... (inbound); text, template (outbound)
    text: str
    status: str
    sent_by: str | None  # None: the customer (inbound) or the assistant; "staff:<email>"
    created_at: datetime
    error: str | None


@dataclass(frozen=True)
class Escalation:
    id: str
    reason: str
    status: str
    created_at: datetime
    customer_message: str | None = None  # what the customer left for staff after the offer
    message_at: datetime | None = None


def is_id(value: str) -> bool:
    """Whether `value` can be a row id (anything else is simply not found, never an SQL error)."""
    return bool(_UUID.match(value))


def staff_account(db: Database, sub: str) -> StaffAccount | None:
    """The console user behind a verified token's `sub` (the one read across organizations). An
    operator's account has no organization (""): only the operator pages accept it."""
    row = db.fetch_one(
        "select sub, organization_id::text as organization_id, organization_name, email, role, mfa_required"
        " from console_user(%s)",
        (sub,),
    )
    return account_of(row)


def account_of(row: Any) -> StaffAccount | None:
    """The account a console_user()-shaped row names (None when its role and business disagree)."""
    if row is None:
        return None
    role = str(row["role"])
    if (role == OPERATOR) != (row["organization_id"] is None):  # the table's check; never trusted blindly
        return None
    return StaffAccount(
        str(row["sub"]),
        str(row["organization_id"] or ""),
        str(row["organization_name"] or ""),
        str(row["email"]),
        role,
        bool(row["mfa_required"]),
    )


_SUMMARY = """
    select i.id::text as identity_id, i.customer_number, i.display_name, i.bot_enabled, i.opted_out,
           i.last_inbound_at,
           (select count(*) from escalations e
             where e.organization_id = i.organization_id and e.chat_identity_id = i.id and e.status = 'open')
             as open_escalations,
           last.created_at as last_activity, last.processed_text as last_text, i.assigned_to,
           (select min(coalesce(e.waiting_since, e.created_at)) from escalations e
             where e.organization_id = i.organization_id and e.chat_identity_id = i.id and e.status = 'open'
               and i.assigned_to is null
               and not exists (select 1 from chat_messages m
                               where m.organization_id = e.organization_id and m.chat_identity_id = e.chat_identity_id
                                 and m.direction = 'outbound' and m.sent_by like 'staff:%%'
                                 and m.created_at >= e.created_at)) as waiting_since,
           exists (select 1 from escalations e
                   where e.organization_id = i.organization_id and e.chat_identity_id = i.id and e.status = 'open'
                     and e.customer_message is not null) as message_left
    from chat_identities i
    left join lateral (
        select m.created_at, m.processed_text from chat_messages m
        where m.organization_id = i.organization_id and m.chat_identity_id = i.id
        order by m.created_at desc limit 1
    ) last on true
    where i.organization_id = %(org)s
"""


def _summary(row: Row) -> ConversationSummary:
    return ConversationSummary(
        identity_id=str(row["identity_id"]),
        customer_number=str(row["customer_number"]),
        display_name=row["display_name"],
        bot_enabled=bool(row["bot_enabled"]),
        opted_out=bool(row["opted_out"]),
        open_escalations=int(row["open_escalations"]),
        last_activity=row["last_activity"],
        last_text=row["last_text"],
        last_inbound_at=row["last_inbound_at"],
        assigned_to=row["assigned_to"],
        waiting_since=row["waiting_since"],
        message_left=bool(row["message_left"]),
    )


def list_conversations(
    db: Database,
    organization_id: str,
    *,
    show: InboxFilter = "all",
    search: str = "",
    limit: int = 100,
    me: str | None = None,
) -> list[ConversationSummary]:
    """The organization's conversations by latest activity, filtered and searched by name or
    number. "mine": assigned to the account `me` (its sub); "unassigned": needing a person and
    taken by nobody."""
    conditions = {
        "needs_person": " and (not i.bot_enabled or exists (select 1 from escalations e where"
        " e.organization_id = i.organization_id and e.chat_identity_id = i.id and e.status = 'open'))",
        "escalated": " and exists (select 1 from escalations e where e.organization_id = i.organization_id"
        " and e.chat_identity_id = i.id and e.status = 'open')",
        "bot_off": " and not i.bot_enabled",
        "all": "",
    }
    conditions["mine"] = " and i.assigned_to = %(me)s"
    conditions["unassigned"] = conditions["needs_person"] + " and i.assigned_to is null"
    sql = _SUMMARY + conditions[show]
    params: dict[str, Any] = {"org": organization_id, "limit": max(1, min(limit, 500)), "me": me or ""}
    term = search.strip()
    if term:
        sql += " and (i.display_name ilike %(like)s or i.customer_number like %(digits)s)"
        digits = re.sub(r"\D", "", term)
        params["like"] = f"%{_escape_like(term)}%"
        params["digits"] = f"%{digits}%" if digits else "-"  # no digits: no number matches "-"
    sql += " order by coalesce(last.created_at, i.updated_at) desc limit %(limit)s"
    return [_summary(r) for r in db.fetch_all(sql, params)]


def conversation(db: Database, organization_id: str, identity_id: str) -> ConversationSummary | None:
    """One conversation of this organization (None for another's, or no such id)."""
    if not is_id(identity_id):
        return None
    row = db.fetch_one(_SUMMARY + " and i.id = %(id)s", {"org": organization_id, "id": identity_id})
    return _summary(row) if row else None


def contact_id_of(db: Database, organization_id: str, identity_id: str) -> str | None:
    row = db.fetch_one(
        "select contact_id::text as contact_id from chat_identities where organization_id = %s and id = %s",
        (organization_id, identity_id),
    )
    return str(row["contact_id"]) if row and row["contact_id"] else None


def transcript(
    db: Database, organization_id: str, identity_id: str, *, after: datetime | None = None, limit: int = 200
) -> list[TranscriptEntry]:
    """The conversation's messages, oldest first (the newest `limit`), or those after `after`:
    customer texts, voice note transcripts and photo descriptions (what was processed), the
    assistant's and staff's replies with their delivery states."""
    rows = db.fetch_all(
        """
        select * from (
            select id::text as id, direction, kind, coalesce(processed_text, raw #>> '{payload,text}', '') as text,
                   status, sent_by, created_at, error
            from chat_messages
            where organization_id = %(org)s and chat_identity_id = %(id)s
              and (%(after)s::timestamptz is null or created_at > %(after)s)
            order by created_at desc, part_index desc
            limit %(limit)s
        ) recent order by created_at, id
        """,
        {"org": organization_id, "id": identity_id, "after": after, "limit": limit},
    )
    return [
        TranscriptEntry(
            str(r["id"]),
            str(r["direction"]),
            str(r["kind"]),
            str(r["text"]),
            str(r["status"]),
            r["sent_by"],
            r["created_at"],
            r["error"],
        )
        for r in rows
    ]


def escalations(db: Database, organization_id: str, identity_id: str) -> list[Escalation]:
    rows = db.fetch_all(
        "select id::text as id, reason, status, created_at, customer_message, message_at from escalations"
        " where organization_id = %s and chat_identity_id = %s order by created_at desc limit 20",
        (organization_id, identity_id),
    )
    return [
        Escalation(
            str(r["id"]), str(r["reason"]), str(r["status"]), r["created_at"], r["customer_message"], r["message_at"]
        )
        for r in rows
    ]


def take_over(db: Database, organization_id: str, identity_id: str, sub: str) -> bool:
    """A person owns the conversation: it is assigned to them (the account's `sub`) and the
    assistant stays quiet until it is handed back (which ends the assignment)."""
    changed = db.execute(
        "update chat_identities set bot_enabled = false, assigned_to = %s, assigned_at = now(), updated_at = now()"
        " where organization_id = %s and id = %s",
        (sub, organization_id, identity_id),
    )
    return changed > 0


def resolve_escalations(db: Database, organization_id: str, identity_id: str) -> int:
    """Close the open escalations (the bot stays as it is)."""
    return db.execute(
        "update escalations set status = 'resolved', resolved_at = now()"
        " where organization_id = %s and chat_identity_id = %s and status = 'open'",
        (organization_id, identity_id),
    )


def record_audit(
    db: Database,
    organization_id: str | None,
    actor: str,
    action: str,
    target: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Who did what, and when: the console's every change, sign-in and sign-out. The log only
    grows (no function role may change or delete a line). organization_id None: an operator's
    own line, of no business, written with no tenant set (policy operator_lines)."""
    db.execute(
        "insert into audit_log (organization_id, actor, action, target, details) values (%s, %s, %s, %s, %s)",
        (organization_id, actor, action, target, Jsonb(details or {})),
    )


def record_read(
    db: Database, organization_id: str, actor: str, action: str, target: str, window: timedelta = READ_WINDOW
) -> bool:
    """Who read what (a conversation's transcript: health data), and when: a line unless this
    reader's last read of `target` is less than `window` old. One statement; whether it wrote."""
    written = db.execute(
        """
        insert into audit_log (organization_id, actor, action, target)
        select %(org)s, %(actor)s, %(action)s, %(target)s
        where not exists (
            select 1 from audit_log
            where organization_id = %(org)s and actor = %(actor)s and action = %(action)s and target = %(target)s
              and at > now() - %(window)s
        )
        """,
        {"org": organization_id, "actor": actor, "action": action, "target": target, "window": window},
    )
    return written == 1


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class OrganizationContext:
    """What the console needs of its own organization: its Gupshup app (conversation keys), time
    zone (appointment times) and language (what a customer of unknown language is written in)."""

    app_name: str | None
    timezone: str
    language: str = "es"


def organization_context(db: Database, organization_id: str) -> OrganizationContext:
    row = db.fetch_one(
        """
        select (select app_name from platform_connections
                 where organization_id = %(org)s and provider = 'gupshup' and active
                 order by created_at limit 1) as app_name,
               coalesce((select timezone from agent_settings where organization_id = %(org)s), 'Europe/Madrid')
                 as timezone,
               coalesce((select language from agent_settings where organization_id = %(org)s), 'es') as language
        """,
        {"org": organization_id},
    )
    assert row is not None
    return OrganizationContext(row["app_name"], str(row["timezone"]), str(row["language"]))
