"""One HTTP request bounded in total by a deadline: name resolution, connection, TLS handshake,
sending and reading the answer all end by it, however the network or the server behaves.

Why not `urllib.request.urlopen(timeout=…)`: its timeout bounds each socket operation, not the
request. A server that sends one byte every 0.5 s never trips a 2 s timeout (a 2 s Langfuse flush
took 26 s, and 86 s with a longer answer), and name resolution (`getaddrinfo`, a blocking C call)
is not bounded by it at all: the system resolver's own retries can take tens of seconds.

How each step is bounded:

- resolution: `getaddrinfo` runs in a daemon thread that the caller waits for at most the time
  left (`Resolver`). Nothing can interrupt the C call, so a lookup the caller gave up on finishes
  on its own; the next request for the same host waits for that same lookup instead of starting
  another, so a resolver that hangs costs one thread, not one per request;
- connection and TLS handshake: the socket's timeout is set to the time left before each (the
  handshake is one call, which CPython bounds as a whole by the timeout);
- sending and receiving: `http.client` formats the request and parses the answer (status,
  headers, chunked or sized bodies) but talks through `_DeadlineSocket`, which sets the timeout to
  the time left before every `send` and `recv_into` and refuses to start one once the deadline has
  passed. A trickled answer therefore ends at the deadline: each read waits at most what is left.

Why not the whole request in a thread joined with a timeout: the abandoned request would go on
with an open connection, frozen by Lambda after the invocation and resumed in the next one, and
could still deliver what was counted as dropped. Here nothing outlives the call but, at worst,
one name lookup, which holds no connection.

Standard library only: the recorder's flush (agent/tracing.py) is its user, and it must not load
an HTTP library into the processor's cold start.
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import ssl
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from receptionist.deadline import Deadline

# One getaddrinfo answer: (family, type, proto, canonname, sockaddr).
AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]
Lookup = Callable[[str, int], Sequence[AddrInfo]]

MAX_ANSWER_BYTES = 1_000_000


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def _left(deadline: Deadline) -> float:
    """The time left, as a socket timeout; TimeoutError once there is none."""
    left = deadline.remaining()
    if left <= 0:
        raise TimeoutError("the request's time is up")
    return left


def _system_lookup(host: str, port: int) -> Sequence[AddrInfo]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


@dataclass
class _Lookup:
    done: threading.Event = field(default_factory=threading.Event)
    addresses: Sequence[AddrInfo] = ()
    error: BaseException | None = None


class Resolver:
    """Name resolution that gives up at the deadline (see the module's docstring). `lookup` is
    `getaddrinfo` unless a test hands in another."""

    def __init__(self, lookup: Lookup | None = None) -> None:
        self._lookup = lookup or _system_lookup
        self._running: dict[tuple[str, int], _Lookup] = {}
        self._lock = threading.Lock()

    def resolve(self, host: str, port: int, deadline: Deadline) -> Sequence[AddrInfo]:
        key = (host, port)
        with self._lock:
            lookup = self._running.get(key)
            if lookup is None:  # else: a lookup an earlier caller gave up on is still running
                lookup = self._running[key] = _Lookup()
                threading.Thread(target=self._run, args=(key, lookup), name="resolve", daemon=True).start()
        if not lookup.done.wait(max(deadline.remaining(), 0.0)):
            raise TimeoutError("name resolution took too long")
        with self._lock:
            if self._running.get(key) is lookup:
                del self._running[key]  # answered: the next request looks the name up afresh
        if lookup.error is not None:
            raise lookup.error
        return lookup.addresses

    def _run(self, key: tuple[str, int], lookup: _Lookup) -> None:
        try:
            lookup.addresses = self._lookup(*key)
        except BaseException as exc:  # handed to the caller, which raises it
            lookup.error = exc
        finally:
            lookup.done.set()


class _DeadlineSocket:
    """What `http.client` gets as its socket: each send and receive waits at most the time left,
    and none starts after the deadline."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock, self._deadline = sock, deadline

    def sendall(self, data: bytes) -> None:
        # Our own loop: ssl's sendall gives every chunk the whole timeout again.
        view = memoryview(data).cast("B")
        while view:
            self._sock.settimeout(_left(self._deadline))
            view = view[self._sock.send(view) :]

    def recv_into(self, buffer: Any) -> int:
        self._sock.settimeout(_left(self._deadline))
        return self._sock.recv_into(buffer)

    def makefile(self, mode: str = "rb") -> io.BufferedReader:
        return io.BufferedReader(_Reader(self))

    def close(self) -> None:
        # http.client closes its connection (Connection: close) while the answer is still being
        # read from it; the socket is closed by `post` once the answer is read or given up on.
        return


class _Reader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


class _Connection(http.client.HTTPConnection):
    """http.client's request and answer over a socket opened within the deadline."""

    def __init__(self, host: str, port: int, deadline: Deadline, resolver: Resolver, tls: bool) -> None:
        super().__init__(host, port)
        self._deadline, self._resolver, self._tls = deadline, resolver, tls
        self.raw: socket.socket | None = None

    def connect(self) -> None:
        self.raw = _open(self.host, self.port, self._deadline, self._resolver)
        if self._tls:
            self.raw.settimeout(_left(self._deadline))
            self.raw = _tls_context().wrap_socket(self.raw, server_hostname=self.host)
        self.sock = _DeadlineSocket(self.raw, self._deadline)  # type: ignore[assignment] # duck-typed socket


def _open(host: str, port: int, deadline: Deadline, resolver: Resolver) -> socket.socket:
    """A TCP connection to the first of the host's addresses that answers in time."""
    error: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in resolver.resolve(host, port, deadline):
        timeout = _left(deadline)
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # headers and body go as two sends
        return sock
    raise error


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # loads the CA bundle once per container


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    deadline: Deadline,
    *,
    resolver: Resolver,
    max_answer: int = MAX_ANSWER_BYTES,
) -> Answer:
    """POST `body` to `url` (http or https) and read at most `max_answer` bytes of the answer,
    all by `deadline`. Raises TimeoutError when time runs out, OSError when the host cannot be
    reached, http.client.HTTPException on a malformed answer; any status is returned as is."""
    return request("POST", url, body, headers, deadline, resolver=resolver, max_answer=max_answer)


def request(
    method: str,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
    deadline: Deadline,
    *,
    resolver: Resolver,
    query: Mapping[str, str] | None = None,
    max_answer: int = MAX_ANSWER_BYTES,
) -> Answer:
    """One request of any method (GET, POST, PATCH, DELETE, ...) bounded as `post` is; `query`
    is encoded and added to the URL's own query string."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http or https URL is needed")
    tls = parts.scheme == "https"
    connection = _Connection(parts.hostname, parts.port or (443 if tls else 80), deadline, resolver, tls)
    path = parts.path or "/"
    queries = [q for q in (parts.query, urlencode(query) if query else "") if q]
    if queries:
        path += "?" + "&".join(queries)
    try:
        connection.request(method, path, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        return Answer(response.status, response.read(max_answer))
    finally:
        connection.close()
        if connection.raw is not None:
            connection.raw.close()
