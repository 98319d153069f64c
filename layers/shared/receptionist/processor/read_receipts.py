"""Blue ticks and "typing…" while a turn runs (issue 30, point 5): the customer's last message is
marked read and WhatsApp's typing indicator shown when the turn starts, and shown again every
RENEW_AFTER seconds while the turn goes on (WhatsApp drops the indicator after 25 seconds, or
when the reply arrives).

Never in the turn's way: `begin` only looks up the app (a cached database read, on the turn's
thread, which holds the connection) and starts a daemon thread; that thread reads the app's token
and makes each call, bounded by CALL_SECONDS (receptionist/bounded_http.py). `finish`, at the end
of the ticket (the reply already recorded and queued), stops the renewals and waits at most for
the call in flight to reach its own bound, so no request outlives the invocation (Lambda freezes
the container after it). A failure of any kind is counted and logged by the adapter
(adapters/gupshup_read.py) and changes nothing else.

Why a thread and not a short call before the model: the call costs a round trip to Gupshup (up
to its 1 s bound when Gupshup is slow), which every reply would wait for; in a thread it costs the
turn's own thread a few milliseconds to start (bench/results.md, "Processor: cost per turn").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from receptionist.crm.models import AppToken, ChatIdentity, Organization
from receptionist.deadline import Deadline
from receptionist.processor.recall_answers import recall_tap_of
from receptionist.processor.reminder_answers import tap_of
from receptionist.processor.waitlist_answers import waitlist_tap_of
from receptionist.turns import BufferedMessage

logger = logging.getLogger(__name__)

RENEW_AFTER = 20.0  # seconds; WhatsApp shows the indicator for 25
CALL_SECONDS = 1.0  # one call's bound, everything included
MAX_SHOWS = 8  # a turn is bounded by the function's timeout anyway; this bounds a stuck one
JOIN_MARGIN = 0.2  # seconds past a call's bound for its thread to note how it ended


class Timer(Protocol):
    """Time for the renewals: the wall clock's monotonic time in production; tests move it by hand."""

    def now(self) -> float: ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Until `seconds` have passed or `stop` is set; whether it was set."""
        ...


class MonotonicTimer:
    def now(self) -> float:
        return time.monotonic()

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(max(0.0, seconds))


# (app id, app token, message id, typing, deadline) -> shown; adapters.gupshup_read in production.
Send = Callable[[str, str, str, bool, Deadline], bool]


class NoReadReceipts:
    """For a processor without them (tests of other things, a stack that does not configure them)."""

    def begin(self, organization: Organization, message_id: str, *, typing: bool) -> None:
        return None

    def finish(self) -> None:
        return None


@dataclass
class _Run:
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    # Until when the current show may run (monotonic): the first one ends CALL_SECONDS after
    # `begin`, its token read included; a renewal CALL_SECONDS after it starts. None: idle.
    until: float | None = None


@dataclass
class ReadIndicator:
    """The processor's read receipts (ports.ReadReceipts) over Gupshup's API."""

    lookup: Callable[[Organization], AppToken | None]  # on the turn's thread (database)
    secret: Callable[[str], str]  # the token by its parameter name (in the background)
    send: Send
    timer: Timer = field(default_factory=MonotonicTimer)
    renew_after: float = RENEW_AFTER
    call_seconds: float = CALL_SECONDS
    shown: int = 0  # calls started (read, or read and typing)
    abandoned: int = 0  # tickets that ended with a call still running (it ends by its own bound)
    # What they cost the turn's own thread (the bench): starting them (before the reply) and
    # waiting for a call in flight at the end (after the reply was queued).
    begin_seconds: float = 0.0
    finish_seconds: float = 0.0
    _run: _Run | None = field(default=None, repr=False)

    def begin(self, organization: Organization, message_id: str, *, typing: bool) -> None:
        """Mark `message_id` read (and show "typing…" when `typing`) without waiting for it; while
        `typing`, again every `renew_after` seconds until `finish`. Never raises."""
        self.finish()  # one turn at a time per container
        started = time.perf_counter()
        try:
            found = self.lookup(organization)
        except Exception as exc:  # best effort: the turn goes on
            logger.warning("read receipts: app not looked up", extra={"error": type(exc).__name__})
            found = None
        if found is not None:
            run = _Run(until=time.monotonic() + self.call_seconds)
            run.thread = threading.Thread(
                target=self._show, args=(run, found, message_id, typing), name="read-receipts", daemon=True
            )
            self._run = run
            run.thread.start()
        self.begin_seconds += time.perf_counter() - started

    def finish(self) -> None:
        """No more renewals. A show still running is waited for until its own bound (a fast
        turn's blue ticks still go out), never longer."""
        run, self._run = self._run, None
        if run is None or run.thread is None:
            return
        started = time.perf_counter()
        run.stop.set()
        until = run.until
        if until is not None:
            run.thread.join(max(0.0, until - time.monotonic()) + JOIN_MARGIN)
        if run.thread.is_alive() and run.until is not None:
            self.abandoned += 1
        self.finish_seconds += time.perf_counter() - started

    def _show(self, run: _Run, found: AppToken, message_id: str, typing: bool) -> None:
        deadline = Deadline(run.until if run.until is not None else time.monotonic() + self.call_seconds)
        try:
            token = self.secret(found.token_ref)
        except Exception as exc:
            logger.warning("read receipts: no app token", extra={"error": type(exc).__name__})
            run.until = None
            return
        for shown in range(MAX_SHOWS):
            self.shown += 1
            try:  # "typing…" only while the turn runs: once it is over the reply is on its way
                self.send(found.app_id, token, message_id, typing and not run.stop.is_set(), deadline)
            except Exception as exc:  # the adapter never raises; a stand-in might
                logger.warning("read receipts: call failed", extra={"error": type(exc).__name__})
            finally:
                run.until = None
            if not typing or shown + 1 == MAX_SHOWS or self.timer.wait(run.stop, self.renew_after):
                return
            deadline = Deadline.after(self.call_seconds)
            run.until = deadline.at
            if run.stop.is_set():  # finished meanwhile
                run.until = None
                return


def reading_for(identity: ChatIdentity, messages: list[BufferedMessage]) -> bool | None:
    """What a turn shows the customer when it starts: None, nothing (a person owns the
    conversation: blue ticks would say someone read it while nobody may have; the person's own
    reading is theirs to show); False, blue ticks only (an opted-out customer, whose message may
    get no answer; or only taps of reminders, waitlist offers or recalls, answered by the code in
    well under a second: an indicator would only flash); True, blue ticks and "typing…"."""
    if not identity.bot_enabled:
        return None
    if identity.opted_out:
        return False
    return not all(tap_of(m) or waitlist_tap_of(m) or recall_tap_of(m) for m in messages)
