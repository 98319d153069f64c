"""A local server speaking Gupshup's WhatsApp API (send API + hosted media).

- POST /wa/api/v1/msg            form: channel, source, destination, src.name, message (JSON):
                                 type text (<= 4,096 characters), or the interactive types
                                 checked as Gupshup / WhatsApp check them, a violation a 400:
                                 quick_reply (body, 1-3 options, titles <= 20, postbackText)
                                 and list (body, 1-10 rows in all, row titles <= 24,
                                 descriptions <= 72, postbackText, one global button)
- POST /wa/api/v1/template/msg   form: channel, source, destination, src.name, template (JSON)
  header `apikey`. Success: 202 {"status":"submitted","messageId":"<uuid>"}.
- GET  /media/<name>             bytes registered with add_media() (Gupshup-hosted media URLs).
- GET  /local/sent?after=N       local only (not Gupshup's): the accepted sends from index N on,
                                 as JSON, so `make chat` in another process can show replies.

Failure modes for tests, consumed in order by fail_next(): "500", "429", "rate_limit"
(Gupshup's throttling answer), "invalid_destination" (a permanent error), "hang" (answers after
`hang_seconds`, past any sane client timeout).
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from dataclasses import dataclass

from devstack.fakes.base import FakeServer, Recorded, Reply

_FAILURES = {
    "500": Reply.json(500, {"status": "error", "message": "Internal Server Error"}),
    "429": Reply.json(429, {"status": "error", "message": "Too Many Requests"}),
    "rate_limit": Reply.json(200, {"status": "error", "message": "Rate limit exceeded for app", "code": 1005}),
    "invalid_destination": Reply.json(400, {"status": "error", "message": "Invalid Destination"}),
    "template_not_found": Reply.json(400, {"status": "error", "message": "Template Not Found"}),
}


@dataclass(frozen=True)
class SentMessage:
    """What reached "WhatsApp": one accepted send request."""

    provider_id: str
    kind: str  # "session" or "template"
    source: str
    destination: str
    app: str
    payload: dict[str, object]
    at: float

    @property
    def text(self) -> str:
        """What the customer reads: a text's text, an interactive message's body."""
        kind = self.payload.get("type")
        if kind == "list":
            return str(self.payload.get("body", ""))
        if kind == "quick_reply":
            content = self.payload.get("content")
            return str(content.get("text", "")) if isinstance(content, dict) else ""
        return str(self.payload.get("text", ""))

    @property
    def options(self) -> list[dict[str, object]]:
        """An interactive message's options (buttons, or every list row), in order."""
        if self.payload.get("type") == "quick_reply":
            return _dicts(self.payload.get("options"))
        if self.payload.get("type") == "list":
            return [row for section in _dicts(self.payload.get("items")) for row in _dicts(section.get("options"))]
        return []


