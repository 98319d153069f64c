"""A local server speaking Langfuse's ingestion API, recording what the tracer sends.

- POST /api/public/ingestion   basic auth public:secret, JSON {"batch": [event, ...]}, each event
  {"id", "type", "timestamp", "body": {"id", ...}}. Answers 207 {"successes": [{"id", "status"}],
  "errors": [{"id", "status", "message"}]} as Langfuse does: an event it cannot take is an error
  in the list, not a 4xx; a bad key is a 401.

Failure modes for tests, consumed in order by fail_next(): "500", "401", "hang" (answers after
`hang_seconds`, past the tracer's flush budget).
"""

from __future__ import annotations

import base64
from collections import deque
from typing import Any

from devstack.fakes.base import FakeServer, Recorded, Reply

INGESTION = "/api/public/ingestion"
EVENT_TYPES = {
    "trace-create",
    "span-create",
    "span-update",
    "generation-create",
    "generation-update",
    "event-create",
    "score-create",
    "sdk-log",
}


class FakeLangfuse(FakeServer):
    name = "langfuse"

    def __init__(
        self,
        public_key: str = "pk-lf-local",
        secret_key: str = "sk-lf-local",  # noqa: S107 - a local stand-in's key
        hang_seconds: float = 30.0,
    ) -> None:
        super().__init__()
        self.public_key, self.secret_key = public_key, secret_key
        self.hang_seconds = hang_seconds
        self._failures: deque[str] = deque()

    def fail_next(self, *modes: str) -> None:
        with self.lock:
            self._failures.extend(modes)

    # -- what was sent ---------------------------------------------------------------------
    def batches(self) -> list[Recorded]:
        return self.received(INGESTION)

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every event of every batch received (accepted or not), optionally of one type."""
        out = [e for r in self.batches() for e in r.json().get("batch", [])]
        return [e for e in out if kind is None or e.get("type") == kind]

    def bodies(self, kind: str) -> list[dict[str, Any]]:
        return [e["body"] for e in self.events(kind)]

    # -- protocol --------------------------------------------------------------------------
    def answer(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != INGESTION:
            return Reply.json(404, {"message": "Not Found"})
        with self.lock:
            mode = self._failures.popleft() if self._failures else None
        if mode == "hang":
            return Reply.json(207, {"successes": [], "errors": []}, delay=self.hang_seconds)
        if mode == "500":
            return Reply.json(500, {"message": "Internal Server Error"})
        expected = "Basic " + base64.b64encode(f"{self.public_key}:{self.secret_key}".encode()).decode()
        if mode == "401" or request.headers.get("authorization") != expected:
            return Reply.json(401, {"message": "Invalid credentials. Confirm that you've configured the correct host."})
        if "json" not in request.headers.get("content-type", ""):
            return Reply.json(400, {"message": "Content-Type must be application/json"})
        try:
            batch = request.json()["batch"]
        except (ValueError, KeyError, TypeError):
            return Reply.json(400, {"message": "Invalid request data"})
        if not isinstance(batch, list):
            return Reply.json(400, {"message": "Invalid request data"})
        successes, errors = [], []
        for event in batch:
            issue = problem(event)
            event_id = event.get("id") if isinstance(event, dict) else None
            if issue:
                errors.append({"id": event_id, "status": 400, "message": issue})
            else:
                successes.append({"id": event_id, "status": 201})
        return Reply.json(207, {"successes": successes, "errors": errors})


def problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return "event is not an object"
    missing = [k for k in ("id", "type", "timestamp", "body") if not event.get(k)]
    if missing:
        return f"missing {', '.join(missing)}"
    if event["type"] not in EVENT_TYPES:
        return f"unknown type {event['type']}"
    body = event["body"]
    if not isinstance(body, dict) or not body.get("id"):
        return "body.id missing"
    if event["type"] != "trace-create" and not body.get("traceId"):
        return "body.traceId missing"
    return None
