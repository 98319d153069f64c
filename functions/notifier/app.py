"""NotifierFunction: outbound FIFO jobs -> Gupshup send API, delivery states -> the CRM.

Thin: the logic lives in receptionist.notifier.service (see docs/notifier.md), built by
receptionist.notifier.wiring. A job that must be tried again raises; its record is reported in
batchItemFailures (and, with skip_group_on_error, the rest of its conversation's records in the
batch too, so order is kept); SQS redelivers it and, after the queue's maxReceiveCount, moves it
to the DLQ.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import NotifierSettings
from receptionist.messages import OutboundJob
from receptionist.notifier.wiring import build
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces (media URLs)
metrics = Metrics()

settings = NotifierSettings.from_env()  # validated at cold start
parts = build(settings)  # the CRM, Gupshup, idempotency adapters (connections are lazy)
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)
# One conversation's failure must not hold the others (skip its group, go on).
batch = SqsFifoPartialProcessor(skip_group_on_error=True)
# A batch whose every record failed is answered with batchItemFailures too, not an exception: a
# one-record batch during a Gupshup blip is the same event as a larger batch with one failure (no
# function error, no Errors alarm); what keeps failing reaches the DLQ, which alarms.
batch.raise_on_entire_batch_failure = False


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    job = OutboundJob.model_validate_json(record.body)
    logger.append_keys(job_id=job.job_id)
    attempt = int(record.attributes.approximate_receive_count or 1)
    with telemetry.unit(attempt=attempt, partial=lambda: parts.service.last_report):
        report = parts.service.deliver(job, remaining=lambda: lambda_context.get_remaining_time_in_millis() / 1000)
    telemetry.record(report)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    parts.idempotency.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=record_handler, processor=batch, context=context)
