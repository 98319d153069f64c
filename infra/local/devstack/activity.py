"""What the local stack's functions did and are doing: every invocation (kept, and appended to
invocations.jsonl), the queues' depths, and the waits tests and the demo use instead of sleeps."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from devstack.aws import moto_client
from devstack.runner import Invocation

_DEPTHS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


class StackActivity:
    """`record` is the runner's recorder; `queues` (name -> URL) and `busy` (some function is inside
    an invocation) are read at each wait, so they may be set once the stack is up."""

    def __init__(self, journal: Path, region: str) -> None:
        self.invocations: list[Invocation] = []
        self._lock = threading.Lock()
        self._journal = journal
        self._region = region
        self.moto_url: str | None = None
        self.queues: dict[str, str] = {}
        self.busy: Callable[[], bool] = lambda: False

    def record(self, inv: Invocation) -> None:
        with self._lock:
            self.invocations.append(inv)
        with self._lock, open(self._journal, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(inv)) + "\n")

    def of(self, function: str) -> list[Invocation]:
        with self._lock:
            return [i for i in self.invocations if i.function == function]

    def wait_for(self, predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"condition not met in {timeout:.0f} s; {self.what_happened()}")

    def what_happened(self, last: int = 8) -> str:
        """The latest invocations and the queues' depths: what a timed-out test reports."""
        with self._lock:
            recent = self.invocations[-last:]
        lines = [
            f"{i.function} {i.source} ok={i.ok} failed={len(i.failed_ids)} {i.duration_ms:.0f} ms"
            + (f" error={i.error[:200]}" if i.error else "")
            for i in recent
        ]
        return "latest invocations: " + ("; ".join(lines) or "none") + f"; queues: {self.queue_depths()}"

    def queue_depths(self) -> dict[str, str]:
        """Each queue's visible / in flight / delayed messages."""
        if not self.moto_url:
            return {}
        sqs = moto_client("sqs", self.moto_url, self._region)
        depths = {}
        for name, url in self.queues.items():
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            depths[name] = "/".join(attrs.get(k, "0") for k in _DEPTHS)
        return depths

    def wait_idle(self, timeout: float = 60.0, settle: float = 1.0) -> None:
        """Until nothing is left to do: every queue empty (visible, in flight and delayed) and no
        function busy, for `settle` seconds in a row. What a test waits on before it checks that
        nothing more happened (instead of sleeping a fixed time)."""
        assert self.moto_url
        sqs = moto_client("sqs", self.moto_url, self._region)
        urls = list(self.queues.values())
        quiet_since: float | None = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = self.busy()
            for url in urls if not busy else []:
                attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(_DEPTHS))["Attributes"]
                if any(int(attrs.get(n, "0")) for n in _DEPTHS):
                    busy = True
                    break
            now = time.monotonic()
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= settle:
                return
            time.sleep(0.1)
        raise TimeoutError(f"the local stack did not go idle in {timeout:.0f} s; {self.what_happened()}")
