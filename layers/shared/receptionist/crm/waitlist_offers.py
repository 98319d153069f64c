"""Waitlist openings and offers (tables waitlist_openings, waitlist_offers, migration
20261210010000_waitlist.sql): data access for the offer pass (receptionist.reminders.waitlist), the
notifier (an offer sent or failed) and the accept / decline taps.

- An opening is "a slot may have freed": a member's interval written by the appointments'
  trigger (cancelled, moved, deleted) or by the calendar sync (`add_openings`, busy blocks that
  went away). `openings_due` lists the unprocessed ones across businesses (a SECURITY DEFINER
  function: ids only), the rest runs inside `db.acting_for(organization)`.
- An offer is one slot offered to one entry, claimed once: INSERT ... ON CONFLICT (entry, start,
  member) DO NOTHING RETURNING, so of two overlapping passes one gets the row (and nobody is
  offered the same slot twice). Its status moves forward only (`mark_offer`).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database, Row
from receptionist.crm.models import ACTIVE_STATUSES_SQL, Service
from receptionist.crm.settings.template_languages import choices_from, choices_sql, pick
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale, customer_locale, locale_of

OpeningReason = Literal["cancelled", "moved", "deleted", "busy_removed"]
OfferStatus = Literal["claimed", "queued", "sent", "accepted", "lost", "declined", "expired", "skipped", "failed"]
LIVE_STATUSES: tuple[OfferStatus, ...] = ("claimed", "queued", "sent")
# Why a claimed offer was not sent (waitlist_offers.skip_reason).
SkipReason = Literal["no_template", "no_app", "opted_out", "no_conversation", "entry_closed", "taken", "gone"]

# A status only moves forward. 'sent' also from 'failed': a job the notifier delivered is sent
# even when the pass gave up marking it queued; 'failed' from 'sent': Gupshup reported it failed.
_EARLIER: dict[str, tuple[str, ...]] = {
    "queued": ("claimed",),
    "sent": ("claimed", "queued", "failed"),
    "skipped": ("claimed", "queued"),
    "failed": ("claimed", "queued", "sent"),
}


def new_token() -> str:
    """The buttons' token: 24 random bytes, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Opening:
    id: int
    organization_id: str
    member_id: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_at: datetime
    processed_at: datetime | None


@dataclass(frozen=True)
class Candidate:
    """A waiting entry that may take a slot of an opening (its member and days fit)."""

    entry_id: str
    contact_id: str
    service: Service
    member_id: str | None
    first_day: date
    last_day: date
    day_part: str
    live_offer: bool  # it holds a live offer (of any slot): one at a time
    offered_here: bool  # it was offered a slot of this opening already (any answer)


@dataclass(frozen=True)
class OpeningState:
    """What the pass needs to work an opening: the waiting entries that fit, in the order they
    asked, and how many offers of it are live."""

    candidates: list[Candidate]
    live_offers: int


@dataclass(frozen=True)
class Offer:
    id: str
    organization_id: str
    entry_id: str
    opening_id: int | None
    member_id: str
    service_id: str
    starts_at: datetime
    ends_at: datetime
    token: str
    status: str
    expires_at: datetime
    created_at: datetime
    attempts: int = 0

    @property
    def ref(self) -> str:
        """What the outbound job names it by (messages.OutboundJob.offer_ref)."""
        return f"waitlist:{self.id}"


