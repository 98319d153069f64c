"""CalendarPushFunction: Google Calendar push notification -> API Gateway HTTP API -> here.

Thin: parse, delegate, map. The logic lives in receptionist.calendar_push.service (docs/calendar.md),
built by receptionist.calendar_push.wiring: the channel's token checked against the HMAC of its id
(no database), a change turned into one sync job per calendar and 30 seconds. A queue that cannot be
reached raises: Google gets a 5xx and retries; the poll is the net."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.calendar_push.wiring import build
from receptionist.config import CalendarPushSettings
from receptionist.telemetry import PowertoolsTelemetry
from receptionist.webhook.http import HttpRequest

logger = Logger()
# No X-Ray SDK, as the webhook: it is a third of a cold start; active tracing still records the invocation.
metrics = Metrics()

settings = CalendarPushSettings.from_env()  # validated at cold start
parts = build(settings)
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with telemetry.unit():
        response, report = parts.service.handle(HttpRequest.from_api_gateway(event))
    telemetry.record(report)
    return response.to_api_gateway()
