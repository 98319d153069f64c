"""The daily roll-up's SQL (docs/stats.md): what happened at one business in a range of its local
days, counted in one statement, and the day rows written back in one upsert. Both run inside
`db.acting_for(organization)`: row level security scopes every row read and written to that
business. What the counts mean, how the day's costs are priced and which days are recomputed is
receptionist.stats.rollup's; this module only reads and writes.

Days are local days of the business's zone (agent_settings.timezone): an event belongs to the day
its time falls on there. The statement reads each table once by (organization_id, time) (the
indexes of migrations 20261212020000 and 20261212040000; templates to staff numbers from
staff_template_sends) and returns one row per day of the range, days with nothing
included (zeros), so rewriting them is what makes a day that lost its events (erasure) correct.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any, Final
from zoneinfo import ZoneInfo

from receptionist.crm.connection import Database


@dataclass(frozen=True)
class Business:
    organization_id: str
    timezone: str


@dataclass(frozen=True)
class TemplateSends:
    """Template messages Gupshup accepted that day, grouped by what prices them."""

    prefix: str  # the first 3 digits of the recipient's number, a customer's or staff's (its calling code)
    category: str | None  # message_templates.category (None: the template is not known)
    in_window: bool  # the customer had written less than 24 hours before
    count: int


@dataclass(frozen=True)
class ModelUsage:
    model: str | None
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class DayCounts:
    """One local day's raw counts, before pricing (receptionist.stats.rollup prices them)."""

    day: date
    conversations: int = 0
    inbound_messages: int = 0
    turns: int = 0
    resolved_alone: int = 0
    booked_assistant: int = 0
    booked_console: int = 0
    booked_reminder: int = 0
    booked_waitlist: int = 0
    booked_other: int = 0
    confirmed: int = 0
    cancelled: int = 0
    moved: int = 0
    completed: int = 0
    no_shows: int = 0
    reminders_sent: int = 0
    reminders_confirmed: int = 0
    escalations: int = 0
    staff_reply_seconds: tuple[int, ...] = ()  # one wait per escalation answered by staff
    first_reply_ms: tuple[int, ...] = ()  # one wait per turn the assistant answered
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage: tuple[ModelUsage, ...] = ()
    wa_service: int = 0
    templates: tuple[TemplateSends, ...] = ()


def businesses(db: Database) -> list[Business]:
    """Every business and its zone (a SECURITY DEFINER function: the functions' role sees no
    business without acting for it)."""
    rows = db.fetch_all("select organization_id::text, timezone from public.stats_businesses()")
    return [Business(str(r["organization_id"]), str(r["timezone"])) for r in rows]


