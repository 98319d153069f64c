"""Blue ticks and "typing…" (processor/read_receipts.py): shown when a turn starts, again past 20
seconds while it runs, in the background (a hanging Gupshup never holds the reply), and never a
reason for a turn to fail. Time for the renewals is a virtual timer moved by the test."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from processor_kit import APP, ORG, Harness

from receptionist.crm.models import AppToken, ChatIdentity, Organization
from receptionist.deadline import Deadline
from receptionist.processor.read_receipts import ReadIndicator, reading_for
from receptionist.turns import AgentRequest, BufferedMessage

WAIT = 10.0  # the most a condition is waited for: a bound, never a pause


class VirtualTimer:
    """The renewals' time, moved by the test (advance); `wait` returns when it has moved far
    enough or the indicator is stopped."""

    def __init__(self) -> None:
        self._now = 0.0
        self._moved = threading.Condition()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        with self._moved:
            self._now += seconds
            self._moved.notify_all()

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        with self._moved:
            target = self._now + seconds
            while self._now < target and not stop.is_set():
                self._moved.wait(0.005)  # also looks at `stop`, which has no way to notify
            return stop.is_set()


@dataclass(frozen=True)
class Shown:
    app_id: str
    token: str
    message_id: str
    typing: bool


@dataclass
class Gupshup:
    """The send port: records each call; `hang` makes calls wait (as a hanging Gupshup would)
    until released; `fail` makes them raise."""

    shown: list[Shown] = field(default_factory=list)
    hang: threading.Event | None = None
    fail: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, app_id: str, token: str, message_id: str, typing: bool, deadline: Deadline) -> bool:
        with self._cond:
            self.shown.append(Shown(app_id, token, message_id, typing))
            self._cond.notify_all()
        if self.fail:
            raise ConnectionError("Gupshup is down")
        if self.hang is not None:
            self.hang.wait(WAIT)
        return True

    def wait_for(self, count: int) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.shown) >= count, WAIT)


def _indicator(gupshup: Gupshup, timer: VirtualTimer, **kwargs: object) -> ReadIndicator:
    def lookup(organization: Organization) -> AppToken:
        assert organization.id == ORG and organization.connection.app_name == APP
        return AppToken("app-1", "/receptionist/dev/gupshup/app-1-token")

    tokens = {"/receptionist/dev/gupshup/app-1-token": "token-1"}
    return ReadIndicator(lookup, tokens.__getitem__, gupshup, timer, **kwargs)  # type: ignore[arg-type]


def _harness(gupshup: Gupshup, timer: VirtualTimer, **kwargs: object) -> tuple[Harness, ReadIndicator]:
    h = Harness()
    indicator = _indicator(gupshup, timer, **kwargs)
    h.service.receipts = indicator
    return h, indicator


def test_the_turn_marks_the_last_message_read_and_shows_typing_at_its_start() -> None:
    gupshup, timer = Gupshup(), VirtualTimer()
    h, _ = _harness(gupshup, timer)
    seen_before_the_model: list[list[Shown]] = []

    def answer(request: AgentRequest) -> str:
        assert gupshup.wait_for(1)  # shown while the turn runs, before its reply
        seen_before_the_model.append(list(gupshup.shown))
        return "Respuesta"

    h.agent.answer = answer
    h.text("Hola")
    last = h.text("¿Tenéis hueco mañana?")
    assert h.handle(last).outcome == "answered"

    assert seen_before_the_model == [[Shown("app-1", "token-1", last.message_id, True)]]
    assert gupshup.shown == seen_before_the_model[0]  # once: the turn was shorter than 20 s
    assert h.replies() == ["Respuesta"]


def test_typing_is_shown_again_while_the_turn_runs_past_20_seconds_and_stops_with_it() -> None:
    gupshup, timer = Gupshup(), VirtualTimer()
    h, _ = _harness(gupshup, timer)

    def slow_model(request: AgentRequest) -> str:
        assert gupshup.wait_for(1)
        timer.advance(19)  # WhatsApp still shows the first one (25 s)
        timer.advance(2)  # past 20 s: shown again
        assert gupshup.wait_for(2)
        return "Respuesta"

    h.agent.answer = slow_model
    ticket = h.text("Hola")
    assert h.handle(ticket).outcome == "answered"
    timer.advance(60)  # the turn is over: no more

    assert gupshup.shown == [Shown("app-1", "token-1", ticket.message_id, True)] * 2
    assert h.replies() == ["Respuesta"]


def test_a_hanging_gupshup_is_abandoned_at_its_bound_and_the_reply_goes_out() -> None:
    gupshup, timer = Gupshup(hang=threading.Event()), VirtualTimer()
    h, indicator = _harness(gupshup, timer, call_seconds=0.2)
    try:
        assert h.handle(h.text("Hola")).outcome == "answered"
        assert h.replies() == ["Respuesta a: Hola"]
        assert gupshup.wait_for(1)
        assert indicator.abandoned == 1  # the turn ended with the call still running: not waited for
    finally:
        assert gupshup.hang is not None
        gupshup.hang.set()


def test_nothing_gupshup_or_the_lookup_does_fails_the_turn() -> None:
    failing = Gupshup(fail=True)
    h, _ = _harness(failing, VirtualTimer())
    assert h.handle(h.text("Hola")).outcome == "answered"
    assert failing.wait_for(1)

    def broken_lookup(organization: Organization) -> AppToken:
        raise TimeoutError("database")

    h2, indicator = _harness(Gupshup(), VirtualTimer())
    indicator.lookup = broken_lookup
    assert h2.handle(h2.text("Hola")).outcome == "answered"

    def no_token(name: str) -> str:
        raise KeyError(name)

    untokened = Gupshup()
    h3, indicator = _harness(untokened, VirtualTimer())
    indicator.secret = no_token
    assert h3.handle(h3.text("Hola")).outcome == "answered"
    assert untokened.shown == []
    assert [h.replies(), h2.replies(), h3.replies()] == [["Respuesta a: Hola"]] * 3


def test_an_app_without_read_receipts_configured_makes_no_call() -> None:
    gupshup = Gupshup()
    h, indicator = _harness(gupshup, VirtualTimer())
    indicator.lookup = lambda organization: None
    assert h.handle(h.text("Hola")).outcome == "answered"
    assert indicator.shown == 0 and gupshup.shown == []


def test_a_conversation_a_person_owns_shows_nothing() -> None:
    gupshup = Gupshup()
    h, indicator = _harness(gupshup, VirtualTimer())
    h.crm.set_bot(False)
    h.handle(h.text("Hola, ¿sigue ahí alguien?"))
    assert indicator.shown == 0 and gupshup.shown == []


def test_a_reminder_tap_is_marked_read_without_typing() -> None:
    gupshup = Gupshup()
    h, _ = _harness(gupshup, VirtualTimer())
    ticket = h.tap("Confirmar", "reminder:tok-1:confirm")
    h.handle(ticket)
    assert gupshup.wait_for(1)
    assert gupshup.shown == [Shown("app-1", "token-1", ticket.message_id, False)]
    assert h.agent.requests == []  # answered by the code


def _identity(**changes: object) -> ChatIdentity:
    base = ChatIdentity("id-1", ORG, "34600111222", None, None, True, False, datetime(2031, 1, 1, tzinfo=UTC))
    return replace(base, **changes)  # type: ignore[arg-type]


def _message(kind: str, payload: dict[str, object]) -> BufferedMessage:
    return BufferedMessage("MSG#1", "wamid.1", kind, {"id": "wamid.1", "type": kind, "payload": payload}, 1)


def test_what_a_turn_shows_depends_on_who_answers_and_what() -> None:
    text = _message("text", {"text": "Hola"})
    reminder = _message("quick_reply", {"text": "Confirmar", "postbackText": "reminder:t:confirm"})
    recall = _message("quick_reply", {"text": "Reservar", "postbackText": "recall:t:book"})
    assert reading_for(_identity(), [text]) is True
    assert reading_for(_identity(), [reminder, text]) is True  # the written words go to the model
    assert reading_for(_identity(), [reminder]) is False
    assert reading_for(_identity(), [recall]) is False
    assert reading_for(_identity(opted_out=True), [text]) is False  # may get no answer at all
    assert reading_for(_identity(bot_enabled=False), [text]) is None  # a person's to read
    assert reading_for(_identity(bot_enabled=False), [reminder]) is None
