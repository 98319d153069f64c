"""NotifierFunction: outbound FIFO jobs -> Gupshup send API."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import NotifierSettings
from receptionist.messages import OutboundJob
from receptionist.notifier.service import DeliveryService

logger = Logger()
tracer = Tracer()
metrics = Metrics()

settings = NotifierSettings.from_env()  # validated at cold start
service = DeliveryService()
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    job = OutboundJob.model_validate_json(record.body)
    service.deliver(job)
    logger.info("job delivered", extra={"job_id": job.job_id, "kind": job.kind})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
