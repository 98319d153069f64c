"""ProcessorFunction: inbound FIFO tickets -> one debounced turn per conversation burst."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import ProcessorSettings
from receptionist.messages import InboundTicket
from receptionist.processor.service import TurnReport
from receptionist.processor.wiring import build_service

logger = Logger()
tracer = Tracer()
metrics = Metrics()

settings = ProcessorSettings.from_env()  # validated at cold start
service = build_service(settings)
# One conversation's failure must not hold the others (skip its group, go on).
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


def _emit(report: TurnReport) -> None:
    metrics.add_metric(name=f"Turn_{report.outcome}", unit=MetricUnit.Count, value=1)
    if report.outcome in ("answered", "media_failed", "replayed"):
        metrics.add_metric(name="TurnMediaSeconds", unit=MetricUnit.Seconds, value=report.media_seconds)
        metrics.add_metric(name="TurnModelSeconds", unit=MetricUnit.Seconds, value=report.model_seconds)
        metrics.add_metric(name="TurnDatabaseSeconds", unit=MetricUnit.Seconds, value=report.db_seconds)
        metrics.add_metric(name="TurnSeconds", unit=MetricUnit.Seconds, value=report.total_seconds)
        metrics.add_metric(name="TurnOverheadSeconds", unit=MetricUnit.Seconds, value=report.overhead_seconds)
        metrics.add_metric(name="ModelCalls", unit=MetricUnit.Count, value=report.model_calls)
        metrics.add_metric(name="PromptTokens", unit=MetricUnit.Count, value=report.prompt_tokens)
        metrics.add_metric(name="CompletionTokens", unit=MetricUnit.Count, value=report.completion_tokens)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    ticket = InboundTicket.model_validate_json(record.body)
    logger.append_keys(turn_id=ticket.message_id, ticket_kind=ticket.kind)
    receive_count = int(record.attributes.approximate_receive_count or 1)
    try:
        report = service.handle(ticket, receive_count)
    except Exception:
        metrics.add_metric(name="Turn_failed", unit=MetricUnit.Count, value=1)
        logger.exception("turn failed", extra={"attempt": receive_count})
        raise
    _emit(report)
    logger.info(
        "turn done",
        extra={
            "outcome": report.outcome,
            "messages": report.messages,
            "db_round_trips": report.db_round_trips,
            "model_calls": report.model_calls,
            "seconds": round(report.total_seconds, 4),
            "model_seconds": round(report.model_seconds, 4),
            "media_seconds": round(report.media_seconds, 4),
            "db_seconds": round(report.db_seconds, 4),
            "overhead_seconds": round(report.overhead_seconds, 4),
        },
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
