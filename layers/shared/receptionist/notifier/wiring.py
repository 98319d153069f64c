"""Build the notifier's parts from its settings: adapters in, domain out. Shared by the Lambda
handler, the tests and the bench. Secrets are read when first needed, never at import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.adapters.gupshup_api import GupshupApi
from receptionist.adapters.idempotency import PowertoolsIdempotency
from receptionist.config import NotifierSettings
from receptionist.crm.connection import Database
from receptionist.notifier import telemetry
from receptionist.notifier.retry import RetryPolicy
from receptionist.notifier.service import DeliveryReport, DeliveryService
from receptionist.secrets import get_secret
from receptionist.telemetry import Counters, Describe

HTTP_TIMEOUT_SECONDS = 8.0


def default_retry() -> RetryPolicy:
    """Within one invocation: up to 4 attempts, waits drawn from [0, 0.5], [0, 1], [0, 2] s (full
    jitter), never past the Lambda's remaining time. Then SQS redelivers after the queue's
    visibility timeout (180 s), up to 5 receives, then the DLQ."""
    return RetryPolicy(attempts=4, base_seconds=0.5, cap_seconds=4.0)


@dataclass(frozen=True)
class NotifierParts:
    """What the notifier's handler needs: the service, what its reports mean, what is counted per
    job (the database's round trips, the idempotency store's DynamoDB calls), and the idempotency
    store (each invocation's context makes in-progress records expire with it)."""

    service: DeliveryService
    describe: Describe[DeliveryReport]
    counters: Counters
    idempotency: PowertoolsIdempotency


def build(
    settings: NotifierSettings,
    *,
    retry: RetryPolicy | None = None,
    secret: Callable[[str], str] = get_secret,
    dynamodb: Any | None = None,
) -> NotifierParts:
    db = Database(lambda: secret(settings.database_url_param))
    idempotency = PowertoolsIdempotency(settings.idempotency_table, client=dynamodb)
    service = DeliveryService(
        store=DeliveryCrm(db),
        sender=GupshupApi(settings.gupshup_api_url, timeout=HTTP_TIMEOUT_SECONDS),
        idempotency=idempotency,
        api_key=secret,
        retry=retry or default_retry(),
        key_prefix=f"{settings.gupshup_keys_path.rstrip('/')}/",
    )
    counters = Counters({"db_round_trips": lambda: db.round_trips, "dynamodb_calls": lambda: idempotency.calls})
    return NotifierParts(service, telemetry.describe, counters, idempotency)
