"""Gupshup v2 inbound callbacks as the local tools send them to the webhook (demo, chat, bench,
tests): the envelope `{app, timestamp, version, type, payload}` of a customer's message."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any


def new_customer(prefix: str = "346") -> str:
    """A customer number no other test or run uses: its own conversation and FIFO group, so no
    one else's message can win its debounce or hold its group."""
    return f"{prefix}{uuid.uuid4().int % 10**8:08d}"


def customer_message(
    app: str,
    customer: str,
    *,
    text: str | None = None,
    kind: str = "text",
    content: dict[str, Any] | None = None,
    message_id: str | None = None,
    name: str = "Cliente",
) -> dict[str, Any]:
    """A `message` callback from `customer`: a text, or another kind with its `content`
    (e.g. an audio's url and contentType). The id is a fresh wamid unless given."""
    return {
        "app": app,
        "timestamp": int(time.time() * 1000),
        "version": 2,
        "type": "message",
        "payload": {
            "id": message_id or f"wamid.{uuid.uuid4().hex}",
            "source": customer,
            "type": kind,
            "payload": content if content is not None else {"text": text or ""},
            "sender": {"phone": customer, "name": name},
        },
    }


def post_callback(webhook_url: str, secret: str, body: dict[str, Any], timeout: float = 10) -> int:
    """POST a callback the way Gupshup does (token in the x-webhook-token header); the HTTP
    status. Raises urllib.error.HTTPError on a 4xx/5xx, URLError when nothing answers."""
    request = urllib.request.Request(
        webhook_url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-webhook-token": secret},
    )
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        resp.read()
        return int(resp.status)
