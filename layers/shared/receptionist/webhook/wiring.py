"""Build the webhook's parts from its settings: each Gupshup app's secrets (SSM, read when first
needed), the conversations table and the two queues, on boto3 clients with short timeouts and one
retry: a stalled call fails fast (Gupshup retries, the sweep heals). Shared by the Lambda handler,
the tests and the bench, which hand in their own clients (local endpoints, counted calls)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from receptionist.adapters.app_secrets import SsmAppSecrets
from receptionist.adapters.aws import fast_client_config
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.queues import FifoQueue
from receptionist.config import WebhookSettings
from receptionist.telemetry import Counters, Describe
from receptionist.webhook import telemetry
from receptionist.webhook.ports import RequestReport
from receptionist.webhook.service import WebhookService, epoch_ms


@dataclass(frozen=True)
class WebhookParts:
    """What the webhook's handler needs: the service and what its reports mean (no database, so
    nothing counted per request; the service records each request on the handler's telemetry)."""

    service: WebhookService
    describe: Describe[RequestReport]
    counters: Counters = field(default_factory=Counters)


def build(
    settings: WebhookSettings,
    *,
    ssm: Any | None = None,
    dynamodb: Any | None = None,
    sqs: Any | None = None,
    clock: Callable[[], int] = epoch_ms,
) -> WebhookParts:
    sqs = sqs or boto3.client("sqs", config=fast_client_config())
    service = WebhookService(
        secrets=SsmAppSecrets(settings.webhook_secrets_path, ssm),  # each Gupshup app's own secrets
        buffer=ConversationBuffer(
            settings.conversations_table, dynamodb or boto3.client("dynamodb", config=fast_client_config())
        ),
        inbound=FifoQueue(settings.inbound_queue_url, sqs),
        outbound=FifoQueue(settings.outbound_queue_url, sqs),
        clock=clock,
    )
    return WebhookParts(service, telemetry.describe)
