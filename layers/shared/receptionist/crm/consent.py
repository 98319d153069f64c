"""The consent register (table consent_events, migration 20261207080100_consent_register.sql).

Per customer of a business (their chat identity) and purpose ('service': replies to what they
write; 'reminders'; 'marketing'), every change is an event with its state, source, actor, time and
reference; nothing is updated or deleted. A purpose's current state is its latest event
(`public.consent_granted`), none at all meaning not granted.

- A customer's first message grants 'service' and 'reminders' (source 'whatsapp'), in the same
  statement that creates their identity (crm.chats.touch_identity uses FIRST_MESSAGE_GRANTS).
- An opt-out (Gupshup's event, a written "BAJA", the assistant's opt_out tool) withdraws every
  purpose and sets chat_identities.opted_out; an opt-in ("ALTA", Gupshup's event, or writing again
  after an opt-out) grants 'service' only and clears it (`opt_out`, `opt_in`: one statement each).
- Staff record a purpose at the front desk, named (`record_at_front_desk`), for a conversation or
  for a contact who never wrote (their chat identity is created then).

Every function runs inside `db.acting_for(organization)` (row level security).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args

from receptionist.crm.connection import Database, Row

Purpose = Literal["service", "reminders", "marketing"]
PURPOSES: Final[tuple[Purpose, ...]] = get_args(Purpose)
State = Literal["granted", "withdrawn"]
STATES: Final[tuple[State, ...]] = get_args(State)
Source = Literal["whatsapp", "written", "gupshup", "front_desk", "import"]
OptChange = Literal["out", "in"]

# The references of a turn's own opt-out and opt-in (their idempotency keys).
OUT_REFERENCE = "{turn}#out"
IN_REFERENCE = "{turn}#in"

# The grants of a customer's first message, as a data-modifying CTE over `touched` (the chat
# identity just touched, its organization_id and id as uuids) and the parameter %(at)s (the
# message's time; NULL: not a message, nothing granted). Only for purposes with no event yet.
FIRST_MESSAGE_GRANTS: Final = """
    insert into consent_events (organization_id, chat_identity_id, purpose, state, source, reference, at)
    select t.organization_id, t.id, p.purpose, 'granted', 'whatsapp', 'first_message', %(at)s
    from touched t cross join (values ('service'), ('reminders')) as p(purpose)
    where %(at)s::timestamptz is not null
      and not exists (
        select 1 from consent_events e
        where e.organization_id = t.organization_id and e.chat_identity_id = t.id and e.purpose = p.purpose
      )
    on conflict do nothing
"""


@dataclass(frozen=True)
class ConsentEvent:
    id: int
    purpose: Purpose
    state: State
    source: Source
    actor: str | None
    at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class ConsentState:
    """A purpose's current state: its latest event (None: never recorded, so not granted)."""

    purpose: Purpose
    latest: ConsentEvent | None

    @property
    def granted(self) -> bool:
        return self.latest is not None and self.latest.state == "granted"


def _event(row: Row) -> ConsentEvent:
    return ConsentEvent(
        int(row["id"]), row["purpose"], row["state"], row["source"], row["actor"], row["at"], row["recorded_at"]
    )


_EVENT_COLUMNS = "id, purpose, state, source, actor, at, recorded_at"


def history(db: Database, organization_id: str, identity_id: str, limit: int = 50) -> list[ConsentEvent]:
    """The customer's events, newest first."""
    rows = db.fetch_all(
        f"select {_EVENT_COLUMNS} from consent_events where organization_id = %s and chat_identity_id = %s"
        " order by id desc limit %s",
        (organization_id, identity_id, limit),
    )
    return [_event(r) for r in rows]


def states(events: list[ConsentEvent]) -> list[ConsentState]:
    """Each purpose's current state from the customer's events (newest first, as `history` gives)."""
    latest: dict[str, ConsentEvent] = {}
    for event in events:
        latest.setdefault(event.purpose, event)
    return [ConsentState(p, latest.get(p)) for p in PURPOSES]


def opt_out(
    db: Database, organization_id: str, identity_id: str, *, at: datetime, source: Source, reference: str
) -> bool:
    """The customer opts out of every message of the business: chat_identities.opted_out, and every
    purpose withdrawn. An event older than the opt change applied last is ignored (Gupshup's
    events can arrive out of order). Whether the customer was opted in before (a second opt-out
    writes no events). Idempotent per `reference`. One statement."""
    return _opt(db, organization_id, identity_id, out=True, at=at, source=source, reference=reference)


def opt_in(
    db: Database, organization_id: str, identity_id: str, *, at: datetime, source: Source, reference: str
) -> bool:
    """The customer is back for service replies only ("ALTA", Gupshup's event, writing again):
    opted_out cleared and 'service' granted; reminders and marketing stay as they were (withdrawn
    by the opt-out): they need their own consent. Whether the customer was opted out before."""
    return _opt(db, organization_id, identity_id, out=False, at=at, source=source, reference=reference)