# %(org)s, %(tz)s, %(since)s, %(until)s: the days [since, until) of the zone tz; %(lo)s, %(hi)s: their
# first and last instants, given as values (not computed in the statement) so the planner sees the
# range and reads each table through its (organization_id, time) index.
_DAYS_SQL = """
with days as (
    select g::date as day from generate_series(%(since)s::date, %(until)s::date - 1, interval '1 day') g
), inbound as (
    select m.chat_identity_id as who, m.turn_id, m.received_at, (m.created_at at time zone %(tz)s)::date as day
    from chat_messages m
    where m.organization_id = %(org)s and m.direction = 'inbound' and m.created_at >= %(lo)s and m.created_at < %(hi)s
), staff as (
    select distinct m.chat_identity_id as who, (m.created_at at time zone %(tz)s)::date as day
    from chat_messages m
    where m.organization_id = %(org)s and m.direction = 'outbound' and m.sent_by like 'staff:%%'
      and m.created_at >= %(lo)s and m.created_at < %(hi)s
), esc as (
    select e.chat_identity_id as who, e.created_at, (e.created_at at time zone %(tz)s)::date as day,
           (select min(s.created_at) from chat_messages s
            where s.organization_id = e.organization_id and s.chat_identity_id = e.chat_identity_id
              and s.direction = 'outbound' and s.sent_by like 'staff:%%' and s.created_at >= e.created_at
           ) as replied_at
    from escalations e
    where e.organization_id = %(org)s and e.created_at >= %(lo)s and e.created_at < %(hi)s
), conv as (
    select c.day, count(*) as conversations, sum(c.n) as inbound_messages,
           count(*) filter (where e.who is null and s.who is null) as resolved_alone
    from (select who, day, count(*) as n from inbound group by who, day) c
    left join (select distinct who, day from esc) e on e.who = c.who and e.day = c.day
    left join staff s on s.who = c.who and s.day = c.day
    group by c.day
), opened as (
    select min(i.day) as day, i.turn_id, min(i.received_at) as opened_at
    from inbound i where i.turn_id is not null and i.received_at is not null
    group by i.turn_id
), latency as (
    select o.day,
           array_agg(greatest(0, round(extract(epoch from r.accepted_at - o.opened_at) * 1000))::int) as waits
    from opened o cross join lateral (
        select min(m.accepted_at) as accepted_at from chat_messages m
        where m.organization_id = %(org)s and m.turn_id = o.turn_id and m.direction = 'outbound'
          and m.sent_by is null
    ) r
    where r.accepted_at is not null
    group by o.day
), usage_by_model as (
    select (u.at at time zone %(tz)s)::date as day, u.model, count(*) as turns,
           sum(u.prompt_tokens) as p, sum(u.completion_tokens) as c
    from turn_usage u
    where u.organization_id = %(org)s and u.at >= %(lo)s and u.at < %(hi)s
    group by 1, 2
), usage as (
    select day, sum(turns) as turns, sum(p) as prompt_tokens, sum(c) as completion_tokens,
           jsonb_agg(jsonb_build_array(model, p, c)) as by_model
    from usage_by_model group by day
), hist as (
    -- counts only: the functions' role writes history but never reads its rows (20261207040000)
    select h.* from public.stats_history_days(%(tz)s, %(lo)s, %(hi)s) h
), rem as (
    select day, sum(sent) as reminders_sent, sum(conf) as reminders_confirmed from (
        select (r.due_at at time zone %(tz)s)::date as day, 1 as sent, 0 as conf
        from appointment_reminders r
        where r.organization_id = %(org)s and r.status = 'sent' and r.due_at >= %(lo)s and r.due_at < %(hi)s
        union all
        select (r.answered_at at time zone %(tz)s)::date, 0, 1
        from appointment_reminders r
        where r.organization_id = %(org)s and r.answer = 'confirmed'
          and r.answered_at >= %(lo)s and r.answered_at < %(hi)s
    ) x group by day
), esc_day as (
    select day, count(*) as escalations,
           coalesce(array_agg(greatest(0, round(extract(epoch from replied_at - created_at)))::int)
                    filter (where replied_at is not null), '{}') as staff_waits
    from esc group by day
), wa_rows as (
    select (m.accepted_at at time zone %(tz)s)::date as day, m.kind = 'template' as template,
           t.category, left(ci.customer_number, 3) as prefix,
           exists (
               select 1 from chat_messages i
               where i.organization_id = m.organization_id and i.chat_identity_id = m.chat_identity_id
                 and i.direction = 'inbound' and i.created_at < m.accepted_at
                 and i.created_at >= m.accepted_at - interval '24 hours'
           ) as in_window
    from chat_messages m
    join chat_identities ci on ci.organization_id = m.organization_id and ci.id = m.chat_identity_id
    left join message_templates t on t.organization_id = m.organization_id and t.template_id = m.template_id
    where m.organization_id = %(org)s and m.direction = 'outbound'
      and m.accepted_at >= %(lo)s and m.accepted_at < %(hi)s and m.status not in ('failed', 'undeliverable')
    union all
    -- templates to staff numbers (no chat_messages row): priced as any template, never in a
    -- customer's service window (staff open none)
    select (s.at at time zone %(tz)s)::date, true, t.category, s.prefix, false
    from staff_template_sends s
    left join message_templates t on t.organization_id = s.organization_id and t.template_id = s.template_id
    where s.organization_id = %(org)s and s.at >= %(lo)s and s.at < %(hi)s
), wa_groups as (
    select day, template, prefix, category, in_window, count(*) as n from wa_rows group by 1, 2, 3, 4, 5
), wa as (
    select day, coalesce(sum(n) filter (where not template), 0) as wa_service,
           coalesce(jsonb_agg(jsonb_build_array(prefix, category, in_window, n)) filter (where template), '[]')
             as templates
    from wa_groups group by day
)
select d.day,
       coalesce(conv.conversations, 0) as conversations, coalesce(conv.inbound_messages, 0) as inbound_messages,
       coalesce(usage.turns, 0) as turns, coalesce(conv.resolved_alone, 0) as resolved_alone,
       coalesce(hist.booked_assistant, 0) as booked_assistant, coalesce(hist.booked_console, 0) as booked_console,
       coalesce(hist.booked_reminder, 0) as booked_reminder, coalesce(hist.booked_waitlist, 0) as booked_waitlist,
       coalesce(hist.booked_other, 0) as booked_other, coalesce(hist.confirmed, 0) as confirmed,
       coalesce(hist.cancelled, 0) as cancelled, coalesce(hist.moved, 0) as moved,
       coalesce(hist.completed, 0) as completed, coalesce(hist.no_shows, 0) as no_shows,
       coalesce(rem.reminders_sent, 0) as reminders_sent, coalesce(rem.reminders_confirmed, 0) as reminders_confirmed,
       coalesce(esc_day.escalations, 0) as escalations, coalesce(esc_day.staff_waits, '{}') as staff_waits,
       coalesce(latency.waits, '{}') as first_reply_waits,
       coalesce(usage.prompt_tokens, 0) as prompt_tokens, coalesce(usage.completion_tokens, 0) as completion_tokens,
       coalesce(usage.by_model, '[]') as usage, coalesce(wa.wa_service, 0) as wa_service,
       coalesce(wa.templates, '[]') as templates
from days d
left join conv using (day) left join usage using (day) left join hist using (day) left join rem using (day)
left join esc_day using (day) left join latency using (day) left join wa using (day)
order by d.day
"""


