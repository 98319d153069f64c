"""ProcessorFunction: inbound FIFO tickets -> one turn per conversation burst."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.adapters.queues import FifoQueue
from receptionist.config import ProcessorSettings
from receptionist.messages import InboundTicket
from receptionist.processor.service import TurnService

logger = Logger()
tracer = Tracer()
metrics = Metrics()

settings = ProcessorSettings.from_env()  # validated at cold start
service = TurnService(outbound=FifoQueue(settings.outbound_queue_url))
# One conversation's failure must not hold the others (skip its group, go on).
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    ticket = InboundTicket.model_validate_json(record.body)
    service.handle_ticket(ticket)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
