"""The calendar push route against moto's SQS and SSM (a real FIFO queue and a SecureString key):
Google's notification as API Gateway delivers it, through the handler's parts. A burst is one sync
job in the queue; a forged or missing token is refused and nothing is queued."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.aws import moto_client
from receptionist.calendar.channels import channel_id, channel_token
from receptionist.calendar_push.wiring import CalendarPushParts, build
from receptionist.config import CalendarPushSettings
from receptionist.messages import CalendarJob
from receptionist.webhook.http import HttpRequest

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _event(headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway HTTP API (v2) event for Google's POST (no body worth reading)."""
    return {
        "version": "2.0",
        "routeKey": "POST /calendar/google/notifications",
        "rawPath": "/calendar/google/notifications",
        "headers": {"content-length": "0", "user-agent": "APIs-Google", **headers},
        "requestContext": {"http": {"method": "POST", "path": "/calendar/google/notifications"}},
        "isBase64Encoded": False,
    }


def _headers(channel: str, token: str, state: str = "exists", number: int = 1) -> dict[str, str]:
    return {
        "X-Goog-Channel-ID": channel,
        "X-Goog-Channel-Token": token,
        "X-Goog-Resource-State": state,
        "X-Goog-Resource-ID": "ret08u3rv24htgh289g",
        "X-Goog-Message-Number": str(number),
        "X-Goog-Channel-Expiration": "Mon, 14 Dec 2026 09:00:00 GMT",
    }


@pytest.fixture
def route(moto_endpoint: str) -> tuple[CalendarPushParts, Any, str, bytes, Clock]:
    ssm = moto_client("ssm", moto_endpoint, "us-east-1")
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    name = f"/receptionist/t{uuid.uuid4().hex[:8]}/calendar-channel-key"
    key = secrets.token_urlsafe(32)
    ssm.put_parameter(Name=name, Value=key, Type="SecureString")
    url = sqs.create_queue(
        QueueName=f"calendar-{uuid.uuid4().hex[:8]}.fifo",
        Attributes={
            "FifoQueue": "true",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
        },
    )["QueueUrl"]
    read: Callable[[str], str] = lambda n: ssm.get_parameter(Name=n, WithDecryption=True)["Parameter"]["Value"]  # noqa: E731
    settings = CalendarPushSettings.from_env({"CALENDAR_QUEUE_URL": url, "CALENDAR_CHANNEL_KEY_PARAM": name})
    clock = Clock(1_796_634_000.0)  # a multiple of 30: the burst below stays in one bucket
    return build(settings, sqs=sqs, secret=read, clock=clock), sqs, url, key.encode(), clock


def _received(sqs: Any, url: str) -> list[dict[str, Any]]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0)
    return list(got.get("Messages", []))


def test_a_burst_of_notifications_is_one_sync_job_in_the_queue(route: Any) -> None:
    parts, sqs, url, key, clock = route
    connection = str(uuid.uuid4())
    channel = channel_id(connection, datetime.fromtimestamp(clock.now, tz=UTC))
    token = channel_token(key, channel)
    for n in range(20):
        clock.now += 1
        response, report = parts.service.handle(
            HttpRequest.from_api_gateway(_event(_headers(channel, token, number=n)))
        )
        assert (response.status, report.outcome) == (200, "queued")

    (message,) = _received(sqs, url)
    job = CalendarJob.model_validate_json(message["Body"])
    assert (job.kind, job.connection_id, job.reason) == ("sync", connection, "push")
    assert message["Attributes"]["MessageGroupId"] == connection


def test_forged_and_headerless_notifications_are_refused_and_queue_nothing(route: Any) -> None:
    parts, sqs, url, key, clock = route
    channel = f"{uuid.uuid4()}-{int(clock.now)}"
    forged = channel_token(b"not the key", channel)
    response, report = parts.service.handle(HttpRequest.from_api_gateway(_event(_headers(channel, forged))))
    assert (response.status, report.reason) == (401, "bad_token")
    response, report = parts.service.handle(HttpRequest.from_api_gateway(_event({"X-Goog-Channel-ID": channel})))
    assert (response.status, report.reason) == (400, "missing_headers")
    response, report = parts.service.handle(
        HttpRequest.from_api_gateway(_event(_headers(channel, channel_token(key, channel), state="sync")))
    )
    assert (response.status, report.outcome) == (200, "acknowledged")
    assert _received(sqs, url) == []
