"""Handing conversations to people, in the CRM: a business's opening hours for people (its own, or
the union of its active staff's weekly hours), its handoff settings, the state of an escalation's
follow-ups with their exactly-once claims, the message a customer leaves for staff, and who a
conversation is assigned to. Every statement names the organization (row level security holds it
to it); the one cross-business read is due_handoffs(), a SECURITY DEFINER function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from receptionist.crm.connection import Database
from receptionist.crm.inbox import is_id
from receptionist.crm.opening_hours import Closure, OpeningHours, OpeningInterval

Step = Literal["notice", "renotify", "offer"]
# In the order a pass takes them: the deferred opening notice, the re-notice at N, the offer at M.
STEPS: Final[tuple[Step, ...]] = ("notice", "renotify", "offer")
# Each step's claim and queue columns (escalations.<step>_claimed_at / <step>_queued_at).
_COLUMNS: Final[dict[Step, tuple[str, str]]] = {s: (f"{s}_claimed_at", f"{s}_queued_at") for s in STEPS}

OutsideHoursNotice = Literal["now", "at_opening"]
OUTSIDE_HOURS_NOTICES: Final[tuple[OutsideHoursNotice, ...]] = ("now", "at_opening")


@dataclass(frozen=True)
class HandoffSettings:
    """notification_settings' handoff columns (their defaults when the business has no row)."""

    outside_hours_notice: OutsideHoursNotice = "now"
    renotify_after_minutes: int = 10
    message_offer_after_minutes: int = 30


@dataclass(frozen=True)
class HandoffState:
    """One open escalation, as the follow-up pass needs it."""

    id: str
    organization_id: str
    reason: str
    created_at: datetime
    waiting_since: datetime
    notify_at: datetime | None
    claimed: dict[Step, datetime | None]
    queued: dict[Step, datetime | None]
    customer_number: str
    app_name: str | None
    language: str  # the business's (agent_settings.language)
    taken: bool  # assigned to someone, or staff wrote to the customer since it was opened
    customer_language: str | None = None  # chat_identities.language: what the customer is written in


def opening_hours(db: Database, organization_id: str, at: datetime) -> OpeningHours:
    """The business's hours for people (its own rows, else its active members' hours, merged) and
    its closures from a day before `at` on. Two round trips."""
    row = db.fetch_one(
        """
        with own as (
            select weekday, starts, ends from opening_hours where organization_id = %(org)s
        ), staff as (
            select h.weekday, h.starts, h.ends from member_hours h
            join members m on m.organization_id = h.organization_id and m.id = h.member_id
            where h.organization_id = %(org)s and m.active and not exists (select 1 from own)
        ), hours as (select * from own union all select * from staff)
        select coalesce((select timezone from agent_settings where organization_id = %(org)s), 'Europe/Madrid')
                 as timezone,
               coalesce((select jsonb_agg(jsonb_build_array(weekday, (extract(epoch from starts) / 60)::int,
                                                            (extract(epoch from ends) / 60)::int))
                         from hours), '[]'::jsonb) as intervals
        """,
        {"org": organization_id},
    )
    assert row is not None
    closures = db.fetch_all(
        "select starts_at, ends_at from member_time_off where organization_id = %s and member_id is null"
        " and ends_at > %s order by starts_at limit 100",
        (organization_id, at - timedelta(days=1)),
    )
    return OpeningHours(
        tuple(OpeningInterval(int(w), int(s), int(e)) for w, s, e in row["intervals"]),
        str(row["timezone"]),
        tuple(Closure(c["starts_at"], c["ends_at"]) for c in closures),
    )


def own_opening_hours(db: Database, organization_id: str) -> list[tuple[str, int, int, int]]:
    """The business's own rows (id, weekday, start minute, end minute), for the settings page."""
    rows = db.fetch_all(
        "select id::text as id, weekday, (extract(epoch from starts) / 60)::int as starts,"
        " (extract(epoch from ends) / 60)::int as ends from opening_hours where organization_id = %s"
        " order by weekday, starts",
        (organization_id,),
    )
    return [(str(r["id"]), int(r["weekday"]), int(r["starts"]), int(r["ends"])) for r in rows]


def add_opening_hours(db: Database, organization_id: str, weekday: int, starts: str, ends: str) -> str:
    row = db.fetch_one(
        "insert into opening_hours (organization_id, weekday, starts, ends) values (%s, %s, %s::time, %s::time)"
        " returning id::text as id",
        (organization_id, weekday, starts, ends),
    )
    assert row is not None
    return str(row["id"])


def delete_opening_hours(db: Database, organization_id: str, hours_id: str) -> bool:
    if not is_id(hours_id):
        return False
    sql = "delete from opening_hours where organization_id = %s and id = %s"
    return db.execute(sql, (organization_id, hours_id)) > 0


def handoff_settings(db: Database, organization_id: str) -> HandoffSettings:
    row = db.fetch_one(
        "select outside_hours_notice, renotify_after_minutes, message_offer_after_minutes"
        " from notification_settings where organization_id = %s",
        (organization_id,),
    )
    if row is None:
        return HandoffSettings()
    notice: OutsideHoursNotice = "at_opening" if row["outside_hours_notice"] == "at_opening" else "now"
    return HandoffSettings(notice, int(row["renotify_after_minutes"]), int(row["message_offer_after_minutes"]))


