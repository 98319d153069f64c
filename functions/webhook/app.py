"""WebhookFunction: Gupshup -> API Gateway HTTP API -> here. Thin: parse, delegate, map the result.

The logic lives in receptionist.webhook.service (see docs/webhook.md). Bad input is answered by
the service with a 4xx; AWS failures raise, so Gupshup gets a 5xx and retries.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.adapters.app_secrets import SsmAppSecrets
from receptionist.adapters.aws import fast_client_config
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.queues import FifoQueue
from receptionist.config import WebhookSettings
from receptionist.telemetry import PowertoolsTelemetry
from receptionist.webhook import telemetry as request_telemetry
from receptionist.webhook.http import HttpRequest
from receptionist.webhook.service import WebhookService

logger = Logger()
# No X-Ray SDK here: it is a third of this function's cold start (bench: imports). Active tracing
# still records the invocation, and botocore passes the trace header to SQS, so the processor's
# trace continues the request's (docs/webhook.md, "Traces").
metrics = Metrics()

settings = WebhookSettings.from_env()  # validated at cold start
# Short timeouts and one retry: a stalled call fails fast (Gupshup retries, the sweep heals).
sqs = boto3.client("sqs", config=fast_client_config())
service = WebhookService(
    secrets=SsmAppSecrets(settings.webhook_secrets_path),  # each Gupshup app's own secrets
    buffer=ConversationBuffer(settings.conversations_table, boto3.client("dynamodb", config=fast_client_config())),
    inbound=FifoQueue(settings.inbound_queue_url, sqs),
    outbound=FifoQueue(settings.outbound_queue_url, sqs),
    telemetry=PowertoolsTelemetry(logger, metrics, request_telemetry.describe),
)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return service.handle(HttpRequest.from_api_gateway(event)).to_api_gateway()
