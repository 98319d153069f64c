"""Answers to waitlist offers in the turn (TurnService on in-memory adapters): an Aceptar / No,
gracias tap is applied without the model and answered with a fixed sentence in the business's
language; with written words the model hears what the tap did; while a person owns the
conversation the tap is still applied and staff are told; foreign tokens change nothing; a crash
after the tap was applied ends answered once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from processor_kit import APP, Crash, Harness, crash_after

from receptionist.crm.waitlist_answers import OfferAnswer
from receptionist.deadline import Deadline
from receptionist.i18n.locales import COMPLETE_LOCALES
from receptionist.processor.reminder_answers import ReminderTurn, tap_of
from receptionist.processor.waitlist_answers import WaitlistTap, waitlist_tap_of, with_waitlist
from receptionist.processor.waitlist_wording import OWNED_TAP_NOTICE, WaitlistWords
from receptionist.turns import BufferedMessage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TOKEN = "w" * 32
SLOT = OfferAnswer(
    "booked", "Limpieza dental", "Dra. Ana", datetime(2026, 12, 4, 10, 30, tzinfo=ZoneInfo("Europe/Madrid"))
)
BOOKED_ES = "¡Hecho! Te hemos reservado Limpieza dental con Dra. Ana el viernes 4 de diciembre a las 10:30."


@pytest.fixture
def w(h: Harness) -> Harness:
    h.service.now = lambda: NOW
    h.crm.add_offer(TOKEN, SLOT)
    return h


def _msg(kind: str, payload: dict[str, str]) -> BufferedMessage:
    return BufferedMessage("sk", "id", kind, {"type": kind, "payload": payload}, 0)


def test_a_postback_is_read_from_gupshups_reply_shapes() -> None:
    accept = _msg("quick_reply", {"text": "Aceptar", "postbackText": f"waitlist:{TOKEN}:accept"})
    assert waitlist_tap_of(accept) == WaitlistTap(TOKEN, "accept")
    decline = _msg("button_reply", {"title": "No, gracias", "id": f"waitlist:{TOKEN}:decline"})
    assert waitlist_tap_of(decline) == WaitlistTap(TOKEN, "decline")
    assert tap_of(accept) is None  # not a reminder's


@pytest.mark.parametrize(
    ("kind", "postback"),
    [
        ("text", f"waitlist:{TOKEN}:accept"),  # typed, not tapped
        ("quick_reply", f"waitlist:{TOKEN}:book"),  # no such action
        ("quick_reply", "waitlist::accept"),  # no token
        ("quick_reply", f"reminder:{TOKEN}:confirm"),  # another feature's button
    ],
)
def test_anything_else_is_not_a_waitlist_tap(kind: str, postback: str) -> None:
    assert waitlist_tap_of(_msg(kind, {"text": "x", "postbackText": postback})) is None


def test_accept_books_and_is_answered_without_the_model(w: Harness) -> None:
    report = w.handle(w.tap("Aceptar", f"waitlist:{TOKEN}:accept"))

    assert report.outcome == "reminder_answer"
    (reply,) = w.replies()
    assert reply.startswith(BOOKED_ES)
    assert w.crm.bookings == [TOKEN] and w.agent.requests == []


def test_the_sentence_is_in_the_businesss_language(w: Harness) -> None:
    org = w.crm.orgs[APP]
    w.crm.orgs[APP] = replace(org, settings=replace(org.settings, language="en"))

    w.handle(w.tap("Accept", f"waitlist:{TOKEN}:accept"))

    (reply,) = w.replies()
    booked = "Done! You are booked for Limpieza dental with Dra. Ana on Friday, December 4 at 10:30\u202fAM."
    assert reply.startswith(booked)


def test_a_second_tap_says_the_same_and_books_nothing_more(w: Harness) -> None:
    w.handle(w.tap("Aceptar", f"waitlist:{TOKEN}:accept"))
    w.handle(w.tap("Aceptar", f"waitlist:{TOKEN}:accept"))

    first, second = w.replies()
    assert first == second and w.crm.bookings == [TOKEN]


def test_decline_is_recorded_and_a_later_accept_books_nothing(w: Harness) -> None:
    w.handle(w.tap("No, gracias", f"waitlist:{TOKEN}:decline"))
    w.handle(w.tap("Aceptar", f"waitlist:{TOKEN}:accept"))

    declined, closed = w.replies()
    assert declined == "De acuerdo, no te reservamos ese hueco. Sigues en la lista de espera."
    assert closed.startswith("Esa oferta ya no está disponible.")
    assert w.crm.offer_states[TOKEN] == "declined" and w.crm.bookings == []


@pytest.mark.parametrize(
    ("outcome", "said"),
    [
        ("lost", "Lo siento, otra persona acaba de reservar ese hueco. Sigues en la lista de espera"),
        ("expired", "Esa oferta ya ha caducado y el hueco no se ha reservado. Sigues en la lista de espera"),
    ],
)
def test_a_slot_gone_or_an_offer_expired_is_told_and_the_customer_stays_on_the_list(
    h: Harness, outcome: str, said: str
) -> None:
    h.crm.add_offer(TOKEN, replace(SLOT, outcome=outcome))  # type: ignore[arg-type]

    h.handle(h.tap("Aceptar", f"waitlist:{TOKEN}:accept"))

    (reply,) = h.replies()
    assert reply.startswith(said) and h.crm.bookings == []


def test_another_customers_token_changes_nothing(h: Harness) -> None:
    h.crm.add_offer(TOKEN, SLOT, customer="34699999999")

    h.handle(h.tap("Aceptar", f"waitlist:{TOKEN}:accept"))

    (reply,) = h.replies()
    assert reply.startswith("No encuentro esa oferta de la lista de espera.")
    assert h.crm.offer_states[TOKEN] == "open" and h.crm.bookings == []


def test_with_written_words_the_model_hears_what_the_tap_did(w: Harness) -> None:
    tap = w.tap("Aceptar", f"waitlist:{TOKEN}:accept")
    line = w.text("¿y tengo que llevar algo?")
    w.handle(tap)
    w.handle(line)

    (text,) = w.agent.texts
    assert text.startswith(f"[Hecho ya con el botón de la oferta de la lista de espera, díselo al cliente: {BOOKED_ES}")
    assert "¿y tengo que llevar algo?" in text and w.crm.bookings == [TOKEN]


def test_a_waitlist_tap_is_not_a_written_answer_to_a_waiting_reminder(w: Harness) -> None:
    # Reminders' own module reads any non-reminder message with text as a written reply: the
    # offer's tap ("Aceptar") must not be recorded as the customer's answer to a reminder.
    asked: list[str] = []
    real = w.crm.awaiting_reminder

    def awaiting(*args: object, **kwargs: object) -> object:
        asked.append("awaiting")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    w.crm.awaiting_reminder = awaiting  # type: ignore[method-assign]
    w.handle(w.tap("Aceptar", f"waitlist:{TOKEN}:accept"))

    assert asked == [] and w.crm.answers == {}


def test_while_a_person_owns_the_conversation_the_tap_is_applied_and_staff_told(w: Harness) -> None:
    w.crm.set_bot(False)

    w.handle(w.tap("Aceptar", f"waitlist:{TOKEN}:accept"))

    (reply,) = w.replies()
    notices = [job["reason"] for job in w.outbound.bodies if job["kind"] == "escalation"]
    assert reply.startswith(BOOKED_ES) and w.crm.bookings == [TOKEN]
    (notice,) = notices
    assert notice.startswith(OWNED_TAP_NOTICE) and len(notice) <= 300
    assert w.agent.requests == []


@pytest.mark.parametrize("step", ["answer_waitlist_offer", "record_turn", "send", "finish"])
def test_a_crash_after_the_tap_was_applied_ends_answered_once(w: Harness, step: str) -> None:
    target = {"answer_waitlist_offer": w.crm, "send": w.outbound}.get(step, w.ledger)
    crash_after(target, step)
    tap = w.tap("Aceptar", f"waitlist:{TOKEN}:accept")
    with pytest.raises(Crash):
        w.handle(tap)
    w.outbound.forget()  # the retry comes after SQS's deduplication window

    assert w.handle(tap).outcome in ("reminder_answer", "replayed")

    (reply,) = w.replies()
    assert reply.startswith(BOOKED_ES)
    assert w.crm.bookings == [TOKEN] and w.nothing_claimed()


def test_every_outcome_has_its_own_sentence_in_every_language() -> None:
    outcomes = ("booked", "lost", "expired", "declined", "closed", "unknown")
    for locale in COMPLETE_LOCALES:
        words = WaitlistWords(locale)
        said = {words.answer(replace(SLOT, outcome=o)) for o in outcomes}  # type: ignore[arg-type]
        assert len(said) == len(outcomes) and all(s.strip() for s in said)
    assert WaitlistWords("en").answer(replace(SLOT, outcome="lost")).startswith("Sorry")
    assert WaitlistWords("pt_BR").answer(replace(SLOT, outcome="lost")).startswith("Desculpe")
    # Peru says "cupo" where Spain says "hueco"
    assert "cupo" in WaitlistWords("es_PE").answer(replace(SLOT, outcome="lost"))


def test_taps_of_both_kinds_make_one_reply() -> None:
    reminder = ReminderTurn(reply="Gracias, confirmada.", taps=1, sentences=["Gracias, confirmada."])
    both = with_waitlist(reminder, ["De acuerdo."], written=False)
    assert both.reply == "Gracias, confirmada. De acuerdo." and both.taps == 2
    with_words = with_waitlist(ReminderTurn(), ["De acuerdo."], written=True)
    assert with_words.reply is None and with_words.notes == [WaitlistWords.already_done("De acuerdo.")]


def test_the_booking_runs_within_the_turns_deadline(w: Harness) -> None:
    deadline = Deadline.after(7.0)  # what is left of the invocation: the member's calendar is asked within it

    w.handle(w.tap("Lo quiero", f"waitlist:{TOKEN}:accept"), deadline=deadline)

    assert w.crm.offer_deadlines == [deadline] and w.crm.bookings == [TOKEN]
