"""AWS calls per inbound request in the webhook: its service as its wiring builds it (DynamoDB
transaction, SQS FIFO, the apps' secrets in SSM) against moto with the template deployed, counted
with botocore's before-call event on the DynamoDB and SQS clients (not SSM: the secrets are read
once per 5 minutes per container, not per request)."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bench.env import APP, BenchEnv, CallCounter, breakdown
from devstack.gupshup_events import customer_message, new_customer
from receptionist.config import WebhookSettings
from receptionist.webhook.http import HttpRequest
from receptionist.webhook.wiring import build

REPEATS = 20


@dataclass
class WebhookRow:
    case: str
    status: int
    result: str
    aws_calls: int
    detail: str
    ms: float = 0.0  # the handler's time in process (median of repeats for fresh messages and statuses)


def _request(body: dict[str, Any], secret: str) -> HttpRequest:
    return HttpRequest(
        method="POST",
        path="/webhooks/gupshup",
        headers={"content-type": "application/json", "x-webhook-token": secret},
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


def measure(env: BenchEnv) -> list[WebhookRow]:
    counter = CallCounter()
    ddb = counter.watch(env.client("dynamodb"))
    sqs = counter.watch(env.client("sqs"))
    settings = WebhookSettings.from_env(env.webhook_env)
    service = build(settings, ssm=env.client("ssm"), dynamodb=ddb, sqs=sqs).service
    service.handle(_request({}, "warm"))  # the apps' secrets read from SSM (once per 5 minutes in Lambda)
    secret = env.webhook_secret
    customer, mid = new_customer(), f"wamid.bench.{uuid.uuid4().hex}"
    wrong = HttpRequest("POST", "/webhooks/gupshup", {"content-type": "application/json"}, {}, b"{}")
    cases = [
        ("new message", _request(_message(customer, mid), secret)),
        ("duplicate (Gupshup redelivers the same message)", _request(_message(customer, mid), secret)),
        ("delivery status (message-event)", _request(_status(customer, str(uuid.uuid4())), secret)),
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
        "new message": lambda: _request(_message(new_customer(), f"wamid.bench.{uuid.uuid4().hex}"), secret),
        "delivery status (message-event)": lambda: _request(_status(customer, str(uuid.uuid4())), secret),
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
