"""What 1,000 inbound WhatsApp messages cost, from this run's measured counts, the AWS list prices in
receptionist.stats.aws_prices (shared with the daily roll-up's AWS estimate) and
receptionist.model_prices (the model).

Counts come from the other measurements of the same run:
- the local pipeline (50 conversations x 5 messages): turns (replies) per message, invocations and
  their durations per function, and how many bytes each function logged;
- the in-process webhook, processor and notifier figures: AWS calls per request, ticket, turn and
  job, by API.

Assumptions, each a parameter:
- the model's latency per call (the local model answers in milliseconds; a real one does not, and
  the processor waits for it, billed as Lambda time);
- delivery statuses per reply (Gupshup posts sent, delivered, read: 3 webhook requests, 3 status
  jobs);
- DynamoDB units per call (items of ~1 KB or less; a transactional write costs 2 units an item;
  strongly consistent reads, 1 unit each);
- SQS: a consumed message costs a receive and a delete besides its send; the event source
  mappings' empty long polls are a fixed cost per month, not per message, and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from receptionist.model_prices import cost_usd
from receptionist.stats.aws_prices import unit_price

MEMORY_MB = {"WebhookFunction": 512, "ProcessorFunction": 1024, "NotifierFunction": 512}
LOG_OF = {"WebhookFunction": "webhook", "ProcessorFunction": "processor", "NotifierFunction": "notifier"}
# DynamoDB request units per call, by API (see the module's docstring).
WRITE_UNITS = {"PutItem": 1, "UpdateItem": 1, "DeleteItem": 1, "TransactWriteItems": 6, "BatchWriteItem": 2}
READ_UNITS = {"GetItem": 1, "Query": 1, "BatchGetItem": 2, "ConditionCheckItem": 1}


@dataclass(frozen=True)
class Assumptions:
    model_seconds_per_call: float = 1.5
    statuses_per_reply: float = 3.0
    completion_tokens_per_call: int = 60
    messages: int = 1000


@dataclass
class CostLine:
    item: str
    quantity: float
    unit: str
    usd: float


@dataclass
class CostReport:
    assumptions: Assumptions
    lines: list[CostLine] = field(default_factory=list)
    model: list[CostLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def infrastructure(self) -> float:
        return sum(line.usd for line in self.lines)


def _price(key: str) -> float:
    return unit_price(key)


def _units(aws: dict[str, float]) -> tuple[float, float, float, float, float]:
    """(SQS requests, DynamoDB write units, read units, S3 puts, S3 gets) of some AWS calls."""
    sqs = wru = rru = puts = gets = 0.0
    for call, n in aws.items():
        api = call.split(":")[-1]
        service, _, operation = api.partition(".")
        if service == "SQS":
            sqs += n
        elif service == "DynamoDB":
            wru += n * WRITE_UNITS.get(operation, 0)
            rru += n * READ_UNITS.get(operation, 0)
        elif service == "S3":
            puts += n if operation.startswith("Put") or operation == "DeleteObjects" else 0
            gets += n if operation.startswith("Get") else 0
    return sqs, wru, rru, puts, gets


def estimate(results: dict[str, Any], assumptions: Assumptions | None = None) -> CostReport:
    a = assumptions or Assumptions()
    pipeline, turns, tokens = results["pipeline"], results["turns"], results["tokens"]
    report = CostReport(a)
    per = a.messages / pipeline.messages  # scale the pipeline's counts to 1,000 messages
    replies = pipeline.replies * per
    statuses = replies * a.statuses_per_reply
    plain = next(row.cost for row in turns if row.scenario.startswith("1 text message, text reply"))
    model_calls = plain.model_calls * replies

    # Requests, invocations and their time.
    webhook_requests = a.messages + statuses
    invocations = {
        "WebhookFunction": webhook_requests,
        "ProcessorFunction": pipeline.invocations.get("ProcessorFunction", (pipeline.messages, 0.0))[0] * per,
        "NotifierFunction": (pipeline.invocations.get("NotifierFunction", (0, 0.0))[0] * per) + statuses,
    }
    # The webhook's time per request in process (the local stack's HTTP runner queues requests
    # under the pipeline's load, which a Lambda does not), by kind.
    webhook_rows = {r.case: r.ms for r in results.get("webhook", []) if hasattr(r, "ms")}
    webhook_ms = (
        a.messages * webhook_rows.get("new message", 0)
        + statuses * webhook_rows.get("delivery status (message-event)", 0)
    ) / webhook_requests
    durations = {"WebhookFunction": webhook_ms / 1000} if webhook_rows else {}
    gb_seconds = 0.0
    # The local model answers at once; a real one is waited for: swap the one for the other.
    local_model = sum(t.model for t in pipeline.turns) / len(pipeline.turns) if pipeline.turns else 0.0
    for function, count in invocations.items():
        n, ms = pipeline.invocations.get(function, (0, 0.0))
        mean_s = durations.get(function, (ms / n / 1000) if n else 0.0)
        seconds = count * mean_s
        if function == "ProcessorFunction":
            seconds += replies * (plain.model_calls * a.model_seconds_per_call - local_model)
        gb = seconds * MEMORY_MB[function] / 1024
        gb_seconds += gb
        report.notes.append(
            f"{function}: {count:,.0f} invocations, {1000 * mean_s:,.0f} ms each as measured locally"
            + (" (in process)" if function in durations else "")
            + (
                f" (less {1000 * local_model:,.0f} ms of local model per turn, plus"
                f" {a.model_seconds_per_call:.1f} s per model call)"
                if function == "ProcessorFunction"
                else ""
            )
            + f", {MEMORY_MB[function]} MB: {gb:,.0f} GB-s"
        )
    report.lines += [
        CostLine(
            "API Gateway HTTP API requests",
            webhook_requests,
            "requests",
            webhook_requests * _price("api_gateway_http_request"),
        ),
        CostLine(
            "Lambda requests",
            sum(invocations.values()),
            "invocations",
            sum(invocations.values()) * _price("lambda_request"),
        ),
        CostLine("Lambda compute (arm64)", gb_seconds, "GB-s", gb_seconds * _price("lambda_arm64_gb_second")),
    ]

    # AWS calls: the webhook's per message and status, the processor's per turn, the notifier's per job.
    aws: dict[str, float] = {}

    def add(calls: dict[str, int] | Any, times: float) -> None:
        for call, n in dict(calls).items():
            aws[call] = aws.get(call, 0.0) + n * times

    add({"DynamoDB.TransactWriteItems": 1, "SQS.SendMessage": 1}, a.messages)  # webhook, a new message
    add({"SQS.SendMessage": 1}, statuses)  # webhook, a delivery status
    burst = next(row.cost for row in turns if row.scenario.startswith("3-message burst"))
    extra_ticket = {k: (burst.aws.get(k, 0) - plain.aws.get(k, 0)) / 2 for k in burst.aws}
    add(plain.aws, replies)
    add({k: v for k, v in extra_ticket.items() if v > 0}, a.messages - replies)
    # Idempotency records per reply job (Powertools: a conditional PutItem and an UpdateItem, for the
    # job and for the send), as the notifier bench counted them.
    notifier = results.get("notifier")
    rows = [r for r in getattr(notifier, "rows", []) if r.job == "reply" and r.dynamodb_calls is not None]
    notifier_ddb = rows[0].dynamodb_calls if rows else 4
    add({"DynamoDB.PutItem": notifier_ddb / 2, "DynamoDB.UpdateItem": notifier_ddb / 2}, replies)
    consumed = a.messages + replies + statuses  # tickets, reply jobs, status jobs
    add({"SQS.ReceiveMessage": 1, "SQS.DeleteMessage": 1}, consumed)
    sqs, wru, rru, puts, gets = _units(aws)
    report.lines += [
        CostLine("SQS FIFO requests", sqs, "requests", sqs * _price("sqs_fifo_request")),
        CostLine("DynamoDB write request units", wru, "WRU", wru * _price("dynamodb_write_request_unit")),
        CostLine("DynamoDB read request units", rru, "RRU", rru * _price("dynamodb_read_request_unit")),
        CostLine(
            "S3 requests",
            puts + gets,
            "requests",
            puts * _price("s3_put_request") + gets * _price("s3_get_request"),
        ),
    ]
    log_gb = sum(pipeline.log_bytes.get(LOG_OF[f], 0) for f in LOG_OF) * per / 1e9
    report.lines.append(
        CostLine("CloudWatch Logs ingested", log_gb * 1e3, "MB", log_gb * _price("cloudwatch_logs_ingested_gb"))
    )

    # The model: every call's prompt, with and without the prompt cache.
    model = "gpt-4.1-mini"
    reuse = [r.share for r in tokens.reuse] if tokens.reuse else [0.0]
    share = sum(reuse) / len(reuse)
    # Prompt tokens per call as measured (o200k) on the tokens bench's requests.
    prompt = sum(r.tokens for r in tokens.reuse) / len(tokens.reuse) if tokens.reuse else 1700.0
    completion = a.completion_tokens_per_call
    uncached = model_calls * (cost_usd(model, prompt, completion) or 0.0)
    cached = model_calls * (cost_usd(model, prompt, completion, prompt * share) or 0.0)
    report.model += [
        CostLine("gpt-4.1-mini, no prompt cache", model_calls, "model calls", uncached),
        CostLine(f"gpt-4.1-mini, {100 * share:.0f}% of each prompt cached", model_calls, "model calls", cached),
    ]
    report.notes.append(
        f"{replies:.0f} turns (replies) and {statuses:.0f} delivery statuses per {a.messages} messages;"
        f" {model_calls:.0f} model calls of ~{prompt:.0f} prompt tokens"
    )
    return report
