"""POST /calendar/google/notifications: Google's push notification for a watched calendar.

Google sends X-Goog-Channel-ID (ours: "<connection uuid>-<epoch s>"), X-Goog-Channel-Token (the
HMAC of that id we gave at watch time), X-Goog-Resource-State ("sync" once when a channel starts,
"exists" / "not_exists" on a change) and no body worth reading. A change becomes a sync job for the
connection; its deduplication id is the channel and a 30-second bucket, so a burst of
notifications (a recurring series edited, an import) collapses into one sync per calendar.

Answers: 200 for what was taken (or acknowledged); 400 when Google's headers are missing; 401 for
a channel id we never made or a token that does not match (counted: a forged or stale caller).
A queue that cannot be reached raises: API Gateway answers 5xx and Google retries (the poll is the
net when it gives up)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

from receptionist.calendar.channels import connection_of, verify
from receptionist.messages import CalendarJob, Queue, fifo_id
from receptionist.webhook.http import HttpRequest, HttpResponse

CHANNEL_ID: Final = "x-goog-channel-id"
CHANNEL_TOKEN: Final = "x-goog-channel-token"  # noqa: S105 - a header's name
RESOURCE_STATE: Final = "x-goog-resource-state"
BUCKET_SECONDS: Final = 30
CHANGE_STATES: Final = ("exists", "not_exists")

PushOutcome = Literal["queued", "acknowledged", "ignored", "rejected"]
RejectReason = Literal["missing_headers", "unknown_channel", "bad_token"]


@dataclass(frozen=True)
class PushReport:
    outcome: PushOutcome
    reason: RejectReason | None = None
    state: str | None = None  # the resource state Google sent (not a secret, not personal)


def dedup_id(channel: str, now: float) -> str:
    return fifo_id(f"push-{channel}-{int(now) // BUCKET_SECONDS}")


class PushService:
    def __init__(self, key: Callable[[], bytes], queue: Queue, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._queue = queue
        self._clock = clock

    def handle(self, request: HttpRequest) -> tuple[HttpResponse, PushReport]:
        channel, token, state = (request.header(h) for h in (CHANNEL_ID, CHANNEL_TOKEN, RESOURCE_STATE))
        if not (channel and token and state):
            return HttpResponse(400, {"error": "missing_headers"}), PushReport("rejected", "missing_headers")
        connection = connection_of(channel)
        if connection is None:
            return HttpResponse(401, {"error": "unauthorized"}), PushReport("rejected", "unknown_channel")
        if not verify(self._key(), channel, token):
            return HttpResponse(401, {"error": "unauthorized"}), PushReport("rejected", "bad_token")
        if state not in CHANGE_STATES:
            # "sync": the channel works; nothing changed yet.
            outcome: PushOutcome = "acknowledged" if state == "sync" else "ignored"
            return HttpResponse(200, {"status": outcome}), PushReport(outcome, state=state[:20])
        job = CalendarJob(kind="sync", connection_id=connection, channel_id=channel, reason="push")
        self._queue.send(job, group=connection, dedup_id=dedup_id(channel, self._clock()))
        return HttpResponse(200, {"status": "queued"}), PushReport("queued", state=state)
