"""RetentionFunction: every night, what each business's retention windows make due is removed in
every store an erasure reaches (receptionist.retention.service, built by
receptionist.retention.wiring; docs/privacy.md "How long anything is kept"). Thin: settings,
wiring, one call within the invocation's time.

A database outage raises: Lambda reports the error (alarmed) and the next night's run does the work."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import RetentionSettings
from receptionist.deadline import Deadline
from receptionist.retention.wiring import build
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only
metrics = Metrics()

settings = RetentionSettings.from_env()  # validated at cold start
parts = build(settings)  # the connection is opened by the first run
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    # Work stops being started this long before the timeout; what is left is the next run's.
    deadline = Deadline.after(context.get_remaining_time_in_millis() / 1000 - settings.reserve_seconds)
    with telemetry.unit():
        report = parts.service.run(deadline)
    telemetry.record(report)
    return report.counts()
