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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

from bench.env import CallCounter, breakdown
from bench.pipeline import PipelineStack
from bench.reminders import _logged, _sum
from devstack.aws import moto_client
from devstack.gupshup_events import new_customer
from devstack.template import function_env
from receptionist.config import RemindersSettings
from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database
from receptionist.crm.handoff import opening_hours
from receptionist.reminders.wiring import build

LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # the demo clinic's 30-minute service (seed)
GOMEZ = "00000000-0000-4000-8002-000000000001"
INTERVAL_DAYS = 180
TEMPLATE = "bench_recall"


@dataclass
class RecallsReport:
    recalls: int
    pass_seconds: float
    pass_round_trips: int  # the pass's, for all of them (due_recalls, hours and stale claims included)
    pass_aws: dict[str, int]
    delivered: int  # offer jobs the notifier delivered
    gupshup_calls: int
    notifier_round_trips: int | None
    notifier_dynamodb_calls: int | None
    notes: list[str] = field(default_factory=list)


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
    count = len(customers)
    counter = CallCounter()
    sqs = counter.watch(moto_client("sqs", ps.live.info["aws_endpoint_url"], ps.live.info["region"]))
    settings = RemindersSettings.from_env(
        function_env("RemindersFunction", OUTBOUND_QUEUE_URL=ps.live.info["queues"]["OutboundQueue"])
    )
    parts = build(settings, sqs=sqs, secret=lambda _: ps.live.info["app_database_url"])  # as its handler does
    assert parts.recalls is not None
    started_at = time.time()
    try:
        started, counted = time.perf_counter(), parts.counters.now()
        report = parts.recalls.run(at)
        seconds = time.perf_counter() - started
        trips = parts.counters.since(counted)["db_round_trips"]
    finally:
        parts.recalls.db.close()
    notes = [] if report.queued == count else [f"the pass queued {report.queued} of {count}"]
    wanted = set(customers)

    def delivered() -> list[dict[str, object]]:
        return [
            job
            for _, job, ok in ps.notifier_jobs()
            if ok
            and job.get("kind") == "offer"
            and ConversationKey.parse(str(job.get("conversation", ""))).number in wanted
        ]

    deadline = time.monotonic() + timeout
    while len(delivered()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    jobs = delivered()
    if len(jobs) < count:
        notes.append(f"only {len(jobs)} of {count} recall jobs were delivered within {timeout:.0f} s")
    with ps.gupshup.lock:
        calls = sum(
            1
            for r in ps.gupshup.requests
            if r.at >= started_at and r.path.endswith("/template/msg") and r.form().get("destination") in wanted
        )
    logged = _logged(ps, {str(j.get("job_id")) for j in jobs})
    return RecallsReport(
        recalls=report.queued,
        pass_seconds=seconds,
        pass_round_trips=trips,
        pass_aws=dict(counter.counts()),
        delivered=len(jobs),
        gupshup_calls=calls,
        notifier_round_trips=_sum(logged, "db_round_trips"),
        notifier_dynamodb_calls=_sum(logged, "dynamodb_calls"),
        notes=notes,
    )


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
    n = max(result.recalls, 1)
    d = max(result.delivered, 1)

    def per(total: int | None, of: int) -> str:
        return "n/a" if total is None else f"{total} ({total / of:.2f} each)"

    aws_total = sum(result.pass_aws.values())
    body = [
        "| part | recalls | DB round trips | AWS calls | Gupshup calls | time |",
        "|---|---:|---:|---|---:|---:|",
        f"| recall pass | {result.recalls} | {per(result.pass_round_trips, n)} |"
        f" {per(aws_total, n)}: {breakdown(result.pass_aws)} | 0 | {result.pass_seconds * 1000:.0f} ms |",
        f"| notifier | {result.delivered} | {per(result.notifier_round_trips, d)} |"
        f" {per(result.notifier_dynamodb_calls, d)} DynamoDB (idempotency) | {per(result.gupshup_calls, d)} | - |",
    ]
    return [*head, *body, *(f"**Note:** {n}" for n in result.notes)]
