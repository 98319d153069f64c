"""SIGINT and SIGTERM stop `make local` and `make demo` the same way, leaving no server behind.

Python's default SIGTERM ends the process at once, without unwinding: the servers it started
(moto's process, and PostgreSQL, which pg_ctl detaches) kept running and held their ports. Ctrl-C
only seemed to work because the terminal sends SIGINT to the whole process group. Here both
signals raise `StopRequested` in the main thread, so every `with` and `finally` that started a
server stops it, whichever step the process was in.

Two windows are closed with `signals_held()`: a server being started (a signal raised between
spawning a process and keeping its handle would leak it, and pg_ctl killed mid-start leaves the
postmaster starting on its own) and the stop itself (a second Ctrl-C must not cut it short).
A signal that arrives meanwhile is acted on when the section ends; once stopping, further
signals are ignored: every stop step is bounded by its own timeout.

Signal handlers run in the main thread only, so outside it, or before `stop_on_signals()`,
`signals_held()` changes nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopRequested(KeyboardInterrupt):
    """SIGINT or SIGTERM asked the process to stop (a KeyboardInterrupt, so code that already
    treats Ctrl-C as "stop" treats SIGTERM the same)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Signals:
    def __init__(self) -> None:
        self.installed = False
        self.held = 0  # nesting depth of signals_held() sections (main thread)
        self.pending: int | None = None  # a signal that arrived inside one
        self.stopping = False

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            return
        if self.held:
            self.pending = signum
            return
        self.stopping = True
        raise StopRequested(signum)


_signals = _Signals()


def stop_on_signals() -> None:
    """SIGINT and SIGTERM raise StopRequested from now on (call from the main thread)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _signals.on_signal)
    _signals.installed = True


@contextmanager
def signals_held() -> Iterator[None]:
    """Starting or stopping a server: a stop signal waits until the section is done, then raises
    StopRequested (unless the section failed: its error unwinds everything already)."""
    if not _signals.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    _signals.held += 1
    try:
        yield
    except BaseException:
        if _signals.pending is not None:  # the failure unwinds everything anyway: the signal adds nothing
            _signals.stopping = True
        raise
    finally:
        _signals.held -= 1
    if not _signals.held and _signals.pending is not None and not _signals.stopping:
        signum, _signals.pending = _signals.pending, None
        _signals.stopping = True
        raise StopRequested(signum)
