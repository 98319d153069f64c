from __future__ import annotations

import random

import pytest

from receptionist.notifier.retry import RetryPolicy


class Flaky:
    def __init__(self, failures: int, exc: Exception) -> None:
        self.failures = failures
        self.exc = exc
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc
        return "ok"


def _policy(**kw: object) -> RetryPolicy:
    slept: list[float] = []
    return RetryPolicy(sleep=slept.append, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def test_retries_transient_errors_with_growing_capped_backoff() -> None:
    policy = _policy(attempts=4, base_seconds=0.5, cap_seconds=1.5)
    op = Flaky(3, TimeoutError())
    assert policy.run(op, retryable=lambda e: True) == "ok"
    assert op.calls == 4
    assert len(policy.delays) == 3
    assert [d <= c for d, c in zip(policy.delays, [0.5, 1.0, 1.5], strict=True)] == [True] * 3


def test_permanent_errors_are_not_retried() -> None:
    policy = _policy()
    op = Flaky(5, ValueError("invalid number"))
    with pytest.raises(ValueError):
        policy.run(op, retryable=lambda e: not isinstance(e, ValueError))
    assert op.calls == 1


def test_gives_up_after_the_last_attempt() -> None:
    policy = _policy(attempts=3)
    op = Flaky(10, TimeoutError())
    with pytest.raises(TimeoutError):
        policy.run(op, retryable=lambda e: True)
    assert op.calls == 3


def test_no_wait_past_the_deadline() -> None:
    policy = _policy(attempts=5, base_seconds=10, cap_seconds=10)
    op = Flaky(10, TimeoutError())
    with pytest.raises(TimeoutError):
        policy.run(op, retryable=lambda e: True, deadline=lambda: 0.0)
    assert op.calls == 1 and policy.delays == []
