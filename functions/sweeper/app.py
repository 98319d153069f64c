"""SweeperFunction: every minute, a ticket for each conversation whose newest message was stored
but never got a turn (receptionist.sweeper.service). Thin: settings, adapters, one call."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.open_conversations import DynamoOpenConversations
from receptionist.adapters.queues import FifoQueue
from receptionist.config import SweeperSettings
from receptionist.sweeper import telemetry as sweep_telemetry
from receptionist.sweeper.service import SweepPolicy, SweepService
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces (media URLs)
metrics = Metrics()

settings = SweeperSettings.from_env()  # validated at cold start
service = SweepService(
    index=DynamoOpenConversations(settings.conversations_table, index_name=settings.open_index),
    inbound=FifoQueue(settings.inbound_queue_url, boto3.client("sqs", config=bounded_client_config())),
    policy=SweepPolicy(
        after_seconds=settings.debounce_seconds + settings.sweep_margin_seconds,
        resweep_seconds=settings.resweep_seconds,
        max_sweeps=settings.max_sweeps,
    ),
)
telemetry = PowertoolsTelemetry(logger, metrics, sweep_telemetry.describe)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = service.sweep()
    telemetry.record(report)
    return {"stale": report.stale, "reticketed": report.reticketed, "abandoned": report.abandoned}
