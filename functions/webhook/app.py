"""WebhookFunction: Gupshup -> API Gateway HTTP API -> here. Thin: parse, delegate, map the result.

The logic lives in receptionist.webhook.service (see docs/webhook.md), built by
receptionist.webhook.wiring. Bad input is answered by the service with a 4xx; AWS failures raise,
so Gupshup gets a 5xx and retries. The service records each request on this telemetry itself: it
tags the logs with the Gupshup message id as soon as it has read it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import WebhookSettings
from receptionist.telemetry import PowertoolsTelemetry
from receptionist.webhook.http import HttpRequest
from receptionist.webhook.wiring import build

logger = Logger()
# No X-Ray SDK here: it is a third of this function's cold start (bench: imports). Active tracing
# still records the invocation, and botocore passes the trace header to SQS, so the processor's
# trace continues the request's (docs/webhook.md, "Traces").
metrics = Metrics()

settings = WebhookSettings.from_env()  # validated at cold start
parts = build(settings)
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return parts.service.handle(HttpRequest.from_api_gateway(event), telemetry).to_api_gateway()
