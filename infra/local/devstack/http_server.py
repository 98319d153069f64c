"""The threaded HTTP server behind the local API and the local third-party servers."""

from __future__ import annotations

from http.server import ThreadingHTTPServer


class LocalHTTPServer(ThreadingHTTPServer):
    # socketserver's default backlog is 5: a burst of 50 simultaneous webhook POSTs (the bench,
    # Gupshup after an outage) would see connections reset instead of queued.
    request_queue_size = 256
    daemon_threads = True
