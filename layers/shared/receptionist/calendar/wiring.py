"""Build CalendarFunction's parts from its settings: the CRM as the functions' role (row level
security; the URL from its SSM SecureString, read when first needed, never at import), Google
Calendar over plain HTTPS (its client secret read from SSM when first needed), refresh tokens as
SSM SecureStrings under the tokens path, the calendar FIFO queue (jobs, and the backoff of a failed
one), the outbound queue (staff notices) and the push channels' key. Shared by the Lambda handler,
the tests and the bench."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from receptionist.adapters.aws import bounded_client_config
from receptionist.adapters.calendar_notices import OutboundStaffNotices
from receptionist.adapters.calendar_store import CrmCalendarStore
from receptionist.adapters.calendar_tokens import SsmRefreshTokens
from receptionist.adapters.google_calendar import google_client
from receptionist.adapters.queues import FifoQueue, QueueVisibility
from receptionist.calendar import telemetry
from receptionist.calendar.channels import Channels
from receptionist.calendar.jobs import CalendarJobs, JobReport
from receptionist.calendar.provider import CalendarProvider
from receptionist.calendar.publish import Publisher
from receptionist.calendar.relay import Relay
from receptionist.calendar.schedule import CalendarSchedule, ScheduleReport
from receptionist.calendar.sync import CalendarSync
from receptionist.calendar.tokens import AccessTokens
from receptionist.config import CalendarSettings
from receptionist.crm.connection import Database
from receptionist.secrets import get_secret
from receptionist.telemetry import Counters, Describe


@dataclass(frozen=True)
class CalendarParts:
    """What the calendar handler needs: the queue's jobs (publish / sync) and what their reports
    mean, the minute's schedule (relay, renewal, poll) and what its report means, and what is
    counted per unit (the database's round trips, the provider's HTTP requests, token refreshes)."""

    service: CalendarJobs
    describe: Describe[JobReport]
    counters: Counters
    schedule: CalendarSchedule
    describe_schedule: Describe[ScheduleReport]


def build(
    settings: CalendarSettings,
    *,
    sqs: Any | None = None,
    ssm: Any | None = None,
    secret: Callable[[str], str] = get_secret,
    provider: CalendarProvider | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CalendarParts:
    db = Database(lambda: secret(settings.database_url_param), application_name="receptionist-calendar")
    sqs = sqs or boto3.client("sqs", config=bounded_client_config())
    google = provider or google_client(settings, secret)
    tokens = AccessTokens(google, SsmRefreshTokens(ssm or boto3.client("ssm", config=bounded_client_config())))
    store = CrmCalendarStore(db, clock)
    notices = OutboundStaffNotices(db, FifoQueue(settings.outbound_queue_url, sqs))
    queue = FifoQueue(settings.calendar_queue_url, sqs)
    jobs = CalendarJobs(
        Publisher(store, google, tokens, notices, clock),
        CalendarSync(store, google, tokens, notices, clock),
        QueueVisibility(settings.calendar_queue_url, sqs),
    )
    channels = Channels(
        store,
        google,
        tokens,
        notices,
        queue,
        lambda: secret(settings.channel_key_param).encode("utf-8"),
        settings.push_url,
        clock,
    )
    counters = Counters(
        {
            "db_round_trips": lambda: db.round_trips,
            "provider_calls": lambda: int(getattr(google, "calls", 0)),
            "token_refreshes": lambda: tokens.refreshes,
        }
    )
    return CalendarParts(
        jobs,
        telemetry.describe,
        counters,
        CalendarSchedule(Relay(store, queue, clock), channels),
        telemetry.describe_schedule,
    )
