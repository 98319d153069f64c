"""The threaded HTTP server behind the local API and the local third-party servers."""

from __future__ import annotations

from http.server import ThreadingHTTPServer

# How often serve_forever looks whether shutdown() was called: socketserver's 0.5 s made every stop
# of a local server wait ~0.25 s on average, and the tests start and stop fakes around hundreds of
# tests. A wake-up every 50 ms costs nothing measurable.
POLL_SECONDS = 0.05


class LocalHTTPServer(ThreadingHTTPServer):
    # socketserver's default backlog is 5: a burst of 50 simultaneous webhook POSTs (the bench,
    # Gupshup after an outage) would see connections reset instead of queued.
    request_queue_size = 256
    daemon_threads = True

    def serve_forever(self, poll_interval: float = POLL_SECONDS) -> None:
        super().serve_forever(poll_interval)
