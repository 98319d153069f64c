"""The booking's re-check in the member's calendar (receptionist/calendar/slot_guard.py): free,
busy, or unknown when the provider cannot answer within min(the turn's deadline, 3 s), counted;
a revoked grant breaks the connection and refuses. A fake provider at the network edge, an
injected clock: no sleeps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from receptionist.calendar.connection import CalendarConnection
from receptionist.calendar.provider import (
    AccessToken,
    AppointmentEvent,
    CalendarRefused,
    CalendarUnavailable,
    Channel,
    EventChanges,
    Grant,
    GrantRevoked,
)
from receptionist.calendar.slot_guard import CHECK_SECONDS, ProviderSlotGuard, SlotGuard
from receptionist.calendar.tokens import AccessTokens
from receptionist.deadline import Deadline, DeadlineExceeded

START = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)
END = START + timedelta(minutes=30)
CONNECTION = CalendarConnection(
    "c-1", "org-1", "member-1", "google", "primary", "/tokens/c-1", "connected", "Europe/Madrid"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeCalendar:
    """The provider, as far as a re-check reaches it: refresh and free/busy."""

    name = "fake"

    def __init__(self, busy: Sequence[tuple[datetime, datetime]] = (), error: Exception | None = None) -> None:
        self._busy = list(busy)
        self.error = error
        self.refresh_error: Exception | None = None
        self.deadlines: list[float] = []  # remaining seconds of each busy call's deadline

    def refresh(self, refresh_token: str, deadline: Deadline) -> AccessToken:
        if self.refresh_error is not None:
            raise self.refresh_error
        return AccessToken("access", datetime(2099, 1, 1, tzinfo=UTC))

    def busy(
        self, token: AccessToken, calendar_id: str, since: datetime, until: datetime, deadline: Deadline
    ) -> list[tuple[datetime, datetime]]:
        self.deadlines.append(deadline.remaining())
        deadline.check("free/busy")  # as the adapter does before its request
        if self.error is not None:
            raise self.error
        return [(s, e) for s, e in self._busy if s < until and e > since]

    def authorization_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        raise NotImplementedError

    def exchange_code(self, code: str, *, code_verifier: str, redirect_uri: str, deadline: Deadline) -> Grant:
        raise NotImplementedError

    def revoke(self, refresh_token: str, deadline: Deadline) -> None:
        raise NotImplementedError

    def changes(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        sync_token: str | None,
        since: datetime,
        until: datetime,
        deadline: Deadline,
    ) -> EventChanges:
        raise NotImplementedError

    def put_event(self, token: AccessToken, calendar_id: str, event: AppointmentEvent, deadline: Deadline) -> None:
        raise NotImplementedError

    def delete_event(self, token: AccessToken, calendar_id: str, event_id: str, deadline: Deadline) -> None:
        raise NotImplementedError

    def watch(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        channel_id: str,
        channel_token: str,
        address: str,
        expires_at: datetime,
        deadline: Deadline,
    ) -> Channel:
        raise NotImplementedError

    def stop(self, token: AccessToken, channel: Channel, deadline: Deadline) -> None:
        raise NotImplementedError


class Tokens:
    def put(self, ref: str, refresh_token: str) -> None:
        raise NotImplementedError

    def get(self, ref: str) -> str:
        return "refresh"

    def delete(self, ref: str) -> None:
        raise NotImplementedError


def _guard(
    calendar: FakeCalendar, clock: Clock, connection: CalendarConnection | None = CONNECTION
) -> tuple[ProviderSlotGuard, list[CalendarConnection]]:
    revoked: list[CalendarConnection] = []
    guard = ProviderSlotGuard(
        lambda org, member: connection,
        AccessTokens(calendar, Tokens()),
        calendar,
        on_revoked=revoked.append,
        clock=clock,
    )
    return guard, revoked


def test_a_busy_interval_over_the_slot_refuses_and_one_beside_it_does_not() -> None:
    clock = Clock()
    taken, _ = _guard(FakeCalendar([(START - timedelta(minutes=15), START + timedelta(minutes=5))]), clock)
    beside, _ = _guard(FakeCalendar([(START - timedelta(hours=1), START), (END, END + timedelta(hours=1))]), clock)
    guard: SlotGuard = taken  # the port
    assert guard.check("org-1", "member-1", START, END, Deadline.after(10, clock)) == "busy"
    assert beside.check("org-1", "member-1", START, END, Deadline.after(10, clock)) == "free"
    assert taken.fallbacks == beside.fallbacks == 0


@pytest.mark.parametrize(
    "error", [CalendarUnavailable("503"), DeadlineExceeded("timeout"), TimeoutError("read"), CalendarRefused("403")]
)
def test_no_answer_is_unknown_and_counted(error: Exception) -> None:
    clock = Clock()
    guard, revoked = _guard(FakeCalendar(error=error), clock)
    assert guard.check("org-1", "member-1", START, END, Deadline.after(10, clock)) == "unknown"
    assert guard.check("org-1", "member-1", START, END, Deadline.after(10, clock)) == "unknown"
    assert guard.fallbacks == 2 and revoked == []


def test_the_check_lasts_at_most_three_seconds_and_never_past_the_turn_s_deadline() -> None:
    clock = Clock()
    calendar = FakeCalendar()
    guard, _ = _guard(calendar, clock)
    guard.check("org-1", "member-1", START, END, Deadline.never())
    guard.check("org-1", "member-1", START, END, Deadline.after(20, clock))
    guard.check("org-1", "member-1", START, END, Deadline.after(1.5, clock))
    assert calendar.deadlines == [CHECK_SECONDS, CHECK_SECONDS, 1.5]


def test_with_too_little_time_left_the_provider_is_not_called() -> None:
    clock = Clock()
    calendar = FakeCalendar([(START, END)])  # busy: had it been asked, the answer would refuse
    guard, _ = _guard(calendar, clock)
    turn = Deadline.after(10, clock)
    clock.now += 9.8  # the model took the turn's time
    assert guard.check("org-1", "member-1", START, END, turn) == "unknown"
    assert guard.check("org-1", "member-1", START, END, Deadline.passed()) == "unknown"
    assert calendar.deadlines == [] and guard.calls == 0 and guard.fallbacks == 2


def test_a_revoked_grant_breaks_the_connection_and_refuses() -> None:
    clock = Clock()
    calendar = FakeCalendar()
    calendar.refresh_error = GrantRevoked("invalid_grant")
    guard, revoked = _guard(calendar, clock)
    assert guard.check("org-1", "member-1", START, END, Deadline.after(10, clock)) == "broken"
    assert revoked == [CONNECTION] and guard.fallbacks == 0 and calendar.deadlines == []


def test_a_broken_or_missing_connection_is_not_asked() -> None:
    clock = Clock()
    calendar = FakeCalendar([(START, END)])
    broken = CalendarConnection(**{**CONNECTION.__dict__, "status": "broken"})
    assert _guard(calendar, clock, broken)[0].check("org-1", "member-1", START, END, Deadline.never()) == "broken"
    assert _guard(calendar, clock, None)[0].check("org-1", "member-1", START, END, Deadline.never()) == "free"
    assert calendar.deadlines == []


def test_any_other_failure_of_the_check_falls_back_rather_than_losing_the_booking() -> None:
    clock = Clock()

    class BrokenStore(Tokens):
        def get(self, ref: str) -> str:
            raise RuntimeError("parameter store unreachable")

    calendar = FakeCalendar()
    guard = ProviderSlotGuard(
        lambda org, member: CONNECTION, AccessTokens(calendar, BrokenStore()), calendar, on_revoked=print, clock=clock
    )
    assert guard.check("org-1", "member-1", START, END, Deadline.after(10, clock)) == "unknown"
    assert guard.fallbacks == 1


def test_the_processor_wires_a_guard_only_when_a_provider_is_plugged_in() -> None:
    from devstack.template import function_env
    from receptionist.config import ProcessorSettings
    from receptionist.crm.connection import Database
    from receptionist.processor.wiring import ProcessorClients, slot_guard

    db = Database("postgresql://nobody@127.0.0.1:1/none")  # never reached: the guard is only built
    settings = ProcessorSettings.from_env(function_env("ProcessorFunction"))  # no Google client id by default
    bare = ProcessorClients(sqs=object(), dynamodb=object(), s3=object())
    assert not settings.google_configured and slot_guard(db, settings, bare) is None
    calendar = FakeCalendar()
    plugged = ProcessorClients(sqs=object(), dynamodb=object(), s3=object(), calendar=lambda: (calendar, Tokens()))
    assert isinstance(slot_guard(db, settings, plugged), ProviderSlotGuard)
    # A stage with a Google OAuth client gets Google Calendar, its secret not read yet.
    named = ProcessorSettings.from_env({**function_env("ProcessorFunction"), "GOOGLE_CLIENT_ID": "client-1"})
    assert named.google_configured and isinstance(slot_guard(db, named, bare), ProviderSlotGuard)
