"""THE DATA MAP: every store that holds one customer's data of one business, declared once.

Erasure and blocking (`receptionist.privacy.forget`) walk it; retention removes a customer through
the same ForgetService and export reads the same places, so all three reach the same stores. A table
or store added later is covered here or a test fails (`tests/integration/privacy/test_data_map.py`:
every public table that can hold a customer's data must be in `TABLES`, every store in `STORES` is
documented in docs/privacy.md).

Who: a customer of a business is `Customer` (organization id, WhatsApp number, the business's
Gupshup apps). Their items in each store are found from that alone (`receptionist.privacy.keys`),
or from identifiers only the CRM knows (`CrmRefs`: their conversations' ids, the notifier's job
ids of messages to them, media kept by an earlier block), which the CRM hands over before its rows
go (`forget_begin`, migration 20261207090000_customer_erasure.sql).

What, per store (`STORES`, in the order an erasure reaches them; the CRM last, since it is where
the other stores' references come from):

| name            | where                                  | finder / eraser (port)                |
|-----------------|----------------------------------------|---------------------------------------|
| `langfuse`      | Langfuse traces (tracing on)           | `CustomerItems`: ids by session       |
| `idempotency`   | DynamoDB idempotency table             | `CustomerItems`: ids from CrmRefs     |
| `checkpoints`   | DynamoDB checkpoints + S3 checkpoints/ | `CustomerItems`: the thread           |
| `conversations` | DynamoDB conversations table           | `CustomerItems`: the partitions       |
| `media`         | S3 media/ (and blocked/)               | `MediaFiles`: folders; copy for block |
| `crm`           | Postgres, every table in `TABLES`      | the SQL functions forget_begin/finish |

How to reuse it:

- **Export** (Art. 15/20): the CRM's whole record of a customer is one JSON document, the SQL
  function `public.privacy_customer_record(organization, number)` (owner only;
  `receptionist.crm.privacy.customer_record`); their media files are `MediaFiles.find` +
  `MediaFiles.read` (`receptionist.adapters.privacy_stores.S3MediaFiles`). The working copies in
  DynamoDB, checkpoints and Langfuse repeat what the CRM records.
- **Retention** (`receptionist.retention`): `StoreInfo.kept` is each store's default life. A
  customer whose time is up is removed by the ForgetService itself (an erasure whose request's actor
  is 'retention'), so `TABLES`' treatments apply unchanged: `deleted` rows go, `anonymised` rows lose
  the link to the person; media, usage and the vault have passes of their own (service.py).
- **Erasure / blocking**: `receptionist.privacy.forget.ForgetService` (`python -m
  receptionist.ops.forget`, the console's owner action).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

from receptionist.conversation_key import ConversationKey
from receptionist.privacy import keys

Mode = Literal["block", "erase"]
MODES: Final[tuple[Mode, ...]] = ("block", "erase")


@dataclass(frozen=True)
class Customer:
    """One customer of one business: what every store's items are found by."""

    organization_id: str
    number: str  # digits only, as WhatsApp gives it
    apps: tuple[str, ...] = ()  # the business's Gupshup apps, active or not: one conversation each
    # keys.pseudonym under the customer key (SSM trace-user-key): the traces' user id, the audit's
    # name for them; "" where no key is at hand.
    pseudonym: str = ""

    @property
    def conversations(self) -> tuple[str, ...]:
        return tuple(str(ConversationKey(app, self.number)) for app in self.apps)

    @property
    def thread(self) -> str:
        return keys.thread_id(self.organization_id, self.number)


@dataclass(frozen=True)
class CrmRefs:
    """What the CRM knows that keys the customer's items in other stores (read before its rows go)."""

    identity_ids: tuple[str, ...] = ()  # chat_identities.id: the Langfuse sessions, the console's URLs
    # (job or turn id, highest part index) of every message to the customer, and (reminder#<id>, 0)
    # for each of their reminders: the notifier's idempotency keys (keys.notifier_job_keys).
    outbound: tuple[tuple[str, int], ...] = ()
    escalation_turns: tuple[str, ...] = ()  # turns that opened an escalation: staff notices
    staff_numbers: tuple[str, ...] = ()  # who those notices went to (part of their send keys)
    blocked_media: tuple[str, ...] = ()  # S3 keys of media an earlier block kept (the vault's)


class CustomerItems(Protocol):
    """One store's items of one customer: found by the customer (and the CRM's references),
    deleted by the keys `find` returned. Both idempotent: a key already gone is not an error."""

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]: ...

    def delete(self, keys: Sequence[str]) -> int:
        """Deletes them; how many there were (0 for keys already gone, where the store can tell)."""
        ...


