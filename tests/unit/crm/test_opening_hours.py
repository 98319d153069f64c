"""When people answer (crm/opening_hours.py), the sentence a customer gets outside those hours
(agent/handoff_wording.py), what an escalation does at each moment (crm/handoff_rules.plan) and
which follow-ups a pass sends (crm/handoff_rules.due_steps): on fixed instants, no clock read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from receptionist.agent.handoff_wording import outside_hours, when
from receptionist.crm.handoff import HandoffSettings, HandoffState
from receptionist.crm.handoff_rules import STALE_AFTER, due_steps, plan
from receptionist.crm.opening_hours import Closure, OpeningHours, OpeningInterval

MADRID = ZoneInfo("Europe/Madrid")
# Monday to Friday 09:00-14:00 and 16:00-20:00 (one member), plus Monday 13:00-15:00 (another):
# the union is Monday 09:00-15:00, 16:00-20:00.
HOURS = OpeningHours(
    (
        *(OpeningInterval(d, 9 * 60, 14 * 60) for d in range(1, 6)),
        *(OpeningInterval(d, 16 * 60, 20 * 60) for d in range(1, 6)),
        OpeningInterval(1, 13 * 60, 15 * 60),
    ),
    "Europe/Madrid",
)


def madrid(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2031: the 1st is a Monday."""
    return datetime(2031, 12, day, hour, minute, tzinfo=MADRID)


@pytest.mark.parametrize(
    ("at", "open_now"),
    [
        (madrid(1, 8, 59), False),
        (madrid(1, 9), True),
        (madrid(1, 14, 30), True),  # the other member's 13:00-15:00
        (madrid(1, 15, 30), False),
        (madrid(2, 14, 30), False),  # Tuesday: nobody between 14:00 and 16:00
        (madrid(1, 20), False),
        (madrid(6, 11), False),  # Saturday
    ],
)
def test_open_is_the_union_of_the_intervals(at: datetime, open_now: bool) -> None:
    assert HOURS.is_open(at) is open_now


def test_the_next_opening_after_closing_friday_is_monday_morning() -> None:
    assert HOURS.next_opening(madrid(5, 23)) == madrid(8, 9)
    assert HOURS.next_opening(madrid(1, 15, 30)) == madrid(1, 16)
    assert HOURS.next_opening(madrid(1, 10)) == madrid(1, 10)  # open: now


def test_a_closure_moves_the_next_opening_past_it() -> None:
    # The whole business closed on Tuesday the 2nd until 16:00.
    closed = replace(HOURS, closures=(Closure(madrid(2, 0), madrid(2, 16)),))
    assert closed.next_opening(madrid(1, 22)) == madrid(2, 16)
    assert not closed.is_open(madrid(2, 10))


def test_hours_across_a_daylight_saving_change_stay_local() -> None:
    # Sunday 26 October 2031 the clocks go back; Monday 09:00 is 08:00 UTC, no longer 07:00.
    at = datetime(2031, 10, 25, 21, 0, tzinfo=UTC)
    assert HOURS.next_opening(at) == datetime(2031, 10, 27, 9, 0, tzinfo=MADRID)
    assert HOURS.next_opening(at).astimezone(UTC).hour == 8  # type: ignore[union-attr]


def test_no_hours_known_counts_as_open() -> None:
    unknown = OpeningHours((), "Europe/Madrid")
    assert unknown.is_open(madrid(6, 3)) and unknown.next_opening(madrid(6, 3)) is None


def test_closed_for_over_two_weeks_has_no_opening_soon() -> None:
    closed = replace(HOURS, closures=(Closure(madrid(1, 0), madrid(30, 0)),))
    assert closed.next_opening(madrid(1, 10)) is None
    assert "en cuanto vuelvan" in outside_hours(None, madrid(1, 10), "es")


@pytest.mark.parametrize(
    ("opening", "now", "language", "said"),
    [
        (madrid(2, 9), madrid(1, 23), "es", "mañana a partir de las 9:00"),
        (madrid(1, 16), madrid(1, 15), "es", "hoy a partir de las 16:00"),
        (madrid(8, 9), madrid(5, 21), "es", "el lunes 8 de diciembre a partir de las 9:00"),
        (madrid(2, 1), madrid(1, 23), "es", "mañana a partir de la 1:00"),
        (madrid(2, 13), madrid(1, 23), "es", "mañana a partir de las 13:00"),
        (madrid(2, 13), madrid(1, 23), "es_PE", "mañana a partir de la 1:00\u202fp.\u202fm."),
        (madrid(2, 9), madrid(1, 23), "en", "tomorrow from 9:00\u202fAM"),
        (madrid(8, 9, 30), madrid(5, 21), "en", "on Monday, December 8 from 9:30\u202fAM"),
        (madrid(2, 9), madrid(1, 23), "pt_BR", "amanhã a partir das 09:00"),
        (madrid(8, 9, 30), madrid(5, 21), "pt_BR", "segunda-feira, 8 de dezembro, a partir das 09:30"),
        (madrid(8, 13), madrid(5, 21), "ca", "el dilluns 8 de desembre a partir de les 13:00"),
    ],
)
def test_when_is_said_in_the_customer_s_language_and_local_time(
    opening: datetime, now: datetime, language: str, said: str
) -> None:
    assert when(opening, now, language) == said  # type: ignore[arg-type]


