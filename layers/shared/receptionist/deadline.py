"""A point in time a piece of work must finish by, derived from the Lambda's remaining time.

Every call a turn makes to something slow (the model, Gemini, a media download) asks the
deadline for its timeout, so no single call can outlive the invocation; a call that would have
too little time is not started at all (DeadlineExceeded), which leaves the invocation the time
it keeps back for the fallback.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# A call with less time than this is not worth starting: it would only time out.
MIN_CALL_SECONDS = 0.5


class DeadlineExceeded(TimeoutError):
    """Too little time is left for the next step."""


@dataclass(frozen=True)
class Deadline:
    at: float  # on `clock`'s scale; math.inf for no deadline
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    @classmethod
    def never(cls) -> Deadline:
        return cls(math.inf)

    @classmethod
    def passed(cls) -> Deadline:
        """Already over: every bounded call is refused (e.g. to store messages without reading media)."""
        return cls(-math.inf)

    def remaining(self) -> float:
        return self.at - self.clock()

    def check(self, what: str = "the next step") -> None:
        if self.remaining() < MIN_CALL_SECONDS:
            raise DeadlineExceeded(f"no time left for {what}")

    def timeout(self, cap: float, *, keep: float = 0.0, what: str = "a call") -> float:
        """The timeout for one call: at most `cap`, and ending `keep` seconds before the deadline.
        Raises DeadlineExceeded when that leaves less than MIN_CALL_SECONDS."""
        left = self.remaining() - keep
        if left < MIN_CALL_SECONDS:
            raise DeadlineExceeded(f"no time left for {what}")
        return min(cap, left)
