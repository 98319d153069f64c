"""Session-scoped local stacks shared by many tests (tests/integration's `local_stack`, tests/e2e's
`pipeline`): paused between the tests that use them.

A running stack's schedules fire every second or two and its pollers long-poll every queue, for
nobody once its tests are done: about a tenth of a core per stack, and each pytest-xdist worker
keeps its stacks to the session's end. So after a test that uses one, if the next test on this
worker does not, its event sources are paused (devstack FunctionRunner.pause: no polls, no
schedules; workers, servers and queued messages stay), and resumed before the next test that uses
it. pytest-xdist keeps one test pending on each worker, so `nextitem` is known there too.

Under pytest-xdist (`make test`: `--dist loadfile`) every module that uses a shared stack goes to
one worker, with the others that use it (`stack_group_scheduling`): one stack per
session instead of one per worker that happens to get such a module (a stack costs ~15 s of a core
to start, ~17 worker processes importing their handlers)."""

from __future__ import annotations

import ast
import functools
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

import pytest

if TYPE_CHECKING:
    from xdist.scheduler import LoadFileScheduling


class Pausable(Protocol):
    def pause(self) -> None: ...

    def resume(self) -> None: ...


# The session fixtures that yield a shared stack (tests/e2e's and tests/integration's conftest.py).
SHARED_STACKS: Final = ("pipeline", "local_stack")

# fixture name -> the stacks it yielded (one per worker process, in practice)
_SHARED: dict[str, list[Pausable]] = {}


def share(fixture: str, stack: Pausable) -> None:
    """`stack`, yielded by the session fixture `fixture`, is paused between the tests that use it."""
    assert fixture in SHARED_STACKS, f"{fixture}: add it to SHARED_STACKS so its modules share one worker"
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


@functools.cache
def _functions(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """The names of a module's functions (its own fixtures among them) and of their parameters."""
    functions = [
        node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]  # fmt: skip
    parameters = {arg.arg for f in functions for arg in f.args.args + f.args.kwonlyargs}
    return frozenset(f.name for f in functions), frozenset(parameters)


def stack_of_module(path: Path) -> str | None:
    """The shared stack a test module uses, read from its source (the scheduler, in the controlling
    process, sees node ids only): a function of the module, a test or a fixture, takes the stack's
    fixture as a parameter, and the module does not define a fixture of that name of its own (as
    tests/integration/processor/test_pipeline.py does)."""
    own, parameters = _functions(path)
    return next((fixture for fixture in SHARED_STACKS if fixture in parameters and fixture not in own), None)


def check_stack_groups(items: list[pytest.Item]) -> None:
    """A module that uses a shared stack only through another fixture is not seen by
    `stack_of_module`: it still runs, on whichever worker, and may start a second stack; say so."""
    missed: dict[Path, str] = {}
    for item in items:
        path = Path(str(item.path))
        for fixture in SHARED_STACKS:
            if (
                path not in missed
                and _uses(item, fixture)
                and fixture not in _functions(path)[0]
                and stack_of_module(path) != fixture
            ):
                missed[path] = fixture
    for path, fixture in missed.items():
        warnings.warn(
            f"{path.name} uses the shared stack {fixture!r} only through another fixture: name {fixture!r} "
            "as a parameter of one of its functions so that it runs with the others (tests/stack_kit.py)",
            stacklevel=1,
        )


def stack_group_scheduling(config: pytest.Config, log: Any) -> LoadFileScheduling:
    """`--dist loadfile`, except that the modules of one shared stack are one unit of work."""
    from xdist.scheduler import LoadFileScheduling

    root = config.rootpath
    stacks: dict[str, str | None] = {}

    class StackGroupScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = str(super()._split_scope(nodeid))
            if module not in stacks:
                path = root / module
                stacks[module] = stack_of_module(path) if path.suffix == ".py" and path.is_file() else None
            stack = stacks[module]
            return f"shared stack: {stack}" if stack else module

    return StackGroupScheduling(config, log)
