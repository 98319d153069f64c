"""A small threaded HTTP server that records requests and lets a subclass answer them."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from devstack.http_server import LocalHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0  # seconds between the body's bytes (a server that answers too slowly)

    @classmethod
    def json(cls, status: int, payload: Any, delay: float = 0.0) -> Reply:
        return cls(status, json.dumps(payload).encode(), {"content-type": "application/json"}, delay)


class FakeServer:
    """Subclasses implement answer(request) -> Reply. Use as a context manager."""

    name = "fake"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Recorded(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with server.lock:
                    server.requests.append(req)
                try:
                    reply = server.answer(req)
                except Exception as exc:  # a bug in a fake must show, not hang the client
                    reply = Reply.json(500, {"error": f"fake {server.name} failed: {exc}"})
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if reply.trickle:
                        for i in range(len(reply.body)):
                            self.wfile.write(reply.body[i : i + 1])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_DELETE = do_PATCH = do_PUT = _serve

        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.httpd = LocalHTTPServer((host, port), Handler)
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=f"fake-{self.name}", daemon=True)

    def answer(self, request: Recorded) -> Reply:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def received(self, path_suffix: str = "") -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]
