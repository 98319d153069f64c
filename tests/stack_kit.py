"""Session-scoped local stacks shared by many tests (tests/integration's `local_stack`, tests/e2e's
`pipeline`): paused between the tests that use them.

A running stack's schedules fire every second or two and its pollers long-poll every queue, for
nobody once its tests are done: about a tenth of a core per stack, and each pytest-xdist worker
keeps its stacks to the session's end. So after a test that uses one, if the next test on this
worker does not, its event sources are paused (devstack FunctionRunner.pause: no polls, no
schedules; workers, servers and queued messages stay), and resumed before the next test that uses
it. pytest-xdist keeps one test pending on each worker, so `nextitem` is known there too."""

from __future__ import annotations

from typing import Protocol

import pytest


class Pausable(Protocol):
    def pause(self) -> None: ...

    def resume(self) -> None: ...


# fixture name -> the stacks it yielded (one per worker process, in practice)
_SHARED: dict[str, list[Pausable]] = {}


def share(fixture: str, stack: Pausable) -> None:
    """`stack`, yielded by the session fixture `fixture`, is paused between the tests that use it."""
    _SHARED.setdefault(fixture, []).append(stack)


def _uses(item: pytest.Item | None, fixture: str) -> bool:
    return item is not None and fixture in getattr(item, "fixturenames", ())


def resume_for(item: pytest.Item) -> None:
    for fixture, stacks in _SHARED.items():
        if _uses(item, fixture):
            for stack in stacks:
                stack.resume()


def pause_after(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    for fixture, stacks in _SHARED.items():
        if _uses(item, fixture) and not _uses(nextitem, fixture):
            for stack in stacks:
                stack.pause()