class MediaFiles(CustomerItems, Protocol):
    """The customer's media copies, which a block keeps (moved under `keys.blocked_prefix`) and an
    export hands over."""

    def find_blocked(self, customer_ref: str) -> list[str]:
        """Media a block kept for this pseudonym (every block of theirs)."""
        ...

    def find_exports(self, organization_id: str, refs: CrmRefs) -> list[str]:
        """Archives of the customer's data the console left for an owner's download (exports/,
        kept a day): a copy, deleted by erase and block alike."""
        ...

    def keep(self, keys: Sequence[str], prefix: str) -> list[str]:
        """Copies each object under `prefix` (its key kept after it); the copies' keys."""
        ...

    def read(self, key: str) -> bytes: ...


StoreName = Literal["langfuse", "idempotency", "checkpoints", "conversations", "media", "crm"]


@dataclass(frozen=True)
class StoreInfo:
    """One row of the data map (docs/privacy.md, "Data map")."""

    name: StoreName
    where: str
    holds: str  # the personal data in it
    kept: str  # how long, by default
    erase: str  # what `erase` does to the customer's items
    block: str  # what `block` does


STORES: Final[tuple[StoreInfo, ...]] = (
    StoreInfo(
        "langfuse",
        "Langfuse (only when LangfuseHost is set)",
        "each turn's texts (the customer's words, transcripts and photo descriptions, the replies, "
        "tool arguments such as a name), under the conversation's id as session and a keyed user id",
        "Langfuse's own retention setting; a customer removed by retention loses their traces with them",
        "the traces of every conversation of the customer are deleted through Langfuse's public API "
        "(listed by session, then DELETE /api/public/traces); Langfuse removes them within ~15 minutes",
        "deleted too (a debugging copy: the blocked record is the CRM's)",
    ),
    StoreInfo(
        "idempotency",
        "DynamoDB idempotency table",
        "no text or number: a hash of the notifier's job or send key, counts, Gupshup's message id",
        "4 days (TTL)",
        "the records of every job and send to the customer are deleted (their keys derive from the "
        "CRM's messages, reminders and escalations)",
        "deleted",
    ),
    StoreInfo(
        "checkpoints",
        "DynamoDB checkpoints table, S3 checkpoints/",
        "the agent's memory of the conversation (messages, tool calls, summary); the number is in the keys",
        "30 days (TTL); S3 payloads 90 days",
        "the thread `<organization>:<number>` is deleted: checkpoints, their writes and payloads",
        "deleted (the assistant must not remember a blocked customer)",
    ),
    StoreInfo(
        "conversations",
        "DynamoDB conversations table",
        "buffered messages (Gupshup's payload: text, name, media URL), turn records (the reply); "
        "the number is in the keys",
        "7 days (TTL)",
        "every item of `CONV#<app>#<number>`, for each of the business's apps, is deleted",
        "deleted (working state; the CRM holds the record)",
    ),
    StoreInfo(
        "media",
        "S3 media/ (and blocked/, exports/)",
        "voice notes and photos the customer sent; an export of their data an owner downloaded that day",
        "each business's media_retention_days (default 30, at most the bucket's ExpireMedia: 365 days in prod, "
        "30 in dev), deleted by the nightly retention; blocked/ until the block's date",
        "the conversations' folders are deleted, any copy an earlier block kept, and their exports",
        "moved to blocked/<pseudonym>/<request>/, listed in the vault, deleted from media/; exports deleted",
    ),
    StoreInfo(
        "crm",
        "Supabase Postgres (TABLES)",
        "contact, conversations and every message, summaries, escalations, appointments, usage",
        "until the customer has no activity for the business's retention_months (default 12): removed whole "
        "by the nightly retention, as an erasure; usage rows usage_retention_months (default 24)",
        "see TABLES: the customer's rows deleted, appointments and usage kept as anonymous rows",
        "the customer's record is copied to the vault (blocked_customers, owner only) with its "
        "date, then treated as by erase",
    ),
)
STORE_ORDER: Final[tuple[StoreName, ...]] = tuple(s.name for s in STORES)

Treatment = Literal["deleted", "anonymised", "kept", "vault", "not_personal"]


@dataclass(frozen=True)
class TableRule:
    """How one public table holds a customer's data, and what an erasure does to it."""

    treatment: Treatment
    holds: str  # what of a customer it holds (or why it holds nothing of one)
    # The SQL condition selecting the customer's rows, over %(org)s, %(number)s, %(identities)s
    # (uuid[]) and %(contacts)s (uuid[]), for tests and export; "" where it holds none.
    rows: str = ""
    unlinked: tuple[str, ...] = field(default=())  # anonymised: the columns set to NULL


