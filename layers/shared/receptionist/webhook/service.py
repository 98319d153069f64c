"""Webhook domain logic: authenticate, parse, dedupe + buffer, hand on a ticket.

Per request:
- customer message: one DynamoDB transaction (dedupe marker + buffered message + conversation
  meta), then one SQS SendMessage of a small ticket to the inbound FIFO queue;
- a redelivered message: the transaction finds the marker, one GetItem tells whether the
  message still waits for a turn, and if so its ticket is sent again (same deduplication id:
  SQS drops it if the first one did go out);
- delivery status: one SendMessage of a "status" job to the outbound FIFO queue, in a group of
  its own (per Gupshup message), so a status that keeps failing never holds a reply back;
- opt-in / opt-out: one SendMessage of a "user_event" ticket to the inbound FIFO queue.

Bad input gets a 4xx with a short JSON error and is never an exception. AWS failures do raise
(the function errors, Gupshup gets a 5xx and retries). The window between the buffer write and
the ticket heals itself: Gupshup's retry re-sends the ticket (above), and if Gupshup never
retries the sweep (receptionist.sweeper) finds the message and sends a ticket for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from receptionist.conversation_key import ConversationKey
from receptionist.gupshup.inbound import (
    CallbackError,
    IgnoredCallback,
    MessageCallback,
    StatusCallback,
    UserEventCallback,
    app_of,
    parse_callback,
)
from receptionist.messages import (
    DeliveryStatus,
    InboundTicket,
    OutboundJob,
    Queue,
    UserEvent,
    fifo_id,
)
from receptionist.webhook.auth import is_authorized
from receptionist.webhook.http import HttpRequest, HttpResponse, is_json_media_type
from receptionist.webhook.ports import AppSecrets, MessageBuffer, RequestReport, Telemetry

_REJECTIONS: dict[str, tuple[int, str]] = {
    "method_not_allowed": (405, "only POST is accepted"),
    "unauthorized": (401, "missing or wrong token"),
    "too_large": (413, "body is over 256 KB"),
    "invalid_base64": (400, "body is not valid base64"),
    "unsupported_media_type": (415, "content-type must be application/json"),
    "malformed_json": (400, "body is not valid JSON"),
    "invalid_payload": (422, "body is not a Gupshup v2 callback"),
}


def epoch_ms() -> int:
    return time.time_ns() // 1_000_000


class _NoTelemetry:
    def correlate(self, message_id: str | None) -> None:
        return None

    def record(self, report: RequestReport) -> None:
        return None


class WebhookService:
    def __init__(
        self,
        *,
        secrets: AppSecrets,
        buffer: MessageBuffer,
        inbound: Queue,
        outbound: Queue,
        clock: Callable[[], int] = epoch_ms,
    ) -> None:
        self._secrets = secrets
        self._buffer = buffer
        self._inbound = inbound
        self._outbound = outbound
        self._clock = clock

    def handle(self, request: HttpRequest, telemetry: Telemetry | None = None) -> HttpResponse:
        """Answer one request and record it on `telemetry` (the handler's): unlike the other
        functions' services, this one records as it goes, since it tags the logs with the Gupshup
        message id as soon as it has read it, and answers a rejection with a report of its own."""
        telemetry = telemetry or _NoTelemetry()
        telemetry.correlate(None)
        try:
            report = self._handle(request, telemetry)
        except Exception as exc:  # an AWS failure: recorded, then left to fail the invocation
            telemetry.record(RequestReport("failed", 500, reason=type(exc).__name__))
            raise
        telemetry.record(report)
        if report.outcome == "rejected":
            reason = report.reason or "invalid_payload"
            status, message = _REJECTIONS[reason]
            payload = {"error": reason, "message": message}
            if report.detail and reason in ("malformed_json", "invalid_payload"):
                payload["detail"] = report.detail[:300]
            return HttpResponse(status, payload)
        return HttpResponse(report.status_code, {"status": report.outcome})

    # -- steps -----------------------------------------------------------------------------
    def _handle(self, request: HttpRequest, telemetry: Telemetry) -> RequestReport:
        if request.method and request.method != "POST":
            return _rejected("method_not_allowed")
        # The app's own secret: a secret of business A never posts as business B's customers.
        app = app_of(request.body) if request.body_error is None else None
        if not is_authorized(request, app, self._secrets):
            return _rejected("unauthorized")
        if request.body_error is not None:
            return _rejected(request.body_error)
        if not is_json_media_type(request.header("content-type")):
            return _rejected("unsupported_media_type")
        try:
            callback = parse_callback(request.body)
        except CallbackError as exc:
            return _rejected(exc.reason, exc.detail)
        if isinstance(callback, MessageCallback):
            return self._message(callback, telemetry)
        if isinstance(callback, StatusCallback):
            return self._status(callback, telemetry)
        if isinstance(callback, UserEventCallback):
            return self._user_event(callback, telemetry)
        return self._ignored(callback)

    def _message(self, callback: MessageCallback, telemetry: Telemetry) -> RequestReport:
        message = callback.message
        telemetry.correlate(message.id)
        conversation = ConversationKey(callback.envelope.app, message.source)
        received_at = self._clock()
        buffered = self._buffer.buffer(
            conversation=str(conversation),
            message_id=message.id,
            message_type=message.type,
            message_json=message.model_dump_json(exclude_none=True),
            received_at_ms=received_at,
            sent_at_ms=callback.envelope.timestamp or received_at,
        )
        if buffered.duplicate and not buffered.pending:
            return RequestReport("duplicate", 200, kind=message.type, message_id=message.id)
        ticket = InboundTicket(conversation=str(conversation), message_id=message.id)
        self._inbound.send(ticket, group=conversation.group, dedup_id=fifo_id(message.id))
        if buffered.duplicate:
            return RequestReport("duplicate", 200, kind=message.type, reason="reticketed", message_id=message.id)
        return RequestReport("accepted", 200, kind=message.type, message_id=message.id)

    def _status(self, callback: StatusCallback, telemetry: Telemetry) -> RequestReport:
        event = callback.event
        telemetry.correlate(event.id)
        details = event.payload
        occurred_at = callback.envelope.timestamp or self._clock()
        if details is not None and details.ts is not None and details.ts > 0:
            occurred_at = details.ts * 1000 if details.ts < 10**11 else details.ts  # seconds, or already ms
        status = DeliveryStatus(
            provider_message_id=event.id,
            gupshup_message_id=event.gs_id,
            whatsapp_message_id=details.whatsapp_message_id if details else None,
            state=callback.status,
            destination=event.destination,
            occurred_at=occurred_at,
            error_code=details.code if details else None,
            error_reason=details.reason if details else None,
        )
        job = OutboundJob.for_status(str(ConversationKey(callback.envelope.app, event.destination)), status)
        # Its own group, not the conversation's: statuses apply in any order (they never move a
        # message backwards), and one that keeps failing must not hold the next reply.
        self._outbound.send(job, group=fifo_id(f"status#{event.id}"), dedup_id=fifo_id(f"{event.id}#{status.state}"))
        return RequestReport("forwarded", 200, kind=status.state, message_id=event.id)

    def _user_event(self, callback: UserEventCallback, telemetry: Telemetry) -> RequestReport:
        occurred_at = callback.envelope.timestamp or self._clock()
        event_id = f"{callback.event}:{occurred_at}"
        telemetry.correlate(event_id)
        conversation = ConversationKey(callback.envelope.app, callback.phone)
        ticket = InboundTicket(
            kind="user_event",
            conversation=str(conversation),
            message_id=event_id,
            event=UserEvent(type=callback.event, occurred_at=occurred_at),
        )
        self._inbound.send(ticket, group=conversation.group, dedup_id=fifo_id(f"user-event#{event_id}"))
        return RequestReport("forwarded", 200, kind=callback.event, message_id=event_id)

    def _ignored(self, callback: IgnoredCallback) -> RequestReport:
        return RequestReport("ignored", 200, kind=callback.kind, reason=callback.reason, detail=callback.detail)


def _rejected(reason: str, detail: str | None = None) -> RequestReport:
    return RequestReport("rejected", _REJECTIONS[reason][0], reason=reason, detail=detail)
