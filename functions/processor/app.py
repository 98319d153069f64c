"""ProcessorFunction: inbound FIFO tickets -> one debounced turn per conversation burst.

Thin: the logic lives in receptionist.processor.service (TurnService), built by
receptionist.processor.wiring. Each ticket's turn gets a deadline from the invocation's remaining
time minus what the fallback needs; on the ticket's last attempt a failure falls back (customer +
staff) instead of raising.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import ProcessorSettings
from receptionist.deadline import Deadline
from receptionist.messages import InboundTicket
from receptionist.processor import snapshot
from receptionist.processor.wiring import build
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces (media URLs)
metrics = Metrics()

settings = ProcessorSettings.from_env()  # validated at cold start
parts = build(settings)
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)
snapshot.register(parts.connections)  # SnapStart: connections closed before the snapshot, reopened after
# One conversation's failure must not hold the others (skip its group, go on).
batch = SqsFifoPartialProcessor(skip_group_on_error=True)


@tracer.capture_method(capture_response=False)
def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    ticket = InboundTicket.model_validate_json(record.body)
    logger.append_keys(ticket_id=ticket.message_id, ticket_kind=ticket.kind)
    attempt = int(record.attributes.approximate_receive_count or 1)
    last_attempt = attempt >= settings.max_receive_count or bool(ticket.last_attempt)
    deadline = Deadline.after(lambda_context.get_remaining_time_in_millis() / 1000 - settings.fallback_reserve_seconds)
    with telemetry.unit(attempt=attempt):
        report = parts.service.handle(ticket, deadline, last_attempt=last_attempt)
    telemetry.record(report)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    try:
        return process_partial_response(event=event, record_handler=record_handler, processor=batch, context=context)
    finally:  # Langfuse (when on): this invocation's turns, bounded by its remaining time
        parts.connections.flush_traces(context.get_remaining_time_in_millis() / 1000)
