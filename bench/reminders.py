"""What one appointment reminder costs, on the local stack: AWS calls and database round trips.

A business of the stack (the demo clinic) gets `count` appointments of new customers, each with a
conversation, far in the future and booked long before. One reminder pass runs in process at their
reminder time (`receptionist.reminders.service.ReminderPass`, built by its wiring as the
RemindersFunction builds it), on the functions' database role and an SQS client whose calls are counted. The stack's own
notifier worker (functions/notifier/app.py, as deployed) then delivers the jobs to the local
Gupshup server, which records each request; its database round trips and DynamoDB (idempotency)
calls per job come from its "job done" log line.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

from bench.env import CallCounter, breakdown
from bench.pipeline import PipelineStack
from devstack.aws import moto_client
from devstack.gupshup_events import new_customer
from devstack.template import function_env
from receptionist.config import RemindersSettings
from receptionist.conversation_key import ConversationKey
from receptionist.reminders.wiring import build

LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # the demo clinic's 30-minute service (seed)
GOMEZ = "00000000-0000-4000-8002-000000000001"
OFFSET = timedelta(minutes=1440)  # the clinic's reminder offset (seed)


@dataclass
class RemindersReport:
    reminders: int
    pass_seconds: float
    pass_round_trips: int  # the pass's, for all of them (due_reminders + stale claims included)
    pass_aws: dict[str, int]
    delivered: int  # reminder jobs the notifier delivered
    gupshup_calls: int
    notifier_round_trips: int | None
    notifier_dynamodb_calls: int | None
    notes: list[str] = field(default_factory=list)


def _setup(ps: PipelineStack, count: int, first: datetime) -> list[str]:
    """`count` customers, each with a conversation and an appointment 30 minutes after the last."""
    customers = []
    with psycopg.connect(ps.live.info["database_url"]) as conn:
        org = conn.execute(
            "select organization_id::text from platform_connections where app_name = 'ClinicaSonrisa'"
        ).fetchone()
        assert org
        for i in range(count):
            customer = new_customer("3469")
            starts = first + timedelta(minutes=30 * i)
            contact = conn.execute(
                "insert into contacts (organization_id, phone, name) values (%s, %s, %s) returning id::text",
                (org[0], customer, f"Cliente {i}"),
            ).fetchone()
            assert contact
            conn.execute(
                "insert into chat_identities (organization_id, customer_number, display_name, contact_id)"
                " values (%s, %s, %s, %s)",
                (org[0], customer, f"Cliente {i}", contact[0]),
            )
            conn.execute(
                "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
                " status, created_at) values (%s, %s, %s, %s, %s, %s, 'pending', %s)",
                (org[0], contact[0], LIMPIEZA, GOMEZ, starts, starts + timedelta(minutes=30), starts - 2 * OFFSET),
            )
            customers.append(customer)
    return customers


def measure(ps: PipelineStack, count: int = 20, timeout: float = 60) -> RemindersReport:
    # Far ahead, on a night (no one else's appointments there): every reminder due by `at`.
    first = datetime(2032, 3, 2, 0, 0, tzinfo=UTC) + timedelta(days=int(time.time()) % 300)
    customers = _setup(ps, count, first)
    at = first + timedelta(minutes=30 * (count - 1)) - OFFSET + timedelta(minutes=1)
    counter = CallCounter()
    sqs = counter.watch(moto_client("sqs", ps.live.info["aws_endpoint_url"], ps.live.info["region"]))
    settings = RemindersSettings.from_env(
        function_env("RemindersFunction", OUTBOUND_QUEUE_URL=ps.live.info["queues"]["OutboundQueue"])
    )
    parts = build(settings, sqs=sqs, secret=lambda _: ps.live.info["app_database_url"])  # as its handler does
    started_at = time.time()
    try:
        started, counted = time.perf_counter(), parts.counters.now()
        report = parts.service.run(at, OFFSET)
        seconds = time.perf_counter() - started
        trips = parts.counters.since(counted)["db_round_trips"]
    finally:
        parts.service.db.close()
    notes = [] if report.queued == count else [f"the pass queued {report.queued} of {count}"]
    wanted = set(customers)

    def delivered() -> list[dict[str, object]]:
        return [
            job
            for _, job, ok in ps.notifier_jobs()
            if ok
            and job.get("kind") == "reminder"
            and ConversationKey.parse(str(job.get("conversation", ""))).number in wanted
        ]

    deadline = time.monotonic() + timeout
    while len(delivered()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    jobs = delivered()
    if len(jobs) < count:
        notes.append(f"only {len(jobs)} of {count} reminder jobs were delivered within {timeout:.0f} s")
    with ps.gupshup.lock:
        calls = sum(
            1
            for r in ps.gupshup.requests
            if r.at >= started_at and r.path.endswith("/template/msg") and r.form().get("destination") in wanted
        )
    logged = _logged(ps, {str(j.get("job_id")) for j in jobs})
    return RemindersReport(
        reminders=report.queued,
        pass_seconds=seconds,
        pass_round_trips=trips,
        pass_aws=dict(counter.counts()),
        delivered=len(jobs),
        gupshup_calls=calls,
        notifier_round_trips=_sum(logged, "db_round_trips"),
        notifier_dynamodb_calls=_sum(logged, "dynamodb_calls"),
        notes=notes,
    )


def _logged(ps: PipelineStack, job_ids: set[str]) -> list[dict[str, object]]:
    path = ps.live.config.state_dir / "logs" / "notifier.log"
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("message") == "job done" and record.get("job_id") in job_ids:
            out.append(record)
    return out


def _sum(lines: list[dict[str, object]], key: str) -> int | None:
    values = [v for v in (line.get(key) for line in lines) if isinstance(v, int)]
    return sum(values) if values else None


def lines(result: RemindersReport | str) -> list[str]:
    head = [
        "## Reminders: AWS calls and database round trips per reminder",
        "",
        "How measured: on the local stack (below), the demo clinic gets N appointments of new customers",
        "(each with a conversation), far ahead; one reminder pass runs in process at their reminder time",
        "(the RemindersFunction's code, on the functions' database role, its SQS client counted); the stack's",
        "notifier worker delivers the jobs to the local Gupshup server. Notifier round trips and DynamoDB",
        "(idempotency) calls are its own counters from its `job done` log line.",
        "",
    ]
    if isinstance(result, str):
        return [*head, result]
    n = max(result.reminders, 1)
    d = max(result.delivered, 1)

    def per(total: int | None, of: int) -> str:
        return "n/a" if total is None else f"{total} ({total / of:.2f} each)"

    aws_total = sum(result.pass_aws.values())
    body = [
        "| part | reminders | DB round trips | AWS calls | Gupshup calls | time |",
        "|---|---:|---:|---|---:|---:|",
        f"| reminder pass | {result.reminders} | {per(result.pass_round_trips, n)} |"
        f" {per(aws_total, n)}: {breakdown(result.pass_aws)} | 0 | {result.pass_seconds * 1000:.0f} ms |",
        f"| notifier | {result.delivered} | {per(result.notifier_round_trips, d)} |"
        f" {per(result.notifier_dynamodb_calls, d)} DynamoDB (idempotency) | {per(result.gupshup_calls, d)} | - |",
    ]
    return [*head, *body, *(f"**Note:** {n}" for n in result.notes)]