def _opt(
    db: Database,
    organization_id: str,
    identity_id: str,
    *,
    out: bool,
    at: datetime,
    source: Source,
    reference: str,
) -> bool:
    purposes = list(PURPOSES) if out else ["service"]
    row = db.fetch_one(
        """
        with before as (
            select opted_out from chat_identities where organization_id = %(org)s and id = %(id)s
        ), changed as (
            update chat_identities set opted_out = %(out)s, opt_changed_at = %(at)s, updated_at = now()
            where organization_id = %(org)s and id = %(id)s
              and (opt_changed_at is null or opt_changed_at <= %(at)s)
            returning id
        ), events as (
            insert into consent_events (organization_id, chat_identity_id, purpose, state, source, reference, at)
            select %(org)s, c.id, p.purpose, %(state)s, %(source)s, %(reference)s, %(at)s
            from changed c cross join unnest(%(purposes)s::text[]) with ordinality as p(purpose, n)
            where (select opted_out from before) is distinct from %(out)s
            order by p.n
            on conflict do nothing
        )
        select exists (select 1 from changed) and (select opted_out from before) is distinct from %(out)s as applied
        """,
        {
            "org": organization_id,
            "id": identity_id,
            "out": out,
            "at": at,
            "state": "withdrawn" if out else "granted",
            "source": source,
            "reference": reference,
            "purposes": purposes,
        },
    )
    return bool(row and row["applied"])


def own_change(db: Database, organization_id: str, identity_id: str, turn_id: str) -> OptChange | None:
    """What this turn itself did to the customer's opt state (its opt-out or opt-in was written by
    an earlier attempt of it: a retry says the same), or None."""
    row = db.fetch_one(
        "select reference from consent_events"
        " where organization_id = %s and chat_identity_id = %s and purpose = 'service' and reference = any(%s)"
        " order by id desc limit 1",
        (organization_id, identity_id, [OUT_REFERENCE.format(turn=turn_id), IN_REFERENCE.format(turn=turn_id)]),
    )
    if row is None:
        return None
    return "out" if str(row["reference"]).endswith("#out") else "in"


@dataclass(frozen=True)
class Recorded:
    """A front-desk record: the chat identity it is on (created for a contact who never wrote)."""

    identity_id: str
    event_id: int


def record_at_front_desk(
    db: Database,
    organization_id: str,
    purpose: Purpose,
    state: State,
    *,
    actor: str,
    at: datetime,
    identity_id: str | None = None,
    contact_id: str | None = None,
) -> Recorded | None:
    """Staff record a customer's consent for one purpose ('staff:<e-mail>' as `actor`), for a
    conversation (`identity_id`) or for a contact (`contact_id`: their phone's chat identity,
    created and linked when they never wrote). 'service' withdrawn is an opt-out (opted_out set),
    granted an opt-in. None when the identity or contact is not this business's. One statement."""
    if (identity_id is None) == (contact_id is None):
        raise ValueError("record consent for a conversation or for a contact")
    row = db.fetch_one(
        """
        with contact as (
            select c.id, c.phone, c.name from contacts c
            where c.organization_id = %(org)s and c.id = %(contact)s::uuid
        ), created as (
            insert into chat_identities
                (organization_id, customer_number, contact_id, display_name, opted_out, opt_changed_at)
            select %(org)s, c.phone, c.id, c.name, %(service)s and %(state)s = 'withdrawn',
                   case when %(service)s then %(at)s::timestamptz end
            from contact c
            on conflict (organization_id, customer_number) do update set
                contact_id = coalesce(chat_identities.contact_id, excluded.contact_id),
                opted_out = case when %(service)s then excluded.opted_out else chat_identities.opted_out end,
                opt_changed_at = case when %(service)s then excluded.opt_changed_at
                                      else chat_identities.opt_changed_at end,
                updated_at = now()
            returning id
        ), existing as (
            update chat_identities set
                opted_out = case when %(service)s then %(state)s = 'withdrawn' else opted_out end,
                opt_changed_at = case when %(service)s then %(at)s::timestamptz else opt_changed_at end,
                updated_at = now()
            where organization_id = %(org)s and id = %(identity)s::uuid
            returning id
        ), target as (
            select id from existing union all select id from created
        )
        insert into consent_events (organization_id, chat_identity_id, purpose, state, source, actor, at)
        select %(org)s, t.id, %(purpose)s, %(state)s, 'front_desk', %(actor)s, %(at)s from target t
        returning chat_identity_id::text, id
        """,
        {
            "org": organization_id,
            "identity": identity_id,
            "contact": contact_id,
            "purpose": purpose,
            "service": purpose == "service",
            "state": state,
            "actor": actor,
            "at": at,
        },
    )
    return Recorded(str(row["chat_identity_id"]), int(row["id"])) if row else None


def identity_of_contact(db: Database, organization_id: str, contact_id: str) -> str | None:
    """The chat identity of a contact's phone in this business (None: they never wrote and no
    consent was recorded for them)."""
    row = db.fetch_one(
        "select i.id::text as id from contacts c join chat_identities i"
        " on i.organization_id = c.organization_id and i.customer_number = c.phone"
        " where c.organization_id = %s and c.id = %s",
        (organization_id, contact_id),
    )
    return str(row["id"]) if row else None
