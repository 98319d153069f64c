"""Answers to recalls in the turn (TurnService on in-memory adapters): "No, gracias" is recorded and
thanked without the model, "Reservar" is recorded and reaches the agent with a note naming the
service; foreign tokens change nothing; taps are idempotent and a crash after recording answers
once; a person who owns the conversation is told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from processor_kit import Crash, Harness, crash_after, pending_reminder

from receptionist.crm.recalls import AnsweredRecall
from receptionist.processor.recall_answers import RecallTap, recall_tap_of
from receptionist.turns import BufferedMessage

TOKEN = "f" * 32


def _recall(recall_id: str = "recall-1") -> AnsweredRecall:
    return AnsweredRecall(recall_id, "svc-1", "Limpieza dental", "sent", None, None)


@pytest.fixture
def r(h: Harness) -> Harness:
    h.crm.add_recall(TOKEN, _recall())
    return h


def test_a_recall_postback_is_read_from_gupshups_quick_reply_shape() -> None:
    def msg(kind: str, payload: dict[str, str]) -> BufferedMessage:
        return BufferedMessage("sk", "id", kind, {"type": kind, "payload": payload}, 0)

    assert recall_tap_of(msg("quick_reply", {"text": "Reservar", "postbackText": f"recall:{TOKEN}:book"})) == RecallTap(
        TOKEN, "book"
    )
    assert recall_tap_of(msg("button_reply", {"title": "No, gracias", "id": f"recall:{TOKEN}:no"})) == RecallTap(
        TOKEN, "no"
    )
    assert recall_tap_of(msg("quick_reply", {"postbackText": f"recall:{TOKEN}:later"})) is None
    assert recall_tap_of(msg("quick_reply", {"postbackText": f"reminder:{TOKEN}:confirm"})) is None
    assert recall_tap_of(msg("text", {"text": f"recall:{TOKEN}:no"})) is None  # typed, not tapped


def test_no_gracias_is_recorded_and_thanked_without_the_model_once(r: Harness) -> None:
    report = r.handle(r.tap("No, gracias", f"recall:{TOKEN}:no"))
    assert report.outcome == "recall_answer" and report.model_calls == 0 and r.agent.requests == []
    assert r.crm.recall_answers == {"recall-1": ("no", report.turn_id)}
    assert r.replies() == ["Gracias por avisarnos. No te lo volveremos a recordar; escríbenos cuando lo necesites."]
    again = r.handle(r.tap("No, gracias", f"recall:{TOKEN}:no"))  # tapped twice
    assert r.crm.recall_answers == {"recall-1": ("no", report.turn_id)}  # the first answer stays
    assert again.model_calls == 0 and r.replies()[1] == r.replies()[0]


def test_the_thank_you_is_in_the_business_s_language(r: Harness) -> None:
    org = r.crm.orgs[next(iter(r.crm.orgs))]
    r.crm.orgs[next(iter(r.crm.orgs))] = replace(org, settings=replace(org.settings, language="en"))
    r.handle(r.tap("No, thanks", f"recall:{TOKEN}:no"))
    assert r.replies() == [
        "Thank you for letting us know. We won't remind you about it again; write to us whenever you need."
    ]


def test_reservar_is_recorded_and_the_agent_gets_the_turn_with_the_service(r: Harness) -> None:
    report = r.handle(r.tap("Reservar", f"recall:{TOKEN}:book"))
    assert report.outcome == "answered" and report.model_calls == 1
    assert r.crm.recall_answers == {"recall-1": ("book", report.turn_id)}
    (text,) = r.agent.texts
    assert "«Reservar»" in text and "Limpieza dental" in text and "svc-1" in text
    assert text.rstrip().endswith("Reservar")  # the customer's tap follows the note


def test_another_customer_s_or_business_s_token_changes_nothing(r: Harness) -> None:
    r.crm.add_recall("b" * 32, _recall("recall-other-org"), org="00000000-0000-4000-8000-000000000002")
    r.crm.add_recall("c" * 32, _recall("recall-other-customer"), customer="34600999888")
    for token in ("b" * 32, "c" * 32, "d" * 32):
        report = r.handle(r.tap("No, gracias", f"recall:{token}:no"))
        assert report.outcome == "recall_answer" and report.model_calls == 0
    assert r.crm.recall_answers == {}
    assert all("No encuentro ese mensaje" in reply for reply in r.replies())


def test_a_crash_after_recording_answers_once_on_the_retry(r: Harness) -> None:
    ticket = r.tap("No, gracias", f"recall:{TOKEN}:no")
    crash_after(r.crm, "answer_recall")
    with pytest.raises(Crash):
        r.handle(ticket)
    assert r.replies() == []
    r.handle(ticket)  # SQS redelivers the ticket
    assert list(r.crm.recall_answers) == ["recall-1"]
    assert len(r.replies()) == 1 and r.replies()[0].startswith("Gracias por avisarnos")


def test_a_tap_and_written_words_go_to_the_agent_with_what_the_tap_did(r: Harness) -> None:
    tap = r.tap("No, gracias", f"recall:{TOKEN}:no")
    line = r.text("¿Y tenéis blanqueamiento?")
    r.handle(tap)
    r.handle(line)
    assert r.crm.recall_answers["recall-1"][0] == "no"
    (text,) = r.agent.texts
    assert "Hecho ya con el botón" in text and "blanqueamiento" in text


def test_while_a_person_owns_the_conversation_reservar_is_recorded_and_staff_told(r: Harness) -> None:
    r.crm.set_bot(False)
    report = r.handle(r.tap("Reservar", f"recall:{TOKEN}:book"))
    assert report.outcome == "recall_answer" and report.model_calls == 0
    assert r.crm.recall_answers["recall-1"][0] == "book"
    assert r.replies() == ["Gracias. Una persona del equipo te escribirá por aquí para reservar tu cita."]
    notices = [job["reason"] for job in r.outbound.bodies if job["kind"] == "escalation"]
    assert len(notices) == 1 and "Una persona del equipo" in notices[0]


def test_a_reminder_tap_and_reservar_in_one_burst_reach_the_agent_with_what_the_reminder_tap_did(
    r: Harness,
) -> None:
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    starts = (now + timedelta(days=1)).astimezone(ZoneInfo("Europe/Madrid"))
    r.service.now = lambda: now
    r.crm.add_reminder(
        "a" * 32,
        pending_reminder(starts, "Revisión"),
    )
    confirm = r.tap("Confirmar", f"reminder:{'a' * 32}:confirm")
    book = r.tap("Reservar", f"recall:{TOKEN}:book")
    r.handle(confirm)
    r.handle(book)
    assert r.crm.appointment_changes == [("appt-1", "confirmed")] and r.crm.recall_answers["recall-1"][0] == "book"
    (text,) = r.agent.texts
    assert "Hecho ya con el botón del recordatorio" in text and "queda confirmada" in text and "«Reservar»" in text