@dataclass(frozen=True)
class OfferContent:
    """What an offer's message needs (times converted to the business's `timezone` here)."""

    business: str
    app_name: str  # "" when the business has no active Gupshup app
    customer_number: str
    customer_name: str | None
    last_inbound_at: datetime | None  # the customer's last message (the 24-hour window)
    opted_out: bool
    entry_status: str
    service: str
    member: str
    starts_at: datetime
    expires_at: datetime
    timezone: str
    language: str
    template_id: str | None
    template_params: list[str]
    template_body: str | None
    template_usable: bool  # one of the business's, APPROVED, UTILITY, still listed by Gupshup
    has_identity: bool = True
    taken: bool = False  # an active appointment of the member overlaps the slot now (booked meanwhile)
    customer_language: str | None = None  # chat_identities.language: the session offer's words
    # The locale of the per-language template chosen for the customer (template_choices); None: the
    # business's own template, in its language. The template's values are worded in the template's.
    template_language: str | None = None

    @property
    def locale(self) -> Locale:
        """What the session offer (the code's own words) is written in: the customer's language,
        else the business's. The template's values follow the template's (`template_language`)."""
        return customer_locale(self.customer_language, self.language)

    @property
    def conversation(self) -> str:
        return str(ConversationKey(self.app_name, self.customer_number))

    def values(self, now: datetime) -> dict[str, str]:
        local = self.starts_at.astimezone(ZoneInfo(self.timezone))
        day, clock = local.strftime("%d/%m/%Y"), local.strftime("%H:%M")
        minutes = max(1, int((self.expires_at - now).total_seconds() // 60))
        return {
            "customer_name": self.customer_name or f"+{self.customer_number}",
            "service": self.service,
            "member": self.member,
            "date": day,
            "time": clock,
            "when": message(locale_of(self.template_language or self.language), "template_when", date=day, time=clock),
            "business": self.business,
            "minutes": str(minutes),
        }

    def params(self, now: datetime) -> list[str]:
        values = self.values(now)
        return [values.get(name, "-") for name in self.template_params]


_OPENING_COLUMNS = "id, organization_id::text, member_id::text, starts_at, ends_at, reason, created_at, processed_at"
_OFFER_COLUMNS = (
    "id::text, organization_id::text, entry_id::text, opening_id, member_id::text, service_id::text, starts_at,"
    " ends_at, token, status, expires_at, created_at, attempts"
)


def _opening(row: Row) -> Opening:
    return Opening(
        row["id"],
        row["organization_id"],
        row["member_id"],
        row["starts_at"],
        row["ends_at"],
        row["reason"],
        row["created_at"],
        row["processed_at"],
    )


def _offer(row: Row) -> Offer:
    return Offer(
        id=row["id"],
        organization_id=row["organization_id"],
        entry_id=row["entry_id"],
        opening_id=row["opening_id"],
        member_id=row["member_id"],
        service_id=row["service_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        token=row["token"],
        status=row["status"],
        expires_at=row["expires_at"],
        created_at=row["created_at"],
        attempts=row["attempts"],
    )


# -- across businesses (SECURITY DEFINER functions) ----------------------------------------------
def expire(db: Database, at: datetime) -> tuple[int, int]:
    """Live offers past their time -> 'expired'; waiting entries whose days passed -> 'expired'.
    (offers, entries) expired. One round trip."""
    row = db.fetch_one("select offers, entries from public.waitlist_expire(%s)", (at,))
    return (int(row["offers"]), int(row["entries"])) if row else (0, 0)


def openings_due(db: Database, max_rows: int) -> list[tuple[str, int]]:
    """(organization, opening id) of the openings not processed yet, oldest first."""
    rows = db.fetch_all("select organization_id::text, opening_id from public.waitlist_openings_due(%s)", (max_rows,))
    return [(r["organization_id"], int(r["opening_id"])) for r in rows]


def unqueued_offers(db: Database, before: datetime) -> list[tuple[str, str]]:
    """(organization, offer id) of claims made before `before` whose job never reached the queue."""
    rows = db.fetch_all(
        "select organization_id::text, offer_id::text from public.waitlist_unqueued_offers(%s)", (before,)
    )
    return [(r["organization_id"], r["offer_id"]) for r in rows]


# -- openings -------------------------------------------------------------------------------------
def add_openings(
    db: Database,
    organization_id: str,
    member_id: str,
    intervals: Sequence[tuple[datetime, datetime]],
    reason: OpeningReason,
) -> int:
    """Note that these intervals of the member may have freed (only when someone is waiting in
    the business: nobody else could be offered them). One round trip; how many were written."""
    kept = [(s, e) for s, e in intervals if s < e]
    if not kept:
        return 0
    return db.execute(
        "insert into waitlist_openings (organization_id, member_id, starts_at, ends_at, reason)"
        " select %s, %s, i.starts_at, i.ends_at, %s"
        " from unnest(%s::timestamptz[], %s::timestamptz[]) as i(starts_at, ends_at)"
        " where exists (select 1 from waitlist_entries e where e.organization_id = %s and e.status = 'waiting')",
        (organization_id, member_id, reason, [s for s, _ in kept], [e for _, e in kept], organization_id),
    )


def get_opening(db: Database, organization_id: str, opening_id: int) -> Opening | None:
    row = db.fetch_one(
        f"select {_OPENING_COLUMNS} from waitlist_openings where organization_id = %s and id = %s",
        (organization_id, opening_id),
    )
    return _opening(row) if row else None


def mark_processed(db: Database, organization_id: str, opening_id: int, at: datetime) -> bool:
    changed = db.execute(
        "update waitlist_openings set processed_at = %s"
        " where organization_id = %s and id = %s and processed_at is null",
        (at, organization_id, opening_id),
    )
    return changed > 0


def opening_state(db: Database, opening: Opening, timezone: str) -> OpeningState:
    """The waiting entries whose member and days fit the opening (in the order they asked) and
    the opening's live offers. One round trip."""
    zone = ZoneInfo(timezone)
    first = opening.starts_at.astimezone(zone).date()
    last = (opening.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    rows = db.fetch_all(
        """
        select e.id::text as entry_id, e.contact_id::text, e.member_id::text, e.first_day, e.last_day, e.day_part,
               s.id::text as service_id, s.name, s.description, s.duration_minutes, s.price_cents, s.currency,
               s.bookable,
               exists (select 1 from waitlist_offers o where o.organization_id = e.organization_id
                       and o.entry_id = e.id and o.status in ('claimed', 'queued', 'sent')) as live_offer,
               exists (select 1 from waitlist_offers o where o.organization_id = e.organization_id
                       and o.entry_id = e.id and o.opening_id = %(opening)s) as offered_here,
               (select count(*) from waitlist_offers o where o.organization_id = %(org)s
                and o.opening_id = %(opening)s and o.status in ('claimed', 'queued', 'sent'))::int as live_offers
        from waitlist_entries e
        join services s on s.organization_id = e.organization_id and s.id = e.service_id
        where e.organization_id = %(org)s and e.status = 'waiting' and s.active and s.bookable
          and (e.member_id is null or e.member_id = %(member)s)
          and e.first_day <= %(last)s and e.last_day >= %(first)s
        order by e.created_at, e.id
        """,
        {
            "org": opening.organization_id,
            "opening": opening.id,
            "member": opening.member_id,
            "first": first,
            "last": last,
        },
    )
    candidates = [
        Candidate(
            entry_id=r["entry_id"],
            contact_id=r["contact_id"],
            service=Service(
                id=r["service_id"],
                name=r["name"],
                description=r["description"],
                duration_minutes=int(r["duration_minutes"]),
                price_cents=r["price_cents"],
                currency=r["currency"],
                bookable=bool(r["bookable"]),
            ),
            member_id=r["member_id"],
            first_day=r["first_day"],
            last_day=r["last_day"],
            day_part=r["day_part"],
            live_offer=r["live_offer"],
            offered_here=r["offered_here"],
        )
        for r in rows
    ]
    live = rows[0]["live_offers"] if rows else _live_offers(db, opening)
    return OpeningState(candidates, live)


def _live_offers(db: Database, opening: Opening) -> int:
    row = db.fetch_one(
        "select count(*)::int as n from waitlist_offers where organization_id = %s and opening_id = %s"
        " and status in ('claimed', 'queued', 'sent')",
        (opening.organization_id, opening.id),
    )
    return int(row["n"]) if row else 0


# -- offers ---------------------------------------------------------------------------------------
def claim_offer(
    db: Database,
    organization_id: str,
    entry_id: str,
    opening_id: int | None,
    member_id: str,
    service_id: str,
    starts_at: datetime,
    ends_at: datetime,
    expires_at: datetime,
    at: datetime,
) -> Offer | None:
    """The new offer row (with its random token), claimed at `at` (the pass's clock, which also
    judges stale claims), or None when this entry was offered this slot before."""
    row = db.fetch_one(
        "insert into waitlist_offers (organization_id, entry_id, opening_id, member_id, service_id, starts_at,"
        " ends_at, token, expires_at, created_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        f" on conflict (entry_id, starts_at, member_id) do nothing returning {_OFFER_COLUMNS}",
        (
            organization_id,
            entry_id,
            opening_id,
            member_id,
            service_id,
            starts_at,
            ends_at,
            new_token(),
            expires_at,
            at,
        ),
    )
    return _offer(row) if row else None


def get_offer(db: Database, organization_id: str, offer_id: str) -> Offer | None:
    row = db.fetch_one(
        f"select {_OFFER_COLUMNS} from waitlist_offers where organization_id = %s and id = %s",
        (organization_id, offer_id),
    )
    return _offer(row) if row else None


def offers_of_entry(db: Database, organization_id: str, entry_id: str) -> list[Offer]:
    rows = db.fetch_all(
        f"select {_OFFER_COLUMNS} from waitlist_offers where organization_id = %s and entry_id = %s"
        " order by created_at, id",
        (organization_id, entry_id),
    )
    return [_offer(r) for r in rows]


def mark_offer(
    db: Database, organization_id: str, offer_id: str, status: OfferStatus, reason: str | None = None
) -> bool:
    """Move an offer forward to queued / sent / skipped / failed (`reason`: why skipped or failed;
    never a message's text); whether it changed. One round trip."""
    earlier = list(_EARLIER.get(status, ()))
    if not earlier:
        return False
    changed = db.execute(
        "update waitlist_offers set status = %s,"
        " skip_reason = case when %s = 'skipped' then %s else skip_reason end,"
        " last_error = case when %s = 'failed' then left(coalesce(%s, last_error), 300) else last_error end,"
        " queued_at = case when %s = 'queued' then now() else queued_at end,"
        " sent_at = case when %s = 'sent' then coalesce(sent_at, now()) else sent_at end"
        " where organization_id = %s and id = %s and status = any(%s)",
        (status, status, reason, status, reason, status, status, organization_id, offer_id, earlier),
    )
    return changed > 0


def record_failure(
    db: Database, organization_id: str, offer_id: str, error: str, give_up_after: int
) -> OfferStatus | None:
    """Count a failed try of a claimed offer and keep why (no personal data); at the
    `give_up_after`-th it is given up ('failed'). Its status after, or None when it was no longer
    claimed. One round trip."""
    row = db.fetch_one(
        "update waitlist_offers set attempts = attempts + 1, last_error = left(%s, 300),"
        " status = case when attempts + 1 >= %s then 'failed' else status end"
        " where organization_id = %s and id = %s and status = 'claimed' returning status",
        (error, give_up_after, organization_id, offer_id),
    )
    return row["status"] if row else None


def offer_content(db: Database, organization_id: str, offer_id: str) -> OfferContent | None:
    """What the offer's message needs, in one round trip (None: the offer is gone)."""
    row = db.fetch_one(
        f"""
        select o.name as business, coalesce(pc.app_name, '') as app_name, c.phone,
               coalesce(c.name, ci.display_name) as customer_name, ci.last_inbound_at,
               coalesce(ci.opted_out, false) as opted_out, ci.id is not null as has_identity, e.status as entry_status,
               s.name as service, m.name as member, w.starts_at, w.expires_at,
               coalesce(st.timezone, 'Europe/Madrid') as timezone, coalesce(st.language, 'es') as language,
               ws.template_id, coalesce(ws.template_params, '{{customer_name,service,when}}') as template_params,
               t.body,
               coalesce(t.status = 'APPROVED' and t.category = 'UTILITY' and t.removed_at is null, false)
                 as template_usable,
               exists (select 1 from appointments a where a.organization_id = w.organization_id
                       and a.member_id = w.member_id and a.status in {ACTIVE_STATUSES_SQL}
                       and a.starts_at < w.ends_at and a.ends_at > w.starts_at) as taken,
               ci.language as customer_language, {choices_sql("waitlist", "w.organization_id")} as template_choices
        from waitlist_offers w
        join waitlist_entries e on e.organization_id = w.organization_id and e.id = w.entry_id
        join organizations o on o.id = w.organization_id
        join contacts c on c.organization_id = e.organization_id and c.id = e.contact_id
        join services s on s.organization_id = w.organization_id and s.id = w.service_id
        join members m on m.organization_id = w.organization_id and m.id = w.member_id
        left join agent_settings st on st.organization_id = w.organization_id
        left join waitlist_settings ws on ws.organization_id = w.organization_id
        left join chat_identities ci on ci.organization_id = c.organization_id and ci.customer_number = c.phone
        left join lateral (
            select p.app_name from platform_connections p
            where p.organization_id = w.organization_id and p.provider = 'gupshup' and p.active
            order by p.created_at limit 1
        ) pc on true
        left join message_templates t on t.organization_id = w.organization_id and t.template_id = ws.template_id
        where w.organization_id = %(org)s and w.id = %(offer)s
        """,
        {"org": organization_id, "offer": offer_id},
    )
    if row is None:
        return None
    # The customer's language's template when the business chose a usable one, else the default.
    chosen = pick(choices_from(row["template_choices"]), row["customer_language"], row["language"])
    return OfferContent(
        business=row["business"],
        app_name=row["app_name"],
        customer_number=row["phone"],
        customer_name=row["customer_name"],
        last_inbound_at=row["last_inbound_at"],
        opted_out=row["opted_out"],
        entry_status=row["entry_status"],
        service=row["service"],
        member=row["member"],
        starts_at=row["starts_at"],
        expires_at=row["expires_at"],
        timezone=row["timezone"],
        language=row["language"],
        template_id=chosen.template_id if chosen else row["template_id"],
        template_params=chosen.params if chosen else list(row["template_params"]),
        template_body=chosen.body if chosen else row["body"],
        template_usable=chosen.usable if chosen else row["template_usable"],
        has_identity=row["has_identity"],
        taken=row["taken"],
        customer_language=row["customer_language"],
        template_language=chosen.locale if chosen else None,
    )


def list_offers(db: Database, organization_id: str, *, since: datetime | None = None, limit: int = 500) -> list[Offer]:
    """The business's offers, newest first (the console's waitlist page)."""
    rows = db.fetch_all(
        f"select {_OFFER_COLUMNS} from waitlist_offers where organization_id = %s"
        " and (%s::timestamptz is null or created_at >= %s) order by created_at desc, id limit %s",
        (organization_id, since, since, limit),
    )
    return [_offer(r) for r in rows]
