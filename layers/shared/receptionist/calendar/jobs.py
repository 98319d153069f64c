"""CalendarFunction's queue consumer: one CalendarJob, published or synced, retried with backoff.

Why backoff through the message's visibility: a job that fails (the provider down or rate
limiting, the database unreachable, no time left) is not retried at once by the queue but after
30 s, 1, 2, 4... minutes (capped at 15, half of it jittered), so an outage is not hammered and a
rate limit has time to lift; after the queue's maxReceiveCount the job goes to the dead-letter
queue, which is alarmed. The job raises after delaying itself, so the batch reports it failed."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from typing import Protocol

from receptionist.calendar.publish import Publisher, PublishReport
from receptionist.calendar.sync import CalendarSync, SyncReport
from receptionist.deadline import Deadline
from receptionist.messages import CalendarJob

BASE_SECONDS = 30
CAP_SECONDS = 15 * 60
# Seconds of the invocation kept back from a job: its failure is still recorded and delayed.
RESERVE_SECONDS = 5.0

JobReport = PublishReport | SyncReport


class Visibility(Protocol):
    """Delay a received message's next delivery (SQS ChangeMessageVisibility)."""

    def delay(self, receipt_handle: str, seconds: int) -> None: ...


def backoff_seconds(attempt: int, rng: random.Random) -> int:
    """Equal jitter: half the exponential step fixed, half random (never an immediate retry)."""
    step = min(CAP_SECONDS, BASE_SECONDS * 2 ** max(0, attempt - 1))
    return int(step / 2 + rng.uniform(0, step / 2))


class CalendarJobs:
    def __init__(
        self, publisher: Publisher, sync: CalendarSync, visibility: Visibility, rng: random.Random | None = None
    ) -> None:
        self._publisher = publisher
        self._sync = sync
        self._visibility = visibility
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret

    def handle(
        self, job: CalendarJob, *, attempt: int, receipt_handle: str, remaining: Callable[[], float]
    ) -> JobReport:
        deadline = Deadline.after(remaining() - RESERVE_SECONDS)
        try:
            return self._run(job, deadline)
        except Exception:
            # A delay that cannot be set leaves the queue's own visibility timeout to apply.
            with contextlib.suppress(Exception):
                self._visibility.delay(receipt_handle, backoff_seconds(attempt, self._rng))
            raise

    def _run(self, job: CalendarJob, deadline: Deadline) -> JobReport:
        if job.kind == "sync":
            assert job.connection_id is not None  # CalendarJob's validator
            return self._sync.run(
                job.connection_id, deadline, organization_id=job.organization_id, channel_id=job.channel_id
            )
        assert job.organization_id and job.appointment_id and job.member_id  # CalendarJob's validator
        return self._publisher.publish(job.organization_id, job.appointment_id, job.member_id, deadline)
