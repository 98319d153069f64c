"""The customer's language, stored at the start of a turn from what they wrote (issue 30, point 1):
set by a confident detection, never flipped by a short message, never over staff's choice, from a
voice note's transcript too; the turn's identity carries it, so everything the turn words (and
the agent) is in it; one round trip more, and only on the turn that sets or changes it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from processor_kit import CUSTOMER, ORG, Harness

from receptionist.turns import TurnRecord


@pytest.fixture
def h() -> Harness:
    return Harness()


def _stored(h: Harness) -> tuple[str | None, str | None]:
    identity = h.crm.identities[(ORG, CUSTOMER)]
    return identity.language, identity.language_source


def _trips(h: Harness, text: str) -> int:
    before = h.crm.round_trips
    h.handle(h.text(text))
    return h.crm.round_trips - before


def test_a_confident_message_sets_the_language_and_the_turn_already_uses_it(h: Harness) -> None:
    h.handle(h.text("Hi, can I book a cleaning for tomorrow morning?"))
    assert _stored(h) == ("en", "detected")
    # The agent got the identity with the language set in this very turn.
    assert h.agent.requests[-1].identity.language == "en"


def test_the_update_costs_one_round_trip_and_only_when_the_language_changes(h: Harness) -> None:
    h.handle(h.text("hola"))  # the customer exists; "hola" alone decides nothing
    assert _stored(h) == (None, None)
    unchanged = _trips(h, "ok")
    setting = _trips(h, "olá, tem horário amanhã de manhã para uma limpeza?")
    same = _trips(h, "obrigado, pode marcar às dez da manhã então")
    assert _stored(h) == ("pt_BR", "detected")
    assert setting == unchanged + 1 and same == unchanged


def test_one_short_or_ambiguous_message_never_flips_it(h: Harness) -> None:
    h.handle(h.text("Hola, quería pedir cita para una limpieza el jueves"))
    assert _stored(h) == ("es", "detected")
    for text in ("ok", "👍", "10:30", "thanks!", "obrigado!", "sí"):
        h.handle(h.text(text))
        assert _stored(h) == ("es", "detected"), text
    h.handle(h.text("Sorry, I don't speak Spanish. Could you write to me in English please?"))
    assert _stored(h) == ("en", "detected")


def test_staff_s_choice_stays_whatever_the_customer_writes(h: Harness) -> None:
    h.handle(h.text("hola"))
    key = (ORG, CUSTOMER)
    h.crm.identities[key] = replace(h.crm.identities[key], language="ca", language_source="staff")
    trips = _trips(h, "Hello, I would like to book an appointment for tomorrow afternoon")
    assert _stored(h) == ("ca", "staff") and h.agent.requests[-1].identity.language == "ca"
    assert trips == _trips(h, "ok")  # not even asked: no round trip spent on it


def test_a_voice_note_s_transcript_tells_the_language_and_a_failed_one_is_skipped(h: Harness) -> None:
    h.ports.files["https://media/n.ogg"] = (b"OggS-en", "audio/ogg")
    h.ports.transcripts[b"OggS-en"] = "Hello, I need to move my appointment to Friday afternoon"
    h.handle(h.receive({"url": "https://media/lost.ogg", "contentType": "audio/ogg"}, kind="audio"))
    assert _stored(h) == (None, None)  # could not be heard: nothing to tell (the code's note is Spanish)
    h.handle(h.receive({"url": "https://media/n.ogg", "contentType": "audio/ogg"}, kind="audio"))
    assert _stored(h) == ("en", "detected")


def test_a_button_s_label_is_not_the_customer_s_language(h: Harness) -> None:
    # A tap's title is the business's words (its template's button), not what the customer wrote.
    h.handle(h.receive({"title": "Yes, please book this appointment", "id": "x"}, kind="list_reply"))
    assert _stored(h) == (None, None)


def test_the_language_is_stored_before_a_fixed_sentence_is_worded(h: Harness) -> None:
    # Over the budget the turn answers with a fixed sentence and no model call: the identity it
    # words it for (and the CRM) already has the language this turn's message set.
    h.crm.max_turns_per_hour = 0
    recorded: list[str | None] = []
    record_turn = h.ledger.record_turn

    def watched(conversation: str, record: TurnRecord) -> TurnRecord:
        recorded.append(_stored(h)[0])
        return record_turn(conversation, record)

    h.ledger.record_turn = watched  # type: ignore[method-assign]
    report = h.handle(h.text("Hello, I would like to book a cleaning next week please"))
    assert report.outcome == "over_budget" and h.agent.requests == []
    assert recorded == ["en"]