_BY_IDENTITY = "organization_id = %(org)s and chat_identity_id = any(%(identities)s::uuid[])"
_BY_APPOINTMENT = (
    "organization_id = %(org)s and appointment_id in "
    "(select id from appointments where organization_id = %(org)s and contact_id = any(%(contacts)s::uuid[]))"
)

TABLES: Final[dict[str, TableRule]] = {
    # -- the customer's own rows ---------------------------------------------------------------
    "contacts": TableRule(
        "deleted", "name, phone, e-mail", "organization_id = %(org)s and id = any(%(contacts)s::uuid[])"
    ),
    "chat_identities": TableRule(
        "deleted",
        "the number, WhatsApp display name, opt-out, the conversation's state, whether and when the "
        "customer was told they talk to an AI, their language (detected or chosen by staff, and when)",
        "organization_id = %(org)s and customer_number = %(number)s",
    ),
    "chat_messages": TableRule(
        "deleted", "every message in and out: text, transcripts, descriptions, Gupshup's payload", _BY_IDENTITY
    ),
    "thread_summaries": TableRule("deleted", "the summary of the older conversation", _BY_IDENTITY),
    "escalations": TableRule(
        "deleted",
        "why a person was needed (can be health data), the message the customer left for staff after the "
        "assistant's offer, when it waited from and its follow-ups",
        _BY_IDENTITY,
    ),
    "budget_notices": TableRule(
        "deleted",
        "that a conversation ran out of turns (scope 'turns:<conversation id>')",
        "organization_id = %(org)s and scope = any(array(select 'turns:' || i from unnest(%(identities)s::uuid[]) i))",
    ),
    # -- kept as anonymous rows: the business's counts -----------------------------------------
    "appointments": TableRule(
        "anonymised",
        "whose appointment it is, notes; the idempotency key names a turn. Kept for the business's "
        "counts (outcomes, no-shows): the contact unlinked, notes and key cleared; future pending or "
        "confirmed ones are cancelled first (history actor 'privacy:<mode>')",
        "organization_id = %(org)s and contact_id = any(%(contacts)s::uuid[])",
        unlinked=("contact_id", "notes", "idempotency_key"),
    ),
    "appointment_reminders": TableRule(
        "anonymised",
        "the reminders of the customer's appointments and how they answered; the token in the "
        "buttons on their phone is replaced, so an old tap finds nothing",
        _BY_APPOINTMENT,
        unlinked=("token",),
    ),
    "recalls": TableRule(
        "anonymised",
        "the invitations to come back for a service (docs/recalls.md): when each was due and sent, the "
        "customer's tap (Reservar / No, gracias), the booking it led to. Kept for the business's counts "
        "with the customer unlinked (contact_id set NULL when the contact goes): the token then finds nothing",
        "organization_id = %(org)s and contact_id = any(%(contacts)s::uuid[])",
        unlinked=("contact_id",),
    ),
    "appointment_history": TableRule(
        "kept",
        "times, members and staff actors of the (now anonymous) appointments: nothing of the customer",
        _BY_APPOINTMENT,
    ),
    "turn_usage": TableRule(
        "anonymised",
        "model calls and tokens per turn: the business's usage, kept with the conversation unlinked "
        "(deleted by retention after usage_retention_months)",
        _BY_IDENTITY,
        unlinked=("chat_identity_id",),
    ),
    # -- the record of privacy requests and the blocked data -----------------------------------
    "privacy_requests": TableRule(
        "kept",
        "each block or erasure (an owner's, ops', or retention's, actor 'retention'): the customer's "
        "pseudonym (keyed HMAC), the reason, who, when, what each store held: the proof the request "
        "was done (Art. 5(2), 17(3)(b))",
    ),
    "consent_events": TableRule(
        "deleted",
        "per purpose (service, reminders, marketing): the customer's choice, how it was given or "
        "withdrawn, who recorded it (a staff e-mail for the front desk), when; goes with the identity",
        _BY_IDENTITY,
    ),
    "blocked_customers": TableRule(
        "vault",
        "a blocked customer's whole CRM record and media keys, until its date (owner only): deleted "
        "by a later erase, and by retention at its date",
        "organization_id = %(org)s and customer_number = %(number)s",
    ),
    # The waitlist (migration 20261210010000_waitlist.sql; docs/waitlist.md): an entry names its
    # contact (on delete cascade) and its offers hang from the entry (on delete cascade), so the
    # contact's deletion (erasure, block, retention) takes both; the export carries them.
    "waitlist_entries": TableRule(
        "deleted",
        "what the customer waits for (service, member, days, part of the day), when they asked, how it ended; "
        "goes with the contact",
        "organization_id = %(org)s and contact_id = any(%(contacts)s::uuid[])",
    ),
    "waitlist_offers": TableRule(
        "deleted",
        "each freed slot offered to the customer, its button token and how they answered; goes with the entry",
        "organization_id = %(org)s and entry_id in (select id from waitlist_entries where organization_id = %(org)s"
        " and contact_id = any(%(contacts)s::uuid[]))",
    ),
    "calendar_conflicts": TableRule(
        "kept",
        "an external calendar event's times over one of the (now anonymous) appointments, by ids: nothing of "
        "the customer; goes with the appointment",
        _BY_APPOINTMENT,
    ),
    "audit_log": TableRule(
        "kept",
        "who did what in the console: targets and details name conversations, contacts and "
        "appointments by id only (never a number, name or text), and privacy lines the pseudonym",
    ),
    # -- the business's own data: nothing of a customer ----------------------------------------
    "organizations": TableRule("not_personal", "the business"),
    "agent_settings": TableRule("not_personal", "the assistant's persona and the business's settings"),
    "platform_connections": TableRule("not_personal", "the business's WhatsApp number and Gupshup app"),
    "notification_settings": TableRule("not_personal", "staff's WhatsApp numbers (staff data, not a customer's)"),
    "services": TableRule("not_personal", "the catalogue"),
    "knowledge_entries": TableRule("not_personal", "the business's FAQ"),
    "members": TableRule("not_personal", "staff names"),
    "member_services": TableRule("not_personal", "who does what"),
    "member_hours": TableRule("not_personal", "staff hours"),
    "member_time_off": TableRule("not_personal", "staff absences"),
    "message_templates": TableRule("not_personal", "the business's approved WhatsApp templates"),
    "console_users": TableRule(
        "not_personal",
        "staff accounts (staff data, not a customer's): e-mail, role, active, and a staff member's own WhatsApp "
        "number (it goes with the account's row)",
    ),
    "opening_hours": TableRule("not_personal", "when people answer the business's WhatsApp"),
    "console_sessions": TableRule(
        "not_personal",
        "staff's console sessions (staff data): the account's sub, a hash of the session id, times; gone on sign-out,"
        " with the account, and a day after last use",
    ),
    "retention_marks": TableRule("not_personal", "how far the nightly media pass got, per business"),
    # The staff's own calendars (docs/calendar.md): staff data and times, never a customer's. What we
    # write into a member's calendar (an appointment's event, named after the customer) is reached
    # through the outbox: an erasure's unlinking of the contact queues it, and the calendar function
    # rewrites or deletes the event (docs/privacy.md, "The members' calendars").
    "calendar_connections": TableRule(
        "not_personal",
        "a member's connected calendar (staff data): the Google account's e-mail, the name of the SSM parameter "
        "holding the refresh token (never the token), sync state; gone on disconnect and with the member",
    ),
    "calendar_events": TableRule(
        "not_personal",
        "a member's calendar events as times only (ids, status, start/end, recurrence): never a title, "
        "description or guest",
    ),
    "calendar_busy_blocks": TableRule("not_personal", "a member's busy intervals from their calendar: times only"),
    "waitlist_settings": TableRule("not_personal", "the business's waitlist settings"),
    "template_choices": TableRule(
        "not_personal", "the business's template per language for reminders, waitlist offers and recalls"
    ),
    "waitlist_openings": TableRule(
        "not_personal", "a member's interval that may have freed (times and a member only, no appointment or customer)"
    ),
    "calendar_outbox": TableRule(
        "not_personal", "appointment and member ids whose calendar event is still to be written; a week after"
    ),
    "daily_business_stats": TableRule(
        "not_personal", "the business's daily counts, latency histograms and costs (docs/stats.md): no customer"
    ),
    "budget_alerts": TableRule(
        "not_personal", "that the business's month reached its budget, its figures and when owner and ops were told"
    ),
    "staff_template_sends": TableRule(
        "not_personal",
        "templates sent to the business's staff numbers (docs/stats.md): job key, template, time and the "
        "number's first 3 digits (its calling code), never the number; deleted by retention after "
        "usage_retention_months",
    ),
}


def customer_tables() -> dict[str, TableRule]:
    """The tables that hold rows of a customer (every treatment but not_personal)."""
    return {name: rule for name, rule in TABLES.items() if rule.treatment != "not_personal"}
