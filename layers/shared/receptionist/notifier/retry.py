"""Retries with exponential backoff and full jitter, bounded by attempts and by time."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class RetryPolicy:
    attempts: int = 4
    base_seconds: float = 0.5
    cap_seconds: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    delays: list[float] = field(default_factory=list)  # what was actually waited (for reports)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return self.rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))

    def run(
        self,
        operation: Callable[[], T],
        *,
        retryable: Callable[[Exception], bool],
        deadline: Callable[[], float] | None = None,
    ) -> T:
        """Run `operation`; on a retryable error wait and try again. `deadline()` gives the
        seconds left (e.g. the Lambda's remaining time): no wait is started that would end past it."""
        for attempt in range(self.attempts):
            try:
                return operation()
            except Exception as exc:
                last = attempt == self.attempts - 1
                if last or not retryable(exc):
                    raise
                delay = self.backoff(attempt)
                if deadline is not None and deadline() <= delay:
                    raise
                self.delays.append(delay)
                self.sleep(delay)
        raise AssertionError("unreachable")
