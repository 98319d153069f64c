"""Build the push route's parts from its settings: the channel key (SSM SecureString, read when
first needed and cached like every secret) and the calendar queue, on a fast-failing SQS client
(a stalled send fails within seconds; Google retries). No database."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from receptionist.adapters.aws import fast_client_config
from receptionist.adapters.queues import FifoQueue
from receptionist.calendar_push import telemetry
from receptionist.calendar_push.service import PushReport, PushService
from receptionist.config import CalendarPushSettings
from receptionist.secrets import get_secret
from receptionist.telemetry import Counters, Describe


@dataclass(frozen=True)
class CalendarPushParts:
    """What the push handler needs: the service and what its reports mean (nothing counted)."""

    service: PushService
    describe: Describe[PushReport]
    counters: Counters = field(default_factory=Counters)


def build(
    settings: CalendarPushSettings,
    *,
    sqs: Any | None = None,
    secret: Callable[[str], str] = get_secret,
    clock: Callable[[], float] = time.time,
) -> CalendarPushParts:
    queue = FifoQueue(settings.calendar_queue_url, sqs or boto3.client("sqs", config=fast_client_config()))
    service = PushService(lambda: secret(settings.channel_key_param).encode("utf-8"), queue, clock)
    return CalendarPushParts(service, telemetry.describe)