def test_the_outside_hours_sentence_names_the_opening() -> None:
    assert outside_hours(madrid(2, 9), madrid(1, 23), "es") == (
        "Ahora mismo no hay nadie del equipo atendiendo; te responderán por este chat mañana a partir de las 9:00."
    )
    assert outside_hours(madrid(2, 9), madrid(1, 23), "en").endswith("in this chat tomorrow from 9:00\u202fAM.")


# -- plan: what an escalation does when it is opened ---------------------------------------------
def test_inside_the_hours_staff_are_told_now_and_it_waits_from_now() -> None:
    at = madrid(1, 10)
    decided = plan(HOURS, HandoffSettings(outside_hours_notice="at_opening"), at)
    assert (decided.open_now, decided.notify_now, decided.notify_at, decided.waiting_since) == (True, True, None, at)


def test_outside_the_hours_it_waits_from_the_opening_and_staff_are_told_now_by_default() -> None:
    decided = plan(HOURS, HandoffSettings(), madrid(1, 23))
    assert not decided.open_now and decided.opening == madrid(2, 9)
    assert decided.notify_now and decided.notify_at is None and decided.waiting_since == madrid(2, 9)


def test_outside_the_hours_at_opening_leaves_the_notice_for_the_opening() -> None:
    decided = plan(HOURS, HandoffSettings(outside_hours_notice="at_opening"), madrid(1, 23))
    assert not decided.notify_now and decided.notify_at == madrid(2, 9)


# -- due_steps: the follow-ups --------------------------------------------------------------------
def state(waiting_since: datetime, **changes: object) -> HandoffState:
    base = HandoffState(
        id="e1",
        organization_id="o1",
        reason="Pide una persona",
        created_at=waiting_since,
        waiting_since=waiting_since,
        notify_at=None,
        claimed=dict.fromkeys(("notice", "renotify", "offer")),
        queued=dict.fromkeys(("notice", "renotify", "offer")),
        customer_number="34600000001",
        app_name="App",
        language="es",
        taken=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


SETTINGS = HandoffSettings()  # N = 10, M = 30


def test_nothing_before_n_minutes() -> None:
    assert due_steps(state(madrid(1, 10)), HOURS, SETTINGS, madrid(1, 10, 9)) == []


def test_renotify_at_n_minutes() -> None:
    assert due_steps(state(madrid(1, 10)), HOURS, SETTINGS, madrid(1, 10, 10)) == ["renotify"]


def test_the_offer_at_m_minutes() -> None:
    renotified = state(
        madrid(1, 10), claimed={"notice": None, "renotify": madrid(1, 10, 10), "offer": None},
        queued={"notice": None, "renotify": madrid(1, 10, 10), "offer": None},
    )  # fmt: skip
    assert due_steps(renotified, HOURS, SETTINGS, madrid(1, 10, 29)) == []
    assert due_steps(renotified, HOURS, SETTINGS, madrid(1, 10, 30)) == ["offer"]


def test_taken_in_time_nothing_follows() -> None:
    assert due_steps(state(madrid(1, 10), taken=True), HOURS, SETTINGS, madrid(1, 11)) == []


def test_no_follow_up_outside_the_hours() -> None:
    assert due_steps(state(madrid(1, 19, 55)), HOURS, SETTINGS, madrid(1, 20, 30)) == []


def test_the_notice_left_for_the_opening_goes_at_the_opening() -> None:
    left = state(madrid(2, 9), notify_at=madrid(2, 9))
    assert due_steps(left, HOURS, SETTINGS, madrid(2, 8, 59)) == []
    assert due_steps(left, HOURS, SETTINGS, madrid(2, 9)) == ["notice"]
    assert due_steps(left, HOURS, SETTINGS, madrid(2, 9, 10)) == ["notice", "renotify"]


def test_a_claim_never_queued_is_sent_again_once_stale() -> None:
    claimed_at = madrid(1, 10, 10)
    crashed = state(madrid(1, 10), claimed={"notice": None, "renotify": claimed_at, "offer": None})
    assert due_steps(crashed, HOURS, SETTINGS, claimed_at + STALE_AFTER - timedelta(seconds=1)) == []
    assert due_steps(crashed, HOURS, SETTINGS, claimed_at + STALE_AFTER) == ["renotify"]
