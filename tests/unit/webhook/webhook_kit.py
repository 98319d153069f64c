"""Shared by the webhook tests: Gupshup callback samples and in-memory adapters.

The samples follow the shapes in Gupshup's v2 callback documentation (inbound message types,
message events, user events, billing events), written out here with this project's data.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from receptionist.turns import Buffered
from receptionist.webhook.http import HttpRequest, HttpResponse
from receptionist.webhook.ports import RequestReport
from receptionist.webhook.service import WebhookService

SECRET = "s3cret-webhook-token"
APP = "ClinicaSonrisa"
OTHER_APP = "SalonLima"  # another business, with its own secret
OTHER_SECRET = "salon-lima-webhook-token"
CUSTOMER = "34600111222"
T0 = 1_795_420_800_000  # Gupshup's timestamps are epoch ms
MEDIA_URL = "https://filemanager.gupshup.io/wa/11111111-2222-3333-4444-555555555555/wa/media/{}?download=false"
EXPIRY = T0 + 7 * 86_400_000


# -- samples ------------------------------------------------------------------------------------
def envelope(kind: str, payload: Any, *, app: str = APP, timestamp: int = T0, **extra: Any) -> dict[str, Any]:
    return {"app": app, "timestamp": timestamp, "version": 2, "type": kind, "payload": payload, **extra}


def sender(phone: str = CUSTOMER) -> dict[str, Any]:
    return {"phone": phone, "name": "Lucía", "country_code": "34", "dial_code": phone[2:]}


def message(
    kind: str, content: dict[str, Any], *, id: str = "ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c", source: str = CUSTOMER
) -> dict[str, Any]:
    return envelope("message", {"id": id, "source": source, "type": kind, "payload": content, "sender": sender(source)})


CONTENT: dict[str, dict[str, Any]] = {
    "text": {"text": "Hola, ¿cuánto cuesta una limpieza dental?"},
    "image": {
        "caption": "Me duele esta muela",
        "url": MEDIA_URL.format("photo-1"),
        "contentType": "image/jpeg",
        "urlExpiry": EXPIRY,
    },
    "audio": {"url": MEDIA_URL.format("voice-1"), "contentType": "audio/ogg; codecs=opus", "urlExpiry": EXPIRY},
    "video": {
        "caption": "Así suena",
        "url": MEDIA_URL.format("video-1"),
        "contentType": "video/mp4",
        "urlExpiry": EXPIRY,
    },
    "file": {
        "caption": "Mi presupuesto",
        "name": "presupuesto.pdf",
        "url": MEDIA_URL.format("doc-1"),
        "contentType": "application/pdf",
        "urlExpiry": EXPIRY,
    },
    "sticker": {"url": MEDIA_URL.format("sticker-1"), "contentType": "image/webp", "urlExpiry": EXPIRY},
    "location": {"longitude": "-3.7037902", "latitude": "40.4167754"},
    "contact": {
        "contacts": [
            {
                "addresses": [
                    {
                        "city": "Madrid",
                        "country": "Spain",
                        "countryCode": "es",
                        "street": "Calle Mayor 1",
                        "type": "HOME",
                        "zip": "28013",
                    }
                ],
                "emails": [{"email": "marta@example.com", "type": "WORK"}],
                "name": {"first_name": "Marta", "formatted_name": "Marta Ruiz", "last_name": "Ruiz"},
                "org": {"company": "Ruiz SL", "title": "Gerente"},
                "phones": [{"phone": "+34 600 222 333", "type": "CELL", "wa_id": "34600222333"}],
                "urls": [{"url": "https://example.com", "type": "WORK"}],
            }
        ]
    },
    "button_reply": {"title": "Confirmar", "id": "confirm-appt-42", "reply": "Confirmar 1"},
    "quick_reply": {"text": "Cancelar cita", "type": "button"},  # a template's quick reply button
    "list_reply": {
        "title": "Limpieza dental",
        "id": "service-7",
        "reply": "Limpieza dental 1",
        "postbackText": "book:service-7",
        "description": "45 min, 45 €",
    },
}
MESSAGE_KINDS = tuple(CONTENT)


def status_event(state: str, *, id: str = "59f8db90-c37e-4408-90ab-cc54ef8246ad", **payload: Any) -> dict[str, Any]:
    details: dict[str, Any] = {
        "enqueued": {"whatsappMessageId": "gBEGkYaYVSEEAgnZxQ3JmKK6Wvg", "type": "session"},
        "failed": {"code": 1002, "reason": "Number Does Not Exists On WhatsApp"},
        "sent": {"ts": 1_795_420_801},
        "delivered": {"ts": 1_795_420_802},
        "read": {"ts": 1_795_420_803},
        "deleted": {"ts": 1_795_420_804},
    }.get(state, {})
    body: dict[str, Any] = {"id": id, "type": state, "destination": CUSTOMER, "payload": {**details, **payload}}
    if state in ("sent", "delivered", "read", "deleted"):
        body["id"] = "gBEGkYaYVSEEAgnZxQ3JmKK6Wvg"
        body["gsId"] = id
    return envelope("message-event", body)


STATUS_KINDS = ("enqueued", "failed", "sent", "delivered", "read", "deleted")


def user_event(kind: str, phone: str = CUSTOMER) -> dict[str, Any]:
    return envelope("user-event", {"phone": phone, "type": kind})


def billing_event() -> dict[str, Any]:
    return envelope(
        "billing-event",
        {
            "deductions": {"type": "service", "model": "PMP", "source": "whatsapp", "billable": False},
            "references": {
                "id": "ee1fdcfa-5a71-409f-8e5e-8b43c552a71a",
                "gsId": "ab4085f3-7d1b-4331-95d3-da301ad25baa",
                "destination": CUSTOMER,
            },
        },
    )


# -- requests -----------------------------------------------------------------------------------
def api_event(
    body: Any,
    *,
    token: str | None = SECRET,
    where: str = "header",
    content_type: str | None = "application/json",
    method: str = "POST",
    base64_body: bool = False,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload 2.0) event carrying `body` (dict -> JSON, str, bytes)."""
    if isinstance(body, bytes):
        raw = body
    elif isinstance(body, str):
        raw = body.encode("utf-8", "surrogatepass")
    else:
        raw = json.dumps(body).encode()
    hdrs: dict[str, str] = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "Gupshup/1.0"}
    if content_type is not None:
        hdrs["content-type"] = content_type
    query: dict[str, str] = {}
    if token is not None:
        if where == "header":
            hdrs["x-webhook-token"] = token
        elif where == "bearer":
            hdrs["authorization"] = f"Bearer {token}"
        else:
            query["token"] = token
    hdrs.update(headers or {})
    if base64_body:
        text, is_b64 = base64.b64encode(raw).decode(), True
    else:
        text, is_b64 = raw.decode("utf-8", "surrogatepass"), False
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "POST /webhooks/gupshup",
        "rawPath": "/webhooks/gupshup",
        "rawQueryString": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": hdrs,
        "requestContext": {"http": {"method": method, "path": "/webhooks/gupshup"}, "requestId": "r-1"},
        "isBase64Encoded": is_b64,
        "body": text,
    }
    if query:
        event["queryStringParameters"] = query
    return event


