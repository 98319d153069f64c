"""AWS calls per inbound request in the webhook: the real WebhookService on the real adapters
(DynamoDB transaction, SQS FIFO) against moto with the template deployed, counted with
botocore's before-call event on the two clients the adapters use."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.env import APP, BenchEnv, CallCounter, breakdown
from devstack.gupshup_events import customer_message, new_customer
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.queues import FifoQueue
from receptionist.webhook.http import HttpRequest
from receptionist.webhook.service import WebhookService

REPEATS = 20
SECRET = "bench-webhook-secret"  # noqa: S105 - a local value for a local service


@dataclass
class WebhookRow:
    case: str
    status: int
    result: str
    aws_calls: int
    detail: str
    ms: float = 0.0  # the handler's time in process (median of repeats for fresh messages and statuses)


def _request(body: dict[str, Any]) -> HttpRequest:
    return HttpRequest(
        method="POST",
        path="/webhooks/gupshup",
        headers={"content-type": "application/json", "x-webhook-token": SECRET},
        query={},
        body=json.dumps(body).encode(),
    )


def _message(customer: str, mid: str) -> dict[str, Any]:
    return customer_message(APP, customer, text="Hola, ¿cuánto cuesta una limpieza?", message_id=mid, name="Lucía")


def _status(customer: str, provider_id: str) -> dict[str, Any]:
    return {
        "app": APP,
        "timestamp": int(time.time() * 1000),
        "version": 2,
        "type": "message-event",
        "payload": {
            "id": f"gBEG{uuid.uuid4().hex[:20]}",
            "gsId": provider_id,
            "type": "delivered",
            "destination": customer,
            "payload": {"ts": int(time.time())},
        },
    }


class _Secrets:
    """The demo app's secret (read from SSM once per 5 minutes in Lambda: not a per-request call)."""

    def secrets_for(self, app: str) -> list[str]:
        return [SECRET]

    def all_secrets(self) -> list[str]:
        return [SECRET]

    def refresh(self) -> bool:
        return False


def measure(env: BenchEnv) -> list[WebhookRow]:
    counter = CallCounter()
    ddb = counter.watch(env.client("dynamodb"))
    sqs = counter.watch(env.client("sqs"))
    service = WebhookService(
        secrets=_Secrets(),
        buffer=ConversationBuffer(env.names["CONVERSATIONS_TABLE"], ddb),
        inbound=FifoQueue(env.names["INBOUND_QUEUE_URL"], sqs),
        outbound=FifoQueue(env.names["OUTBOUND_QUEUE_URL"], sqs),
    )
    customer, mid = new_customer(), f"wamid.bench.{uuid.uuid4().hex}"
    wrong = HttpRequest("POST", "/webhooks/gupshup", {"content-type": "application/json"}, {}, b"{}")
    cases = [
        ("new message", _request(_message(customer, mid))),
        ("duplicate (Gupshup redelivers the same message)", _request(_message(customer, mid))),
        ("delivery status (message-event)", _request(_status(customer, str(uuid.uuid4())))),
        ("rejected (no token)", wrong),
    ]
    rows = []
    for case, request in cases:
        counter.reset()
        started = time.perf_counter()
        response = service.handle(request)
        ms = 1000 * (time.perf_counter() - started)
        rows.append(
            WebhookRow(
                case,
                response.status,
                str(response.payload.get("status") or response.payload.get("error") or ""),
                counter.total(),
                breakdown(counter.counts()),
                ms,
            )
        )
    fresh = {
        "new message": lambda: _request(_message(new_customer(), f"wamid.bench.{uuid.uuid4().hex}")),
        "delivery status (message-event)": lambda: _request(_status(customer, str(uuid.uuid4()))),
    }
    for row in rows:
        if row.case in fresh:
            samples = []
            for _ in range(REPEATS):
                request = fresh[row.case]()
                started = time.perf_counter()
                service.handle(request)
                samples.append(1000 * (time.perf_counter() - started))
            row.ms = statistics.median(samples)
    for url in (env.names["INBOUND_QUEUE_URL"], env.names["OUTBOUND_QUEUE_URL"]):
        env.drain(url)
    return rows
