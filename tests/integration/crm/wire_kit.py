"""A TCP proxy in front of PostgreSQL that counts network round trips as the wire sees them: a
round trip starts each time the client speaks after the server did (or first). Chunking does
not matter; only turns of the conversation count. The server flushes its answers at Sync, so
a pipelined exchange is one turn however many statements it carries."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit


class RoundTripProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        assert parts.hostname and parts.port
        self._upstream = (parts.hostname, parts.port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        netloc = parts.netloc.rsplit(":", 1)[0] + f":{port}"
        self.url = urlunsplit(parts._replace(netloc=netloc))
        self._lock = threading.Lock()
        self._last = "server"
        self.round_trips = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            threading.Thread(target=self._pump, args=(client, server, "client"), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, "server"), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, side: str) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                with self._lock:
                    if side == "client" and self._last == "server":
                        self.round_trips += 1
                    self._last = side
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._listener.close()


@contextmanager
def round_trip_proxy(url: str) -> Iterator[RoundTripProxy]:
    proxy = RoundTripProxy(url)
    try:
        yield proxy
    finally:
        proxy.close()