# -- in-memory adapters -------------------------------------------------------------------------
class FakeBuffer:
    """The conversations table's dedupe + buffer semantics, in memory."""

    def __init__(self) -> None:
        self.markers: dict[tuple[str, str], str] = {}  # (conversation, message id) -> buffer sk
        self.items: dict[tuple[str, str], dict[str, Any]] = {}  # (conversation, sk) -> item
        self.meta: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []

    def buffer(
        self,
        *,
        conversation: str,
        message_id: str,
        message_type: str,
        message_json: str,
        received_at_ms: int,
        sent_at_ms: int,
    ) -> Buffered:
        self.calls.append("buffer")
        known = self.markers.get((conversation, message_id))
        if known is not None:
            return Buffered(known, duplicate=True, pending=self.items[(conversation, known)]["status"] == "pending")
        sk = f"MSG#{received_at_ms:015d}#{message_id}"
        self.markers[(conversation, message_id)] = sk
        self.items[(conversation, sk)] = {
            "message_id": message_id,
            "message_type": message_type,
            "message": message_json,
            "status": "pending",
            "received_at": received_at_ms,
            "sent_at": sent_at_ms,
        }
        self.meta[conversation] = {"last_message_id": message_id, "last_message_sk": sk, "open": True}
        return Buffered(sk)

    def pending(self) -> list[dict[str, Any]]:
        return [item for item in self.items.values() if item["status"] == "pending"]

    def answer_all(self) -> None:
        """What the processor does once it has answered: the messages are done."""
        for item in self.items.values():
            item["status"] = "done"


@dataclass
class Sent:
    body: dict[str, Any]
    group: str
    dedup_id: str


@dataclass
class FakeQueue:
    name: str
    sent: list[Sent] = field(default_factory=list)
    fail_with: Exception | None = None

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(Sent(json.loads(message.model_dump_json(exclude_none=True)), group, dedup_id))
        return f"{self.name}-{len(self.sent)}"


class FakeSecrets:
    """Each app's secrets in memory; `refresh` reloads from `source` (what SSM holds now)."""

    def __init__(self, source: dict[str, list[str]]) -> None:
        self.source = source
        self.loaded = {app: list(values) for app, values in source.items()}
        self.refreshes = 0

    def secrets_for(self, app: str) -> list[str]:
        return list(self.loaded.get(app, []))

    def all_secrets(self) -> list[str]:
        return [s for values in self.loaded.values() for s in values]

    def refresh(self) -> bool:
        self.refreshes += 1
        self.loaded = {app: list(values) for app, values in self.source.items()}
        return True


@dataclass
class FakeTelemetry:
    correlations: list[str | None] = field(default_factory=list)
    reports: list[RequestReport] = field(default_factory=list)

    def correlate(self, message_id: str | None) -> None:
        self.correlations.append(message_id)

    def record(self, report: RequestReport) -> None:
        self.reports.append(report)

    @property
    def last(self) -> RequestReport:
        return self.reports[-1]


class Harness:
    """A WebhookService on in-memory adapters, with a clock that advances 1 ms per reading."""

    def __init__(self, secret: str = SECRET, secrets: dict[str, list[str]] | None = None) -> None:
        self.buffer = FakeBuffer()
        self.inbound = FakeQueue("inbound")
        self.outbound = FakeQueue("outbound")
        self.telemetry = FakeTelemetry()
        self.secrets = FakeSecrets(secrets if secrets is not None else {APP: [secret], OTHER_APP: [OTHER_SECRET]})
        self.now = T0 + 5_000
        self.service = WebhookService(
            secrets=self.secrets,
            buffer=self.buffer,
            inbound=self.inbound,
            outbound=self.outbound,
            clock=self._clock,
        )

    def _clock(self) -> int:
        self.now += 1
        return self.now

    def post(self, body: Any, **kwargs: Any) -> HttpResponse:
        return self.handle(api_event(body, **kwargs))

    def handle(self, event: Any) -> HttpResponse:
        return self.service.handle(HttpRequest.from_api_gateway(event), self.telemetry)

    def nothing_stored_or_sent(self) -> bool:
        return not self.buffer.calls and not self.inbound.sent and not self.outbound.sent
