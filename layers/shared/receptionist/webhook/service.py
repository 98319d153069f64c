"""Webhook domain logic: authenticate, parse, hand the message on as a ticket.

Foundation version: authenticates and forwards text/media messages as tickets. The Gupshup
models, dedupe/buffer and status events come with the webhook issue.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from receptionist.adapters.queues import FifoQueue
from receptionist.messages import InboundTicket
from receptionist.webhook.http import HttpRequest, HttpResponse


class WebhookService:
    def __init__(self, secret: Callable[[], str], inbound: FifoQueue) -> None:
        self._secret = secret
        self._inbound = inbound

    def authenticated(self, request: HttpRequest) -> bool:
        given = request.headers.get("x-webhook-token") or request.query.get("token") or ""
        return hmac.compare_digest(given.encode(), self._secret().encode())

    def handle(self, request: HttpRequest) -> HttpResponse:
        if not self.authenticated(request):
            return HttpResponse(401, {"error": "unauthorized"})
        try:
            envelope = json.loads(request.body)
        except ValueError:
            return HttpResponse(400, {"error": "body is not valid JSON"})
        if not isinstance(envelope, dict) or envelope.get("type") != "message":
            return HttpResponse(200, {"status": "ignored"})
        payload = envelope.get("payload") or {}
        sender = (payload.get("sender") or {}).get("phone") or payload.get("source")
        ticket = InboundTicket(conversation=f"{envelope.get('app')}#{sender}", message_id=str(payload.get("id")))
        self._inbound.send(ticket, group=ticket.conversation, dedup_id=ticket.message_id)
        return HttpResponse(200, {"status": "accepted"})
