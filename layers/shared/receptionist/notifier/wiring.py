"""Build the notifier's service from its settings: adapters in, domain out. Shared by the Lambda
handler, the tests and the bench. Secrets are read when first needed, never at import."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.adapters.gupshup_api import GupshupApi
from receptionist.adapters.idempotency import PowertoolsIdempotency
from receptionist.config import NotifierSettings
from receptionist.crm.connection import Database
from receptionist.notifier.retry import RetryPolicy
from receptionist.notifier.service import DeliveryService
from receptionist.secrets import get_secret

HTTP_TIMEOUT_SECONDS = 8.0


def default_retry() -> RetryPolicy:
    """Within one invocation: up to 4 attempts, waits drawn from [0, 0.5], [0, 1], [0, 2] s (full
    jitter), never past the Lambda's remaining time. Then SQS redelivers after the queue's
    visibility timeout (180 s), up to 5 receives, then the DLQ."""
    return RetryPolicy(attempts=4, base_seconds=0.5, cap_seconds=4.0)


@dataclass
class Notifier:
    service: DeliveryService
    db: Database
    gupshup: GupshupApi
    idempotency: PowertoolsIdempotency


def build(settings: NotifierSettings, *, retry: RetryPolicy | None = None) -> Notifier:
    db = Database(lambda: get_secret(settings.database_url_param))
    gupshup = GupshupApi(settings.gupshup_api_url, timeout=HTTP_TIMEOUT_SECONDS)
    idempotency = PowertoolsIdempotency(settings.idempotency_table)
    service = DeliveryService(
        store=DeliveryCrm(db),
        sender=gupshup,
        idempotency=idempotency,
        api_key=get_secret,
        retry=retry or default_retry(),
        key_prefix=f"{settings.gupshup_keys_path.rstrip('/')}/",
    )
    return Notifier(service, db, gupshup, idempotency)
