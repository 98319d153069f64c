"""SweeperFunction: every minute, a ticket for each conversation whose newest message was stored
but never got a turn (receptionist.sweeper.service, built by receptionist.sweeper.wiring). Thin:
settings, wiring, one call.

A DynamoDB or SQS outage raises: Lambda reports the error and the next minute's sweep finds the
same conversations."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import SweeperSettings
from receptionist.sweeper.wiring import build
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces (media URLs)
metrics = Metrics()

settings = SweeperSettings.from_env()  # validated at cold start
parts = build(settings)
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with telemetry.unit():
        report = parts.service.sweep()
    telemetry.record(report)
    return {"stale": report.stale, "reticketed": report.reticketed, "abandoned": report.abandoned}
