"""RemindersFunction: every 5 minutes, a reminder pass: the reminders due now (and missed ones
within REMINDER_LOOKBACK_HOURS) claimed exactly once and queued for the notifier
(receptionist.reminders.service, docs/reminders.md). Thin: settings, wiring, one call.

A database outage raises: Lambda reports the error (alarmed) and the next run catches up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import RemindersSettings
from receptionist.reminders import telemetry as pass_telemetry
from receptionist.reminders.service import PassReport
from receptionist.reminders.wiring import build_pass
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces
metrics = Metrics()

settings = RemindersSettings.from_env()  # validated at cold start
reminder_pass = build_pass(settings)  # the connection is opened by the first run
lookback = timedelta(hours=settings.reminder_lookback_hours)
telemetry: PowertoolsTelemetry[PassReport] = PowertoolsTelemetry(logger, metrics, pass_telemetry.describe)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    trips = reminder_pass.db.round_trips
    try:
        report = reminder_pass.run(datetime.now(UTC), lookback)
    except Exception:
        telemetry.emit(pass_telemetry.describe_failure(db_round_trips=reminder_pass.db.round_trips - trips))
        raise
    telemetry.record(report, db_round_trips=reminder_pass.db.round_trips - trips)
    return report.counts()
