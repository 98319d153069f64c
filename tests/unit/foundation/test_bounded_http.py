"""receptionist/bounded_http.py on its own: a hung name lookup is waited for once, not restarted by
every request, and the answer is parsed by http.client through the deadline-bounded socket
(a chunked answer too, as a proxy may send it)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from receptionist.bounded_http import AddrInfo, Resolver, post, request
from receptionist.deadline import Deadline


def test_a_hung_lookup_is_waited_for_again_not_started_again() -> None:
    asked: list[threading.Event] = []  # one per lookup started, set once it is running
    release = threading.Event()
    answer: list[AddrInfo] = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]

    def lookup(host: str, port: int) -> list[AddrInfo]:
        asked[-1].set()
        release.wait(30)
        return answer

    resolver = Resolver(lookup)
    asked.append(threading.Event())
    for _ in range(3):
        with pytest.raises(TimeoutError):
            resolver.resolve("langfuse.example.test", 443, Deadline.after(0.05))
    assert asked[0].wait(10) and len(asked) == 1  # one thread for the hung lookup, however many requests

    release.set()
    assert resolver.resolve("langfuse.example.test", 443, Deadline.after(10)) == answer  # its late answer
    release.clear()
    asked.append(threading.Event())
    with pytest.raises(TimeoutError):  # answered once: the next request looks the name up afresh
        resolver.resolve("langfuse.example.test", 443, Deadline.after(0.05))
    assert asked[1].wait(10)
    release.set()


class _Chunked(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: list[bytes] = []

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(body)
        self.send_response(207)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in (b'{"echo": ', body, b', "path": "' + self.path.encode() + b'"}'):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def _echo_method(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = f"{self.command} {self.path} {body.decode()}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_PATCH = do_DELETE = _echo_method


@pytest.fixture
def chunked_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Chunked)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # its stop: <= 50 ms
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_chunked_answer_is_read_whole(chunked_server: str) -> None:
    answer = post(
        f"{chunked_server}/api/public/ingestion?x=1",
        b'{"batch": []}',
        {"Content-Type": "application/json"},
        Deadline.after(5),
        resolver=Resolver(),
    )
    assert answer.status == 207
    assert answer.body == b'{"echo": {"batch": []}, "path": "/api/public/ingestion?x=1"}'


def test_a_deadline_already_passed_sends_nothing(chunked_server: str) -> None:
    _Chunked.received.clear()
    with pytest.raises(TimeoutError):
        post(chunked_server, b"{}", {}, Deadline.passed(), resolver=Resolver())
    post(chunked_server, b"{}", {}, Deadline.after(5), resolver=Resolver())  # the server's next request...
    assert _Chunked.received == [b"{}"]  # ...is its first


def test_other_methods_and_a_query_go_as_asked(chunked_server: str) -> None:
    """GET, PATCH and DELETE (the calendar adapter's), the query encoded after the URL's own."""
    get = request("GET", f"{chunked_server}/events?a=1", None, {}, Deadline.after(5), resolver=Resolver(),
                  query={"syncToken": "x/y=", "maxResults": "2"})  # fmt: skip
    assert get.body == b"GET /events?a=1&syncToken=x%2Fy%3D&maxResults=2 "
    patch = request("PATCH", f"{chunked_server}/events/e1", b'{"status":"confirmed"}', {}, Deadline.after(5),
                    resolver=Resolver())  # fmt: skip
    assert patch.body == b'PATCH /events/e1 {"status":"confirmed"}'
    delete = request("DELETE", f"{chunked_server}/events/e1", None, {}, Deadline.after(5), resolver=Resolver())
    assert (delete.status, delete.body) == (200, b"DELETE /events/e1 ")
