"""What one recall costs, on the local stack: AWS calls and database round trips (bench/reminders.py's way).

The demo clinic sends recalls for a service (an interval, an approved MARKETING template) and gets
`count` new customers, each with a conversation, marketing consent and a completed appointment of
that service one interval and a day before a moment far ahead when the clinic is open. One recall
pass runs in process at that moment (`receptionist.reminders.recalls.RecallPass`, built by its
wiring as the RemindersFunction builds it), on the functions' database role and an SQS client
whose calls are counted. The stack's own notifier worker then delivers the "offer" jobs to the
local Gupshup server; its database round trips and DynamoDB (idempotency) calls per job come from
its "job done" log line. The clinic's recall settings are put back afterwards.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.pass_cost import PassCost, measure_pass, table
from bench.pipeline import PipelineStack
from devstack.gupshup_events import new_customer
from receptionist.crm.connection import Database
from receptionist.crm.handoff import opening_hours
from receptionist.reminders.wiring import RemindersParts

LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # the demo clinic's 30-minute service (seed)
GOMEZ = "00000000-0000-4000-8002-000000000001"
INTERVAL_DAYS = 180
TEMPLATE = "bench_recall"


RecallsReport = PassCost  # queued = recalls


def _open_moment(db: Database, org: str, start: datetime) -> datetime:
    """The first whole hour from `start` on when the clinic is open (its hours, its zone)."""
    with db.acting_for(org):
        hours = opening_hours(db, org, start)
    at = start
    for _ in range(24 * 14):
        if hours.is_open(at) and hours.is_open(at + timedelta(minutes=30)):
            return at
        at += timedelta(hours=1)
    raise RuntimeError("the demo clinic is never open within two weeks")


def _setup(conn: psycopg.Connection, org: str, count: int, visited: datetime) -> list[str]:
    conn.execute(
        "insert into message_templates (organization_id, template_id, label, body, param_count, category)"
        " values (%s, %s, 'Revisión', 'Hola {{1}}, ya toca tu {{2}}.', 2, 'MARKETING')"
        " on conflict (organization_id, template_id) do update set status = 'APPROVED', removed_at = null",
        (org, TEMPLATE),
    )
    conn.execute(
        "update agent_settings set recalls_enabled = true, recall_template_id = %s,"
        " recall_template_params = '{customer_name,service}' where organization_id = %s",
        (TEMPLATE, org),
    )
    conn.execute("update services set recall_interval_days = %s where id = %s", (INTERVAL_DAYS, LIMPIEZA))
    customers = []
    for i in range(count):
        customer = new_customer("3468")
        contact = conn.execute(
            "insert into contacts (organization_id, phone, name) values (%s, %s, %s) returning id::text",
            (org, customer, f"Cliente {i}"),
        ).fetchone()
        assert contact
        identity = conn.execute(
            "insert into chat_identities (organization_id, customer_number, display_name, contact_id)"
            " values (%s, %s, %s, %s) returning id::text",
            (org, customer, f"Cliente {i}", contact[0]),
        ).fetchone()
        assert identity
        conn.execute(
            "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, actor, reference,"
            " at) values (%s, %s, 'marketing', 'granted', 'import', 'ops:bench', 'bench', %s)",
            (org, identity[0], visited - timedelta(days=1)),
        )
        starts = visited + timedelta(minutes=30 * i)
        conn.execute(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
            " status, created_at) values (%s, %s, %s, %s, %s, %s, 'completed', %s)",
            (org, contact[0], LIMPIEZA, GOMEZ, starts, starts + timedelta(minutes=30), starts - timedelta(days=7)),
        )
        customers.append(customer)
    return customers


def measure(ps: PipelineStack, count: int = 20, timeout: float = 60) -> RecallsReport:
    owner_url = ps.live.info["database_url"]
    with psycopg.connect(owner_url, autocommit=True) as conn:
        found = conn.execute(
            "select organization_id::text from platform_connections where app_name = 'ClinicaSonrisa'"
        ).fetchone()
        assert found
        org = found[0]
        before = conn.execute(
            "select recalls_enabled, recall_template_id, recall_template_params from agent_settings"
            " where organization_id = %s",
            (org,),
        ).fetchone()
        interval_before = conn.execute(
            "select recall_interval_days from services where id = %s", (LIMPIEZA,)
        ).fetchone()
        owner = Database(owner_url)
        try:  # far ahead (nobody else's visits there), when the clinic is open
            start = datetime(2034, 3, 6, 6, 0, tzinfo=UTC) + timedelta(days=int(time.time()) % 300)
            at = _open_moment(owner, org, start)
        finally:
            owner.close()
        customers = _setup(conn, org, count, at - timedelta(days=INTERVAL_DAYS + 1))
        try:
            return _run(ps, at, customers, timeout)
        finally:
            assert before and interval_before
            conn.execute(
                "update agent_settings set recalls_enabled = %s, recall_template_id = %s, recall_template_params = %s"
                " where organization_id = %s",
                (*before, org),
            )
            conn.execute("update services set recall_interval_days = %s where id = %s", (interval_before[0], LIMPIEZA))


def _run(ps: PipelineStack, at: datetime, customers: list[str], timeout: float) -> RecallsReport:
    def run(parts: RemindersParts) -> int:
        assert parts.recalls is not None
        return parts.recalls.run(at).queued

    return measure_pass(ps, run, job_kind="offer", customers=customers, expected=len(customers), timeout=timeout)


def lines(result: RecallsReport | str) -> list[str]:
    head = [
        "## Recalls: AWS calls and database round trips per recall",
        "",
        "How measured: on the local stack (below), the demo clinic sends recalls for a service and gets N new",
        "customers (each with a conversation, marketing consent and a completed visit one interval ago); one",
        "recall pass runs in process at a moment the clinic is open (the RemindersFunction's code, on the",
        "functions' database role, its SQS client counted); the stack's notifier worker delivers the offer jobs",
        "to the local Gupshup server. Notifier round trips and DynamoDB (idempotency) calls are its own counters",
        "from its `job done` log line.",
        "",
    ]
    if isinstance(result, str):
        return [*head, result]
    return [*head, *table(result, "recalls", "recall pass")]
