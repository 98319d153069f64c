"""A local server speaking Langfuse's ingestion API, recording what the recorder sends, and the
public API's trace list and deletion (what an erasure uses: receptionist/adapters/langfuse_api.py).

- POST /api/public/ingestion   basic auth public:secret, JSON {"batch": [event, ...]}, each event
  {"id", "type", "timestamp", "body": {"id", ...}}. Answers 207 {"successes": [{"id", "status"}],
  "errors": [{"id", "status", "message"}]} as Langfuse does: an event it cannot take is an error
  in the list, not a 4xx; a bad key is a 401. Accepted events are kept as Langfuse keeps them:
  traces (trace-create bodies, by id) and their observations.
- GET /api/public/traces?page=&limit=&sessionId=&userId=&name=   the kept traces, newest first,
  {"data": [trace, ...], "meta": {"page", "limit", "totalItems", "totalPages"}} (limit at most 100).
- DELETE /api/public/traces {"traceIds": [...]} and DELETE /api/public/traces/<id>: the traces and
  their observations are gone; 200 {"message": ...} (Langfuse deletes asynchronously; here at once).

Failure modes for tests, consumed in order by fail_next(): "500", "401", "hang" (answers after
`hang_seconds`, past the recorder's flush budget).

`TricklingLangfuse` is the same host behind a link that trickles: a whole, valid answer sent one
byte at a time.
"""

from __future__ import annotations

import base64
import json
import socketserver
import threading
from collections import deque
from typing import Any, Self

from devstack.fakes.base import FakeServer, Recorded, Reply
from devstack.http_server import POLL_SECONDS

INGESTION = "/api/public/ingestion"
TRACES = "/api/public/traces"
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
        self._traces: dict[str, dict[str, Any]] = {}  # what Langfuse keeps: trace id -> trace
        self._observations: dict[str, list[dict[str, Any]]] = {}  # trace id -> its observations

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

    def kept(self) -> dict[str, dict[str, Any]]:
        """What Langfuse holds now: trace id -> {"trace": body, "observations": [body, ...]}."""
        with self.lock:
            return {
                t: {"trace": dict(b), "observations": list(self._observations.get(t, []))}
                for t, b in self._traces.items()
            }

    # -- protocol --------------------------------------------------------------------------
    def answer(self, request: Recorded) -> Reply:
        known = (request.method == "POST" and request.path == INGESTION) or (
            request.method in ("GET", "DELETE") and (request.path == TRACES or request.path.startswith(f"{TRACES}/"))
        )
        if not known:
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
        if request.method == "GET":
            return self._list(request)
        if request.method == "DELETE":
            return self._delete(request)
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
                self._keep(event)
        return Reply.json(207, {"successes": successes, "errors": errors})

    def _keep(self, event: dict[str, Any]) -> None:
        body = event["body"]
        with self.lock:
            if event["type"] == "trace-create":
                self._traces[body["id"]] = {**self._traces.get(body["id"], {}), **body}
            else:
                self._observations.setdefault(body["traceId"], []).append(body)

    def _list(self, request: Recorded) -> Reply:
        if request.path != TRACES:
            return Reply.json(404, {"message": "Not Found"})
        query = {k: v[0] for k, v in request.query.items()}
        try:
            page, limit = int(query.get("page", "1")), int(query.get("limit", "50"))
        except ValueError:
            return Reply.json(400, {"message": "Invalid request data"})
        if page < 1 or not 1 <= limit <= 100:
            return Reply.json(400, {"message": "Invalid request data"})
        filters = {k: query[k] for k in ("sessionId", "userId", "name") if k in query}
        with self.lock:
            matching = [t for t in self._traces.values() if all(t.get(k) == v for k, v in filters.items())]
        matching.sort(key=lambda t: str(t.get("timestamp", "")), reverse=True)
        data = [
            {
                "id": t["id"],
                "timestamp": t.get("timestamp"),
                "name": t.get("name"),
                "sessionId": t.get("sessionId"),
                "userId": t.get("userId"),
                "input": t.get("input"),
                "output": t.get("output"),
                "metadata": t.get("metadata"),
                "tags": [],
                "public": False,
                "environment": t.get("environment", "default"),
                "htmlPath": f"/project/local/traces/{t['id']}",
                "latency": 0,
                "totalCost": 0,
                "observations": [o["id"] for o in self._observations.get(t["id"], [])],
                "scores": [],
            }
            for t in matching[(page - 1) * limit : page * limit]
        ]
        pages = (len(matching) + limit - 1) // limit
        meta = {"page": page, "limit": limit, "totalItems": len(matching), "totalPages": pages}
        return Reply.json(200, {"data": data, "meta": meta})

    def _delete(self, request: Recorded) -> Reply:
        if request.path == TRACES:
            try:
                ids = request.json()["traceIds"]
            except (ValueError, KeyError, TypeError):
                return Reply.json(400, {"message": "Invalid request data"})
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                return Reply.json(400, {"message": "Invalid request data"})
            message = "Traces deleted"
        else:
            ids, message = [request.path.removeprefix(f"{TRACES}/")], "Trace deleted"
        with self.lock:
            for trace_id in ids:
                self._traces.pop(trace_id, None)
                self._observations.pop(trace_id, None)
        return Reply.json(200, {"message": message})


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


class TricklingLangfuse:
    """A Langfuse host that reads the whole request, then sends its complete, valid 207 answer
    one byte every `interval` seconds. Each read a client makes gets its byte long before any
    per-read timeout, so only a bound on the whole request ends the wait early. Records each
    request's raw bytes, and sets `client_gone` when a client closed its connection mid-answer."""

    def __init__(self, interval: float = 0.5, host: str = "127.0.0.1") -> None:
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = self.rfile.readline(65_537)
                    if not line:
                        return
                    head += line
                length = next(
                    (
                        int(v)
                        for k, _, v in (h.partition(b":") for h in head.split(b"\r\n"))
                        if k.lower() == b"content-length"
                    ),
                    0,
                )
                body = self.rfile.read(length)
                with outer.lock:
                    outer.requests.append(head + body)
                for byte in _answer(body):
                    try:
                        self.wfile.write(bytes([byte]))
                    except OSError:  # the client gave up and closed its end
                        outer.client_gone.set()
                        return
                    if outer._stopping.wait(interval):
                        return

        self.lock = threading.Lock()
        self.requests: list[bytes] = []
        self.client_gone = threading.Event()
        self._stopping = threading.Event()
        self._server = socketserver.ThreadingTCPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), name="fake-langfuse-trickle", daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()


def _answer(body: bytes) -> bytes:
    """Langfuse's whole HTTP answer accepting every event of the batch in `body`."""
    try:
        ids = [e.get("id") for e in json.loads(body)["batch"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        ids = []
    payload = json.dumps({"successes": [{"id": i, "status": 201} for i in ids], "errors": []}).encode()
    head = f"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    return head.encode() + payload