def save_handoff_settings(db: Database, organization_id: str, settings: HandoffSettings) -> None:
    db.execute(
        """
        insert into notification_settings (organization_id, outside_hours_notice, renotify_after_minutes,
                                           message_offer_after_minutes)
        values (%s, %s, %s, %s)
        on conflict (organization_id) do update set outside_hours_notice = excluded.outside_hours_notice,
            renotify_after_minutes = excluded.renotify_after_minutes,
            message_offer_after_minutes = excluded.message_offer_after_minutes
        """,
        (
            organization_id,
            settings.outside_hours_notice,
            settings.renotify_after_minutes,
            settings.message_offer_after_minutes,
        ),
    )


# -- the follow-up pass -------------------------------------------------------------------------
def due_handoffs(db: Database, at: datetime) -> list[tuple[str, str]]:
    """(organization, escalation id) of open escalations whose follow-ups are not all done."""
    rows = db.fetch_all("select organization_id::text, escalation_id::text from public.due_handoffs(%s)", (at,))
    return [(str(r["organization_id"]), str(r["escalation_id"])) for r in rows]


def handoff_state(db: Database, organization_id: str, escalation_id: str) -> HandoffState | None:
    """The escalation while it is open, with what the pass needs to decide and to say."""
    steps = ", ".join(f"e.{c}, e.{q}" for c, q in _COLUMNS.values())
    row = db.fetch_one(
        f"""
        select e.id::text as id, e.reason, e.created_at, coalesce(e.waiting_since, e.created_at) as waiting_since,
               e.notify_at, {steps}, i.customer_number,
               (select app_name from platform_connections p
                 where p.organization_id = e.organization_id and p.provider = 'gupshup' and p.active
                 order by p.created_at limit 1) as app_name,
               coalesce((select language from agent_settings s where s.organization_id = e.organization_id), 'es')
                 as language, i.language as customer_language,
               (i.assigned_to is not null or exists (
                   select 1 from chat_messages m
                   where m.organization_id = e.organization_id and m.chat_identity_id = e.chat_identity_id
                     and m.direction = 'outbound' and m.sent_by like 'staff:%%' and m.created_at >= e.created_at
               )) as taken
        from escalations e
        join chat_identities i on i.organization_id = e.organization_id and i.id = e.chat_identity_id
        where e.organization_id = %(org)s and e.id = %(id)s and e.status = 'open'
        """,  # the column names come from _COLUMNS; values are parameters
        {"org": organization_id, "id": escalation_id},
    )
    if row is None:
        return None
    return HandoffState(
        id=str(row["id"]),
        organization_id=organization_id,
        reason=str(row["reason"]),
        created_at=row["created_at"],
        waiting_since=row["waiting_since"],
        notify_at=row["notify_at"],
        claimed={s: row[c] for s, (c, _) in _COLUMNS.items()},
        queued={s: row[q] for s, (_, q) in _COLUMNS.items()},
        customer_number=str(row["customer_number"]),
        app_name=row["app_name"],
        language=str(row["language"]),
        taken=bool(row["taken"]),
        customer_language=row["customer_language"],
    )


def claim_step(db: Database, organization_id: str, escalation_id: str, step: Step, at: datetime) -> bool:
    """Claim a follow-up: of two passes, one wins (the UPDATE's row lock and its condition)."""
    claimed, _ = _COLUMNS[step]
    return (
        db.execute(
            f"update escalations set {claimed} = %s where organization_id = %s and id = %s and {claimed} is null",
            (at, organization_id, escalation_id),
        )
        == 1
    )


def mark_queued(db: Database, organization_id: str, escalation_id: str, step: Step, at: datetime) -> None:
    _, queued = _COLUMNS[step]
    db.execute(
        f"update escalations set {queued} = coalesce({queued}, %s) where organization_id = %s and id = %s",
        (at, organization_id, escalation_id),
    )


def note_customer_message(
    db: Database, organization_id: str, identity_id: str, turn_id: str, text: str, at: datetime
) -> bool:
    """The customer's message after the assistant offered to take one: kept on the open escalation
    for staff (the first one; a retry of the same turn finds it its own). Whether it is this turn's."""
    row = db.fetch_one(
        """
        update escalations set customer_message = %(text)s, message_at = %(at)s, message_turn = %(turn)s
        where id = (
            select id from escalations
            where organization_id = %(org)s and chat_identity_id = %(id)s and status = 'open'
              and offer_queued_at is not null
              and (customer_message is null or message_turn = %(turn)s)
              and not exists (select 1 from chat_identities i
                              where i.organization_id = %(org)s and i.id = %(id)s and i.assigned_to is not null)
            order by created_at desc limit 1
        ) and organization_id = %(org)s
        returning id
        """,
        {"org": organization_id, "id": identity_id, "turn": turn_id, "text": text[:4000], "at": at},
    )
    return row is not None


# -- who a conversation is assigned to ------------------------------------------------------------
def assignee_whatsapp(db: Database, organization_id: str, identity_id: str) -> str | None:
    """The own WhatsApp number of the staff member the conversation is assigned to, if they gave one."""
    row = db.fetch_one("select public.assignee_whatsapp(%s::uuid) as number", (identity_id,))
    return str(row["number"]) if row and row["number"] else None


def own_whatsapp(db: Database, sub: str) -> str | None:
    row = db.fetch_one("select public.own_whatsapp(%s) as number", (sub,))
    return str(row["number"]) if row and row["number"] else None


def set_own_whatsapp(db: Database, sub: str, number: str | None) -> bool:
    row = db.fetch_one("select public.set_own_whatsapp(%s, %s) as changed", (sub, number))
    return bool(row and row["changed"])
