"""What a claim-once pass of the RemindersFunction costs per job it queues, on the local stack: the
pass runs in process (the function's own wiring, on the functions' database role, with an SQS
client whose calls are counted), then the stack's notifier worker delivers its jobs to the local
Gupshup server; the notifier's database round trips and DynamoDB (idempotency) calls per job come
from its "job done" log line. bench/reminders.py, bench/recalls.py and bench/waitlist.py set up
their customers and measure their pass with it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.env import CallCounter, breakdown
from bench.pipeline import PipelineStack
from devstack.aws import moto_client
from devstack.template import function_env
from receptionist.config import RemindersSettings
from receptionist.conversation_key import ConversationKey
from receptionist.reminders.wiring import RemindersParts, build


@dataclass
class PassCost:
    queued: int  # jobs the pass put on the outbound queue
    pass_seconds: float
    pass_round_trips: int  # the pass's, for all of them (its due lists and stale claims included)
    pass_aws: dict[str, int]
    delivered: int  # of those jobs, delivered by the notifier
    gupshup_calls: int
    notifier_round_trips: int | None
    notifier_dynamodb_calls: int | None
    notes: list[str] = field(default_factory=list)


def measure_pass(
    ps: PipelineStack,
    run: Callable[[RemindersParts], int],
    *,
    job_kind: str,
    customers: list[str],
    expected: int,
    timeout: float,
    templates_only: bool = True,
) -> PassCost:
    """`run` runs one pass on the function's parts and returns how many jobs it queued; the jobs of
    `job_kind` to `customers` are then waited for (at most `timeout` s). `templates_only`: count
    only Gupshup's template sends (a reminder, a recall); else every send to them (an offer inside
    the 24-hour window goes as reply buttons)."""
    counter = CallCounter()
    sqs = counter.watch(moto_client("sqs", ps.live.info["aws_endpoint_url"], ps.live.info["region"]))
    settings = RemindersSettings.from_env(
        function_env("RemindersFunction", OUTBOUND_QUEUE_URL=ps.live.info["queues"]["OutboundQueue"])
    )
    parts = build(settings, sqs=sqs, secret=lambda _: ps.live.info["app_database_url"])  # as its handler does
    started_at = time.time()
    try:
        started, counted = time.perf_counter(), parts.counters.now()
        queued = run(parts)
        seconds = time.perf_counter() - started
        trips = parts.counters.since(counted)["db_round_trips"]
    finally:
        parts.service.db.close()  # the one connection every pass of the function shares
    notes = [] if queued == expected else [f"the pass queued {queued} of {expected}"]
    wanted = set(customers)

    def delivered() -> list[dict[str, object]]:
        return [
            job
            for _, job, ok in ps.notifier_jobs()
            if ok
            and job.get("kind") == job_kind
            and ConversationKey.parse(str(job.get("conversation", ""))).number in wanted
        ]

    deadline = time.monotonic() + timeout
    while len(delivered()) < queued and time.monotonic() < deadline:
        time.sleep(0.2)
    jobs = delivered()
    if len(jobs) < queued:
        notes.append(f"only {len(jobs)} of {queued} {job_kind} jobs were delivered within {timeout:.0f} s")
    with ps.gupshup.lock:
        calls = sum(
            1
            for r in ps.gupshup.requests
            if r.at >= started_at
            and (not templates_only or r.path.endswith("/template/msg"))
            and r.form().get("destination") in wanted
        )
    logged = _logged(ps, {str(j.get("job_id")) for j in jobs})
    return PassCost(
        queued=queued,
        pass_seconds=seconds,
        pass_round_trips=trips,
        pass_aws=dict(counter.counts()),
        delivered=len(jobs),
        gupshup_calls=calls,
        notifier_round_trips=_sum(logged, "db_round_trips"),
        notifier_dynamodb_calls=_sum(logged, "dynamodb_calls"),
        notes=notes,
    )


def table(cost: PassCost, what: str, pass_label: str) -> list[str]:
    """The results.md table: the pass and the notifier, totals and per job; then the notes."""
    n, d = max(cost.queued, 1), max(cost.delivered, 1)

    def per(total: int | None, of: int) -> str:
        return "n/a" if total is None else f"{total} ({total / of:.2f} each)"

    aws_total = sum(cost.pass_aws.values())
    return [
        f"| part | {what} | DB round trips | AWS calls | Gupshup calls | time |",
        "|---|---:|---:|---|---:|---:|",
        f"| {pass_label} | {cost.queued} | {per(cost.pass_round_trips, n)} |"
        f" {per(aws_total, n)}: {breakdown(cost.pass_aws)} | 0 | {cost.pass_seconds * 1000:.0f} ms |",
        f"| notifier | {cost.delivered} | {per(cost.notifier_round_trips, d)} |"
        f" {per(cost.notifier_dynamodb_calls, d)} DynamoDB (idempotency) | {per(cost.gupshup_calls, d)} | - |",
        *(f"**Note:** {note}" for note in cost.notes),
    ]


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
