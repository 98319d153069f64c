"""The webhook's AWS clients give up on a stalled service instead of hanging the function:
a server that accepts connections and never answers gets two attempts, each cut off by the
read timeout (botocore's defaults would wait 60 s, three times)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

from receptionist.adapters.aws import bounded_client_config, fast_client_config
from receptionist.adapters.queues import FifoQueue
from receptionist.messages import InboundTicket

ROOT = Path(__file__).resolve().parents[3]


class StalledServer:
    """Accepts every connection, reads the request, never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(conn)

    def close(self) -> None:
        self._stop.set()
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def stalled() -> Iterator[StalledServer]:
    server = StalledServer()
    yield server
    server.close()


@pytest.mark.parametrize("config", [fast_client_config, bounded_client_config])
def test_a_stalled_sqs_fails_after_the_bounded_attempts(stalled: StalledServer, config: object) -> None:
    cfg = config()  # type: ignore[operator]
    client = boto3.client("sqs", region_name="us-east-1", endpoint_url=stalled.url, config=cfg)
    queue = FifoQueue(f"{stalled.url}/123456789012/receptionist-dev-inbound.fifo", client)
    ticket = InboundTicket(conversation="ClinicaSonrisa#34600111222", message_id="wamid.X")
    with pytest.raises((ReadTimeoutError, ConnectTimeoutError)):
        queue.send(ticket, group="g", dedup_id="d")
    assert len(stalled.connections) == cfg.retries["total_max_attempts"]  # each attempt, then it gave up
    assert cfg.read_timeout <= 5 and cfg.connect_timeout <= 2


def test_the_webhooks_worst_case_fits_its_timeout() -> None:
    """Two calls (the buffer write, the ticket), each at most its attempts x (connect + read)."""
    cfg = fast_client_config()
    worst = 2 * cfg.retries["total_max_attempts"] * (cfg.connect_timeout + cfg.read_timeout)
    text = (ROOT / "template.yaml").read_text()
    webhook = text[text.index("  WebhookFunction:") : text.index("  ProcessorFunction:")]
    timeout = int(webhook.split("Timeout:")[1].split()[0])
    assert worst + 2 <= timeout  # plus backoff and the handler's own work