class FakeGupshup(FakeServer):
    name = "gupshup"

    def __init__(self, api_key: str = "local-gupshup-key", hang_seconds: float = 30.0, port: int = 0) -> None:
        super().__init__(port=port)
        self.api_key = api_key
        self.hang_seconds = hang_seconds
        self.sent: list[SentMessage] = []
        self._failures: deque[str] = deque()
        self._media: dict[str, tuple[bytes, str]] = {}

    def fail_next(self, *modes: str) -> None:
        with self.lock:
            self._failures.extend(modes)

    def add_media(self, name: str, data: bytes, content_type: str) -> str:
        self._media[name] = (data, content_type)
        return f"{self.url}/media/{name}"

    def answer(self, request: Recorded) -> Reply:
        if request.method == "GET" and request.path.startswith("/media/"):
            item = self._media.get(request.path.removeprefix("/media/"))
            if item is None:
                return Reply.json(404, {"status": "error", "message": "media not found"})
            return Reply(200, item[0], {"content-type": item[1]})
        if request.method == "GET" and request.path == "/local/sent":
            return self._sent_since(request)
        if request.method != "POST" or request.path not in ("/wa/api/v1/msg", "/wa/api/v1/template/msg"):
            return Reply.json(404, {"status": "error", "message": "Not Found"})
        if request.headers.get("apikey") != self.api_key:
            return Reply.json(401, {"status": "error", "message": "Authentication Failed"})
        with self.lock:
            mode = self._failures.popleft() if self._failures else None
        if mode == "hang":
            return Reply.json(202, {"status": "submitted", "messageId": str(uuid.uuid4())}, delay=self.hang_seconds)
        if mode:
            return _FAILURES[mode]
        form = request.form()
        template = request.path.endswith("/template/msg")
        field = "template" if template else "message"
        missing = [k for k in ("channel", "source", "destination", field) if not form.get(k)]
        if missing or form.get("channel") != "whatsapp":
            return Reply.json(
                400, {"status": "error", "message": f"Missing or invalid: {', '.join(missing) or 'channel'}"}
            )
        try:
            payload = json.loads(form[field])
        except ValueError:
            return Reply.json(400, {"status": "error", "message": f"{field} is not valid JSON"})
        if not template and payload.get("type") == "text" and len(str(payload.get("text", ""))) > 4096:
            return Reply.json(400, {"status": "error", "message": "Message text too long"})
        problem = _interactive_problem(payload) if not template else None
        if problem:
            return Reply.json(400, {"status": "error", "message": problem})
        provider_id = str(uuid.uuid4())
        with self.lock:
            self.sent.append(
                SentMessage(
                    provider_id,
                    "template" if template else "session",
                    form["source"],
                    form["destination"],
                    form.get("src.name", ""),
                    payload,
                    request.at,
                )
            )
        return Reply.json(202, {"status": "submitted", "messageId": provider_id})

    def _sent_since(self, request: Recorded) -> Reply:
        try:
            after = max(0, int(request.query.get("after", ["0"])[0]))
        except ValueError:
            return Reply.json(400, {"status": "error", "message": "after must be an integer"})
        with self.lock:
            sent = list(enumerate(self.sent))[after:]
        items = [
            {"index": i, "kind": m.kind, "destination": m.destination, "text": m.text, "payload": m.payload, "at": m.at}
            for i, m in sent
        ]
        return Reply.json(200, {"sent": items, "next": after + len(items)})

    def sent_to(self, destination: str) -> list[SentMessage]:
        with self.lock:
            return [m for m in self.sent if m.destination == destination]


def _dicts(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def _interactive_problem(payload: dict[str, object]) -> str | None:
    """Why Gupshup would refuse an interactive session message (None: it is fine, or not one)."""
    if payload.get("type") == "quick_reply":
        return _quick_reply_problem(payload)
    if payload.get("type") == "list":
        return _list_problem(payload)
    return None


def _quick_reply_problem(payload: dict[str, object]) -> str | None:
    content = payload.get("content")
    body = _text_of(content.get("text")) if isinstance(content, dict) else ""
    raw = payload.get("options")
    options = _dicts(raw)
    if not body.strip() or len(body) > 1024:
        return "quick_reply: content.text must have 1-1024 characters"
    if not 1 <= len(options) <= 3 or not isinstance(raw, list) or len(options) != len(raw):
        return "quick_reply: 1-3 options"
    titles = [_text_of(o.get("title")) for o in options]
    if any(not 1 <= len(t) <= 20 for t in titles) or len(set(titles)) != len(titles):
        return "quick_reply: option titles must be unique, 1-20 characters"
    if any(not 1 <= len(_text_of(o.get("postbackText"))) <= 200 for o in options):
        return "quick_reply: every option needs a postbackText"
    return None


def _list_problem(payload: dict[str, object]) -> str | None:
    body = _text_of(payload.get("body"))
    if not body.strip() or len(body) > 1024:
        return "list: body must have 1-1024 characters"
    buttons = _dicts(payload.get("globalButtons"))
    if len(buttons) != 1 or not 1 <= len(_text_of(buttons[0].get("title"))) <= 20:
        return "list: one global button, title 1-20 characters"
    sections = _dicts(payload.get("items"))
    rows = [row for s in sections for row in _dicts(s.get("options"))]
    if not sections or not 1 <= len(rows) <= 10:
        return "list: 1-10 rows in total"
    if any(len(_text_of(s.get("title"))) > 24 for s in sections):
        return "list: section titles must have at most 24 characters"
    if any(not 1 <= len(_text_of(r.get("title"))) <= 24 for r in rows):
        return "list: row titles must have 1-24 characters"
    if any(len(_text_of(r.get("description"))) > 72 for r in rows):
        return "list: row descriptions must have at most 72 characters"
    postbacks = [_text_of(r.get("postbackText")) for r in rows]
    if any(not 1 <= len(p) <= 200 for p in postbacks) or len(set(postbacks)) != len(postbacks):
        return "list: every row needs a unique postbackText of 1-200 characters"
    return None
