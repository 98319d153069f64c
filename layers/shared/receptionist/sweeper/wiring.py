"""Build the sweep's parts from its settings: the conversations table's open index and the inbound
queue, on boto3 clients with bounded timeouts. Shared by the Lambda handler and the tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.open_conversations import DynamoOpenConversations
from receptionist.adapters.queues import FifoQueue
from receptionist.config import SweeperSettings
from receptionist.sweeper import telemetry
from receptionist.sweeper.service import SweepPolicy, SweepReport, SweepService
from receptionist.telemetry import Counters, Describe


@dataclass(frozen=True)
class SweeperParts:
    """What the sweeper's handler needs: the service and what its reports mean (DynamoDB and SQS
    only: nothing counted per sweep beyond the report)."""

    service: SweepService
    describe: Describe[SweepReport]
    counters: Counters = field(default_factory=Counters)


def build(
    settings: SweeperSettings,
    *,
    dynamodb: Any | None = None,
    sqs: Any | None = None,
    clock: Callable[[], float] = time.time,
) -> SweeperParts:
    service = SweepService(
        index=DynamoOpenConversations(settings.conversations_table, dynamodb, index_name=settings.open_index),
        inbound=FifoQueue(settings.inbound_queue_url, sqs or boto3.client("sqs", config=bounded_client_config())),
        policy=SweepPolicy(
            after_seconds=settings.debounce_seconds + settings.sweep_margin_seconds,
            resweep_seconds=settings.resweep_seconds,
            max_sweeps=settings.max_sweeps,
        ),
        clock=clock,
    )
    return SweeperParts(service, telemetry.describe)
