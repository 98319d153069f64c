"""Gupshup's "Mark message as Read/Typing indicator" for one WhatsApp app (standard library only,
bounded by receptionist/bounded_http.py: the processor calls it at every turn's start).

Documented at https://partner-docs.gupshup.io/reference/voicecallaction-1 ("Mark message as
Read/Typing indicator", Gupshup's Partner API):

    POST https://partner.gupshup.io/partner/app/{appId}/v1/event
    Authorization: {PARTNER_APP_TOKEN}          (the app's access token, no "Bearer")
    Content-Type: application/x-www-form-urlencoded   (as the documentation's sample sends it;
                                                       the body is nevertheless JSON)
    {"type": "message-event",
     "message": {"messaging_product": "whatsapp", "status": "read",
                 "message_id": "<the incoming message's id>",
                 "typing_indicator": {"type": "text"}}}

Success: 200 {"status": "success"}. Errors (the same page): 400 {"status": "error", "message":
"Outbound event not supported"} (an invalid status or payload), "Invalid JSON payload"
(malformed JSON), "Please review the request parameters and retry" (incorrect parameters).
The `message` object is Meta's own (WhatsApp Cloud API, "Mark messages as read" with a typing
indicator: the indicator shows until a reply is sent or for 25 seconds, and marking a message
read marks the earlier ones read too). Without `typing_indicator` the call only marks the
message read.

The message id is the one Gupshup's v2 inbound callback gives as `payload.id`: "the unique
WhatsApp message identifier for the inbound message" (https://docs.gupshup.io/docs/text), which
the webhook buffers as the message's id (receptionist/gupshup/inbound.py).

Best effort by design: `mark_read` never raises. Whatever goes wrong (no time left, Gupshup
unreachable, hanging, a 5xx, refusing the token, a 400) is counted in `failures` by kind and
logged as a kind, never with the token, the number or Gupshup's body.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from receptionist import bounded_http
from receptionist.deadline import Deadline

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://partner.gupshup.io"
# The documentation's sample request sends this content type with a JSON body.
CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class PartnerApp:
    """Which Gupshup app, and its Partner App Token (never in a repr: log lines must not carry it)."""

    app_id: str
    token: str

    def __repr__(self) -> str:
        return f"PartnerApp(app_id={self.app_id!r}, token=***)"


def event_body(message_id: str, *, typing: bool) -> bytes:
    """The documented body: read, with the typing indicator when `typing`."""
    message: dict[str, object] = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
    if typing:
        message["typing_indicator"] = {"type": "text"}
    return json.dumps({"type": "message-event", "message": message}).encode()


def outcome_of(status: int, raw: bytes) -> str:
    """ "ok", or why not: "server" (5xx, 429), "refused" (401/403/404: the token or the app id),
    "rejected" (another 4xx: Gupshup refused the call's shape), "garbage" (no success answer)."""
    if status == 429 or status >= 500:
        return "server"
    if status in (401, 403, 404):
        return "refused"
    if 400 <= status < 500:
        return "rejected"
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        return "garbage"
    return "ok" if 200 <= status < 300 and isinstance(body, dict) and body.get("status") == "success" else "garbage"


@dataclass
class GupshupReadReceipts:
    """Marks an inbound message read (and shows the typing indicator) for one app."""

    base_url: str = DEFAULT_BASE_URL
    resolver: bounded_http.Resolver = field(default_factory=bounded_http.Resolver)
    calls: int = 0  # requests started (the bench counts them per turn)
    failures: Counter[str] = field(default_factory=Counter)  # by kind
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def mark_read(self, app: PartnerApp, message_id: str, *, typing: bool, deadline: Deadline) -> bool:
        """One request, ended by `deadline` however Gupshup behaves; whether Gupshup said success.
        Never raises."""
        url = f"{self.base_url.rstrip('/')}/partner/app/{urllib.parse.quote(app.app_id, safe='')}/v1/event"
        headers = {"Authorization": app.token, "Content-Type": CONTENT_TYPE, "Accept": "application/json"}
        with self._lock:
            self.calls += 1
        try:
            answer = bounded_http.post(
                url, event_body(message_id, typing=typing), headers, deadline, resolver=self.resolver, max_answer=4096
            )
            outcome = outcome_of(answer.status, answer.body)
            status: int | None = answer.status
        except TimeoutError:
            outcome, status = "timeout", None
        except (OSError, http.client.HTTPException, ValueError):
            outcome, status = "unreachable", None
        except Exception:  # best effort: nothing here may reach the turn
            outcome, status = "failed", None
        if outcome == "ok":
            return True
        with self._lock:
            self.failures[outcome] += 1
        logger.warning("read receipt not shown", extra={"read_receipt_error": outcome, "status": status})
        return False
