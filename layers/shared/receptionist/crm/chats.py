"""Chat identities, the messages of a conversation, their delivery states, thread summaries
and escalations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from receptionist.crm.connection import Database, Row
from receptionist.crm.consent import FIRST_MESSAGE_GRANTS
from receptionist.crm.models import ChatIdentity

# Delivery states only move forward: received/queued < enqueued < sent < delivered < read.
# `failed` (and `undeliverable`, our own give-up) end a message: nothing moves it afterwards, and
# it never replaces `read` (a late failure report for a message the customer read is noise).
STATUS_RANK = {
    "received": 0,
    "queued": 10,
    "enqueued": 20,
    "sent": 30,
    "delivered": 40,
    "failed": 45,
    "undeliverable": 45,
    "read": 50,
}
TERMINAL_STATUSES = ("failed", "undeliverable")

_IDENTITY_COLUMNS = """id::text, organization_id::text, customer_number, display_name, contact_id::text,
    bot_enabled, opted_out, last_inbound_at, disclosure_due, disclosure_turn, disclosed_at, language, language_source"""


def _identity(row: Row) -> ChatIdentity:
    return ChatIdentity(
        id=row["id"],
        organization_id=row["organization_id"],
        customer_number=row["customer_number"],
        display_name=row["display_name"],
        contact_id=row["contact_id"],
        bot_enabled=row["bot_enabled"],
        opted_out=row["opted_out"],
        last_inbound_at=row["last_inbound_at"],
        disclosure_due=row["disclosure_due"],
        disclosure_turn=row["disclosure_turn"],
        disclosed_at=row["disclosed_at"],
        language=row["language"],
        language_source=row["language_source"],
    )


def touch_identity(
    db: Database,
    organization_id: str,
    customer_number: str,
    display_name: str | None,
    inbound_at: datetime | None,
    *,
    silence: timedelta | None = None,
) -> ChatIdentity:
    """Get or create the customer's chat identity; record their last inbound message time.

    A message `silence` or more after the previous one makes the AI disclosure due again
    (receptionist/disclosure.py; a new identity has it due). A customer's first message
    (`inbound_at` given) grants 'service' and 'reminders' in the consent register (source
    'whatsapp', crm/consent.py), for each purpose that has no event yet. One statement."""
    row = db.fetch_one(
        f"""
        with touched as (
            insert into chat_identities (organization_id, customer_number, display_name, last_inbound_at)
            values (%(org)s, %(number)s, %(name)s, %(at)s)
            on conflict (organization_id, customer_number) do update set
                display_name = coalesce(excluded.display_name, chat_identities.display_name),
                disclosure_due = chat_identities.disclosure_due or coalesce(
                    excluded.last_inbound_at - chat_identities.last_inbound_at >= %(silence)s::interval, false),
                last_inbound_at = greatest(chat_identities.last_inbound_at, excluded.last_inbound_at),
                updated_at = now()
            returning *
        ), granted as ({FIRST_MESSAGE_GRANTS})
        select {_IDENTITY_COLUMNS} from touched
        """,
        {"org": organization_id, "number": customer_number, "name": display_name, "at": inbound_at, "silence": silence},
    )
    assert row is not None
    return _identity(row)


def mark_disclosed(db: Database, organization_id: str, identity_id: str, turn_id: str, version: str) -> None:
    """The reply of `turn_id` carries the AI disclosure (`version`: which text): no longer due, and
    that turn's retries carry it again. Written before the turn is recorded. Repeating it for the
    same turn keeps the first time."""
    db.execute(
        """
        update chat_identities set disclosure_due = false, disclosed_at = now(), disclosure_version = %(version)s,
               disclosure_turn = %(turn)s, updated_at = now()
        where organization_id = %(org)s and id = %(id)s
          and (disclosure_due or disclosure_turn is distinct from %(turn)s)
        """,
        {"org": organization_id, "id": identity_id, "turn": turn_id, "version": version},
    )


def find_identity(db: Database, organization_id: str, customer_number: str) -> ChatIdentity | None:
    row = db.fetch_one(
        f"select {_IDENTITY_COLUMNS} from chat_identities where organization_id = %s and customer_number = %s",
        (organization_id, customer_number),
    )
    return _identity(row) if row else None


def set_opted_out(
    db: Database, organization_id: str, identity_id: str, opted_out: bool, at: datetime | None = None
) -> bool:
    """Apply an opt-out (or opt-in). With the event's time `at`, an event older than the one
    applied last is ignored (events can arrive out of order). Returns whether a row changed."""
    return (
        db.execute(
            """
            update chat_identities set opted_out = %(out)s, opt_changed_at = coalesce(%(at)s, now()), updated_at = now()
            where organization_id = %(org)s and id = %(id)s
              and (%(at)s::timestamptz is null or opt_changed_at is null or opt_changed_at <= %(at)s)
            """,
            {"out": opted_out, "at": at, "org": organization_id, "id": identity_id},
        )
        == 1
    )


def link_contact(db: Database, organization_id: str, identity_id: str, contact_id: str) -> None:
    db.execute(
        "update chat_identities set contact_id = %s, updated_at = now() where organization_id = %s and id = %s",
        (contact_id, organization_id, identity_id),
    )


def record_inbound(
    db: Database,
    organization_id: str,
    identity_id: str,
    *,
    provider_message_id: str,
    kind: str,
    raw: dict[str, Any],
    processed_text: str,
    turn_id: str | None = None,
    received_at: datetime | None = None,
) -> None:
    """Idempotent on the provider message id: a retried turn records nothing twice. `received_at`:
    when the webhook received it (the ticket's time; the first-reply latency starts there)."""
    db.execute(
        """
        insert into chat_messages
            (organization_id, chat_identity_id, direction, kind, raw, processed_text, status,
             provider_message_id, turn_id, received_at)
        values (%s, %s, 'inbound', %s, %s, %s, 'received', %s, %s, %s)
        on conflict (organization_id, provider_message_id) where provider_message_id is not null
        do update set processed_text = excluded.processed_text,
            received_at = coalesce(chat_messages.received_at, excluded.received_at), updated_at = now()
        """,
        (organization_id, identity_id, kind, Jsonb(raw), processed_text, provider_message_id, turn_id, received_at),
    )


def processed_texts(db: Database, organization_id: str, provider_message_ids: list[str]) -> dict[str, str]:
    """The texts stored for these inbound messages (provider id -> text), in one round trip."""
    if not provider_message_ids:
        return {}
    rows = db.fetch_all(
        """
        select provider_message_id, processed_text from chat_messages
        where organization_id = %s and provider_message_id = any(%s::text[])
          and direction = 'inbound' and processed_text is not null
        """,
        (organization_id, provider_message_ids),
    )
    return {str(r["provider_message_id"]): str(r["processed_text"]) for r in rows}


def record_outbound(
    db: Database,
    organization_id: str,
    identity_id: str,
    *,
    text: str,
    turn_id: str,
    part_index: int = 0,
    kind: str = "text",
    sent_by: str | None = None,
    template_id: str | None = None,
) -> str:
    """Record a reply part before it is sent (status queued); the same turn and part give the
    same row back, so a retried turn does not record a second reply. `sent_by`: None for the
    assistant, "staff:<e-mail>" for what a staff member wrote. `template_id`: Gupshup's id of the
    template sent (its category prices the message; docs/stats.md)."""
    row = db.fetch_one(
        """
        insert into chat_messages
            (organization_id, chat_identity_id, direction, kind, processed_text, status, turn_id, part_index, sent_by,
             template_id)
        values (%s, %s, 'outbound', %s, %s, 'queued', %s, %s, %s, %s)
        on conflict (organization_id, turn_id, direction, part_index)
            where turn_id is not null and direction = 'outbound'
        do update set updated_at = chat_messages.updated_at
        returning id::text
        """,
        (organization_id, identity_id, kind, text, turn_id, part_index, sent_by, template_id),
    )
    assert row is not None
    return str(row["id"])


def mark_sent(db: Database, organization_id: str, message_id: str, provider_message_id: str) -> None:
    """Gupshup accepted it: `accepted_at` ends the first-reply latency (docs/stats.md)."""
    db.execute(
        """
        update chat_messages set provider_message_id = %s, status = 'sent', accepted_at = now(), updated_at = now()
        where organization_id = %s and id = %s and status in ('queued', 'enqueued')
        """,
        (provider_message_id, organization_id, message_id),
    )


def mark_undeliverable(db: Database, organization_id: str, message_id: str, reason: str) -> None:
    db.execute(
        """
        update chat_messages set status = 'undeliverable', error = %s, updated_at = now()
        where organization_id = %s and id = %s and status in ('queued', 'enqueued')
        """,
        (reason[:500], organization_id, message_id),
    )


def record_status(
    db: Database,
    organization_id: str,
    provider_message_id: str,
    state: str,
    error: str | None = None,
    *,
    gupshup_message_id: str | None = None,
    whatsapp_message_id: str | None = None,
) -> bool:
    """Apply a delivery state to the outbound message it is about; never backwards (see
    STATUS_RANK). Gupshup reports `enqueued`/`failed` under its own message id and
    `sent`/`delivered`/`read` under WhatsApp's, with its own id as gsId when it has it: any of the
    ids finds the message, and the WhatsApp id given with `enqueued` is kept to link later events.
    One round trip. Returns whether the status changed."""
    rank = STATUS_RANK.get(state)
    ids = [i for i in (provider_message_id, gupshup_message_id, whatsapp_message_id) if i]
    if rank is None or not ids:
        return False
    ranks = " ".join(f"when '{name}' then {value}" for name, value in STATUS_RANK.items())
    terminal = ", ".join(f"'{name}'" for name in TERMINAL_STATUSES)
    advance = f"(t.status not in ({terminal}) and (case t.status {ranks} else 0 end) < %(rank)s)"
    row = db.fetch_one(
        f"""
        with t as (
            select id, status from chat_messages
            where organization_id = %(org)s and direction = 'outbound'
              and (provider_message_id = any(%(ids)s::text[]) or whatsapp_message_id = any(%(ids)s::text[]))
            order by created_at
            limit 1
            for update
        )
        update chat_messages m set
            status = case when {advance} then %(state)s else m.status end,
            error = case when {advance} and %(error)s::text is not null then %(error)s else m.error end,
            whatsapp_message_id = coalesce(m.whatsapp_message_id, %(wa)s),
            updated_at = now()
        from t
        where m.id = t.id
        returning t.status as before, m.status as after
        """,  # ranks and terminal come from the constants above; values are parameters
        {
            "org": organization_id,
            "ids": ids,
            "rank": rank,
            "state": state,
            "error": error[:500] if error else None,
            "wa": whatsapp_message_id,
        },
    )
    return row is not None and row["before"] != row["after"]


def save_thread_summary(db: Database, organization_id: str, identity_id: str, summary: str) -> None:
    db.execute(
        """
        insert into thread_summaries (organization_id, chat_identity_id, summary) values (%s, %s, %s)
        on conflict (organization_id, chat_identity_id) do update set summary = excluded.summary, updated_at = now()
        """,
        (organization_id, identity_id, summary),
    )


def open_escalation(
    db: Database,
    organization_id: str,
    identity_id: str,
    reason: str,
    turn_id: str | None,
    *,
    at: datetime | None = None,
    waiting_since: datetime | None = None,
    notify_at: datetime | None = None,
) -> tuple[str, bool]:
    """Hand the conversation to people (bot off) and record why, unless an escalation of another
    turn is still open: (the escalation's id, whether this call opened it). One statement;
    idempotent per turn (a retried turn finds its own escalation, still counted as opened).
    `at`: the turn's clock (None: the database's); `waiting_since`: when people can first answer
    (None: `at`); `notify_at`: staff's notice left for then (the opening), None when they are
    notified with the turn."""
    row = db.fetch_one(
        """
        with already as (
            select id from escalations
            where organization_id = %(org)s and chat_identity_id = %(id)s and status = 'open'
              and turn_id is distinct from %(turn)s
            limit 1
        ), e as (
            insert into escalations
                (organization_id, chat_identity_id, reason, turn_id, created_at, waiting_since, notify_at)
            select %(org)s, %(id)s, %(reason)s, %(turn)s, coalesce(%(at)s::timestamptz, now()),
                   coalesce(%(waiting)s::timestamptz, %(at)s::timestamptz, now()), %(notify)s
            where not exists (select 1 from already)
            on conflict (organization_id, turn_id) where turn_id is not null
            do update set reason = escalations.reason
            returning id
        ), bot_off as (
            update chat_identities set bot_enabled = false, updated_at = now()
            where organization_id = %(org)s and id = %(id)s
        )
        select coalesce((select id from e), (select id from already))::text as id,
               exists (select 1 from e) as opened
        """,
        {
            "org": organization_id,
            "id": identity_id,
            "reason": reason[:1000],
            "turn": turn_id,
            "at": at,
            "waiting": waiting_since,
            "notify": notify_at,
        },
    )
    assert row is not None and row["id"] is not None
    return str(row["id"]), bool(row["opened"])


def hand_back_to_bot(db: Database, organization_id: str, identity_id: str) -> None:
    """Staff are done: resolve open escalations, turn the bot back on and end the assignment (one
    statement)."""
    db.execute(
        """
        with resolved as (
            update escalations set status = 'resolved', resolved_at = now()
            where organization_id = %(org)s and chat_identity_id = %(id)s and status = 'open'
        )
        update chat_identities set bot_enabled = true, assigned_to = null, assigned_at = null, updated_at = now()
        where organization_id = %(org)s and id = %(id)s
        """,
        {"org": organization_id, "id": identity_id},
    )
