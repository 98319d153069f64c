"""WebhookFunction: Gupshup -> API Gateway HTTP API -> here. Thin: parse, delegate, map errors."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.adapters.queues import FifoQueue
from receptionist.config import WebhookSettings
from receptionist.secrets import get_secret
from receptionist.webhook.http import HttpRequest
from receptionist.webhook.service import WebhookService

logger = Logger()
tracer = Tracer()
metrics = Metrics()

settings = WebhookSettings.from_env()  # validated at cold start
service = WebhookService(
    secret=lambda: get_secret(settings.webhook_secret_param),
    inbound=FifoQueue(settings.inbound_queue_url),
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return service.handle(HttpRequest.from_api_gateway(event)).to_api_gateway()
