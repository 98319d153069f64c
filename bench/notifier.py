"""HTTP calls to Gupshup per notifier job, on the local stack: a customer message goes through the
webhook and the processor (the local model answers as each scenario needs), and the notifier's
own worker (functions/notifier/app.py, as deployed) delivers the jobs to the local Gupshup
server, which records every request. Requests are told apart by destination: the customer's
number is the reply job's, a staff number the escalation job's. Database round trips and
DynamoDB (idempotency) calls per job are the notifier's own counters, read from its "job done"
log line (functions/notifier/app.py logs them).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from bench.pipeline import ESCALATE_MARK, LONG_MARK, PipelineStack, long_text
from devstack.gupshup_events import new_customer
from receptionist.conversation_key import ConversationKey

SCENARIOS = [
    ("reply (short text)", "Hola, ¿abrís los sábados?", ("reply",)),
    (f"reply of {len(long_text()):,} characters", f"{LONG_MARK} cuéntamelo todo", ("reply",)),
    (
        "escalation, one staff number (+ the reply to the customer)",
        f"{ESCALATE_MARK} quiero hablar con alguien",
        ("reply", "escalation"),
    ),
]


@dataclass
class NotifierRow:
    scenario: str
    job: str  # the job kind the row is about
    http_calls: int
    accepted_sends: int
    to: str
    invocations: int
    db_round_trips: int | None = None  # from the notifier's log line; None if it did not say
    dynamodb_calls: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class NotifierReport:
    rows: list[NotifierRow]
    sending: bool  # whether the notifier delivered anything at all
    notes: list[str] = field(default_factory=list)


def _requests_to(ps: PipelineStack, destination: str, since: float) -> int:
    with ps.gupshup.lock:
        return sum(
            1
            for r in ps.gupshup.requests
            if r.method == "POST"
            and r.at >= since
            and r.path.startswith("/wa/api/")
            and r.form().get("destination") == destination
        )


def _sends_to(ps: PipelineStack, destination: str, since: float) -> int:
    with ps.gupshup.lock:
        return sum(1 for s in ps.gupshup.sent if s.destination == destination and s.at >= since)


def measure(ps: PipelineStack, timeout: float = 45) -> NotifierReport:
    rows: list[NotifierRow] = []
    notes: list[str] = []
    for scenario, text, kinds in SCENARIOS:
        customer = new_customer()
        started = time.time()
        ps.post(customer, text)
        deadline = time.monotonic() + timeout
        jobs: dict[str, list[tuple[str, bool]]] = {}
        while time.monotonic() < deadline:
            jobs = {}
            for _, job, ok in ps.notifier_jobs():
                if ConversationKey.parse(str(job.get("conversation", ""))).number == customer:
                    jobs.setdefault(str(job.get("kind")), []).append((str(job.get("job_id")), ok))
            if all(any(ok for _, ok in jobs.get(k, [])) for k in kinds):
                break
            time.sleep(0.2)
        time.sleep(0.5)  # nothing should follow; a retry would
        logged = _job_logs(ps)
        for kind in kinds:
            row_notes: list[str] = []
            handed = jobs.get(kind, [])
            if not handed:
                row_notes.append(f"no {kind} job reached the notifier within {timeout:.0f} s")
            elif not any(ok for _, ok in handed):
                row_notes.append("the notifier failed the job")
            if kind == "escalation":
                targets = ps.staff_numbers or ["(no staff number in the seed)"]
                calls = sum(_requests_to(ps, n, started) for n in targets)
                sends = sum(_sends_to(ps, n, started) for n in targets)
                to = f"{len(ps.staff_numbers)} staff number(s)"
            else:
                calls, sends, to = _requests_to(ps, customer, started), _sends_to(ps, customer, started), "customer"
            lines = [logged[job_id] for job_id in {j for j, _ in handed} if job_id in logged]
            rows.append(
                NotifierRow(
                    scenario,
                    kind,
                    calls,
                    sends,
                    to,
                    len(handed),
                    _logged_sum(lines, "db_round_trips"),
                    _logged_sum(lines, "dynamodb_calls"),
                    row_notes,
                )
            )
    sending = any(r.http_calls for r in rows)
    if not sending:
        notes.append("The notifier made no HTTP call to Gupshup for any job, although the jobs reached it.")
        if _notifier_is_stub():
            notes.append(
                "receptionist.notifier.service is still the foundation stub (DeliveryService.deliver returns "
                "the job id): these zeros are the stub's; re-run `make bench` once the notifier lands."
            )
    return NotifierReport(rows, sending, notes)


def _job_logs(ps: PipelineStack) -> dict[str, dict[str, Any]]:
    """The notifier's "job done" log lines (Powertools JSON), by job id."""
    path = ps.live.config.state_dir / "logs" / "notifier.log"
    out: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("message") == "job done" and record.get("job_id"):
            out[str(record["job_id"])] = record
    return out


def _logged_sum(lines: list[dict[str, Any]], key: str) -> int | None:
    values = [line[key] for line in lines if isinstance(line.get(key), int)]
    return sum(values) if values else None


def _notifier_is_stub() -> bool:
    import inspect

    from receptionist.notifier import service

    return "Foundation version" in (inspect.getdoc(service) or "")
