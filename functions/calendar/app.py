"""CalendarFunction: the calendar sync's jobs and its minute (docs/calendar.md).

Two triggers, one thin handler. From CalendarQueue (FIFO), a batch of CalendarJobs: "appointment"
writes one appointment into a member's calendar as it is now, "sync" reads a calendar's changes into
busy blocks (receptionist.calendar.jobs). A job that fails delays its own next delivery (backoff
through the message's visibility) and is reported in batchItemFailures; after the queue's
maxReceiveCount it moves to the alarmed DLQ. From the schedule, every minute: the outbox relayed,
push channels renewed, quiet calendars polled, within the time left (receptionist.calendar.schedule).
Built by receptionist.calendar.wiring."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.calendar.wiring import build
from receptionist.config import CalendarSettings
from receptionist.deadline import Deadline
from receptionist.messages import CalendarJob
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces
metrics = Metrics()
# Kept back from the scheduled run: the invocation ends well inside the function's timeout.
SCHEDULE_RESERVE_SECONDS = 10

settings = CalendarSettings.from_env()  # validated at cold start
parts = build(settings)  # the connection is opened by the first job
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)
schedule_telemetry = PowertoolsTelemetry(logger, metrics, parts.describe_schedule, counters=parts.counters)
# One calendar's failure must not hold the others (skip its group, go on); a batch whose every
# record failed is answered with batchItemFailures too (what keeps failing reaches the DLQ, alarmed).
batch = SqsFifoPartialProcessor(skip_group_on_error=True)
batch.raise_on_entire_batch_failure = False


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    job = CalendarJob.model_validate_json(record.body)
    attempt = int(record.attributes.approximate_receive_count or 1)
    with telemetry.unit(attempt=attempt, kind=job.kind):
        report = parts.service.handle(
            job,
            attempt=attempt,
            receipt_handle=record.receipt_handle,
            remaining=lambda: lambda_context.get_remaining_time_in_millis() / 1000,
        )
    telemetry.record(report)


def _run_schedule(context: LambdaContext) -> dict[str, int]:
    left = context.get_remaining_time_in_millis() / 1000 - SCHEDULE_RESERVE_SECONDS
    with schedule_telemetry.unit():
        report = parts.schedule.run(Deadline.after(left))
    schedule_telemetry.record(report)
    return report.counts()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if event.get("Records"):
        return process_partial_response(event=event, record_handler=record_handler, processor=batch, context=context)
    return _run_schedule(context)