def day_counts(db: Database, business: Business, since: date, until: date) -> list[DayCounts]:
    """The business's local days [since, until), one each, oldest first (one round trip)."""
    rows = db.fetch_all(*statement(business, since, until))
    return [_counts(row) for row in rows]


def _bounds(business: Business, since: date, until: date) -> dict[str, Any]:
    return {"org": business.organization_id, "tz": business.timezone, "since": since, "until": until}


def statement(business: Business, since: date, until: date) -> tuple[str, dict[str, Any]]:
    """The roll-up's statement and its values for a business's days (the bench EXPLAINs it)."""
    zone = ZoneInfo(business.timezone)
    lo = datetime.combine(since, time(0), tzinfo=zone)
    hi = datetime.combine(until, time(0), tzinfo=zone)
    return _DAYS_SQL, {**_bounds(business, since, until), "lo": lo, "hi": hi}


# The day's plain counts: the statement's columns of the same names (every int field of DayCounts).
_PLAIN: Final[tuple[str, ...]] = tuple(f.name for f in fields(DayCounts) if f.type == "int")


def _counts(row: dict[str, Any]) -> DayCounts:
    plain = {name: int(row[name]) for name in _PLAIN}
    return DayCounts(
        day=row["day"],
        staff_reply_seconds=tuple(int(v) for v in row["staff_waits"]),
        first_reply_ms=tuple(int(v) for v in row["first_reply_waits"]),
        usage=tuple(ModelUsage(m, int(p), int(c)) for m, p, c in row["usage"]),
        templates=tuple(TemplateSends(str(p), c, bool(w), int(n)) for p, c, w, n in row["templates"]),
        **plain,
    )


def write_days(db: Database, organization_id: str, rows: Sequence[dict[str, Any]]) -> int:
    """Upsert the day rows (each a daily_business_stats row without organization_id and
    computed_at) in one statement: a recomputed day is rewritten whole."""
    if not rows:
        return 0
    columns = [name for name in rows[0] if name != "organization_id"]
    payload = json.dumps([{**row, "organization_id": organization_id} for row in rows], default=str)
    names = ", ".join(columns)
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name != "day")
    return db.execute(
        f"""
        insert into daily_business_stats (organization_id, {names}, computed_at)
        select organization_id, {names}, now()
        from jsonb_populate_recordset(null::daily_business_stats, %s::jsonb)
        on conflict (organization_id, day) do update set {updates}, computed_at = now()
        """,
        (payload,),
    )
