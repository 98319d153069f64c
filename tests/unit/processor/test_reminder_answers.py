"""Answers to appointment reminders in the turn (TurnService on in-memory adapters): Confirmar and
Cancelar taps change the appointment without the model, Cambiar and written replies reach the
agent with the appointment in context, foreign tokens change nothing, and every failure window
ends answered once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from processor_kit import APP, Crash, Harness, crash_after

from receptionist.crm.reminders import AnsweredReminder
from receptionist.processor.reminder_answers import Tap, tap_of
from receptionist.turns import BufferedMessage

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MADRID = ZoneInfo("Europe/Madrid")
TOKEN = "a" * 32


def _reminder(
    status: str = "pending",
    appointment: str = "appt-1",
    starts: datetime | None = None,
    moved_to: datetime | None = None,
) -> AnsweredReminder:
    """A reminder of an appointment at `starts` (moved since to `moved_to`, when given)."""
    reminded = (starts or NOW + timedelta(days=1)).astimezone(MADRID)
    return AnsweredReminder(
        reminder_id=f"rem-{appointment}",
        appointment_id=appointment,
        contact_id="contact-1",
        service="Limpieza dental",
        member="Dra. Ana",
        starts_at=moved_to.astimezone(MADRID) if moved_to else reminded,
        status=status,
        timezone="Europe/Madrid",
        answer=None,
        reminded_starts_at=reminded,
    )


@pytest.fixture
def r(h: Harness) -> Harness:
    h.service.now = lambda: NOW
    h.crm.add_reminder(TOKEN, _reminder())
    return h


def test_a_postback_is_read_from_gupshups_quick_reply_shape() -> None:
    def msg(kind: str, payload: dict[str, str]) -> BufferedMessage:
        return BufferedMessage("sk", "id", kind, {"type": kind, "payload": payload}, 0)

    assert tap_of(msg("quick_reply", {"text": "Confirmar", "postbackText": f"reminder:{TOKEN}:confirm"})) == Tap(
        TOKEN, "confirm"
    )
    assert tap_of(msg("button_reply", {"title": "Cambiar", "id": f"reminder:{TOKEN}:change"})) == Tap(TOKEN, "change")
    assert tap_of(msg("quick_reply", {"text": "Sí", "postbackText": f"reminder:{TOKEN}:delete"})) is None
    assert tap_of(msg("quick_reply", {"text": "Confirmar"})) is None
    assert tap_of(msg("text", {"text": f"reminder:{TOKEN}:confirm"})) is None  # typed, not tapped


def test_confirmar_confirms_without_the_model_and_a_second_tap_changes_nothing(r: Harness) -> None:
    report = r.handle(r.tap("Confirmar", f"reminder:{TOKEN}:confirm"))
    assert report.outcome == "reminder_answer" and report.model_calls == 0
    assert r.agent.requests == []
    assert r.crm.appointment_changes == [("appt-1", "confirmed")]
    assert r.crm.answers["rem-appt-1"][0] == "confirmed"
    assert len(r.replies()) == 1 and "queda confirmada" in r.replies()[0] and "Limpieza dental" in r.replies()[0]
    r.handle(r.tap("Confirmar", f"reminder:{TOKEN}:confirm"))  # tapped again: a new message
    assert r.crm.appointment_changes == [("appt-1", "confirmed")]
    assert r.replies()[1] == r.replies()[0]


def test_cancelar_cancels_and_a_later_confirmar_says_it_was_cancelled(r: Harness) -> None:
    r.handle(r.tap("Cancelar", f"reminder:{TOKEN}:cancel"))
    assert r.crm.appointment_changes == [("appt-1", "cancelled")]
    assert "hemos cancelado" in r.replies()[0]
    r.handle(r.tap("Confirmar", f"reminder:{TOKEN}:confirm"))
    assert r.crm.appointment_changes == [("appt-1", "cancelled")]
    assert "ya estaba cancelada" in r.replies()[1]
    assert r.crm.answers["rem-appt-1"][0] == "cancelled"  # a refused tap is no answer


def test_another_customers_or_businesss_token_changes_nothing(r: Harness) -> None:
    other_org = "00000000-0000-4000-8000-000000000002"
    r.crm.add_reminder("b" * 32, _reminder(appointment="appt-other-org"), org=other_org)
    r.crm.add_reminder("c" * 32, _reminder(appointment="appt-other-customer"), customer="34600999888")
    for token in ("b" * 32, "c" * 32, "d" * 32):
        report = r.handle(r.tap("Cancelar", f"reminder:{token}:cancel"))
        assert report.outcome == "reminder_answer"
    assert r.crm.appointment_changes == [] and r.crm.answers == {}
    assert r.agent.requests == []
    assert all("No encuentro la cita" in reply for reply in r.replies())


def test_a_tap_on_an_appointment_that_already_started_changes_nothing(r: Harness) -> None:
    r.crm.add_reminder("e" * 32, _reminder(appointment="appt-past", starts=NOW - timedelta(minutes=5)))
    r.handle(r.tap("Cancelar", f"reminder:{'e' * 32}:cancel"))
    assert r.crm.appointment_changes == []
    assert "ya ha empezado" in r.replies()[0]


def test_cambiar_goes_to_the_agent_with_the_appointment_in_context(r: Harness) -> None:
    report = r.handle(r.tap("Cambiar", f"reminder:{TOKEN}:change"))
    assert report.outcome == "answered"
    (request,) = r.agent.requests
    assert "«Cambiar»" in request.text and "id de la cita appt-1" in request.text
    assert "reschedule_appointment" in request.text
    assert r.crm.appointment_changes == []
    assert r.crm.answers["rem-appt-1"][0] == "change"


def test_a_written_reply_to_a_waiting_reminder_reaches_the_agent_with_its_context_once(r: Harness) -> None:
    r.handle(r.text("no puedo ir"))
    assert "id de la cita appt-1" in r.agent.requests[0].text and r.agent.requests[0].text.endswith("no puedo ir")
    assert r.crm.answers["rem-appt-1"][0] == "typed"
    r.handle(r.text("¿tenéis el jueves?"))  # answered already: the conversation goes on as usual
    assert r.agent.requests[1].text == "¿tenéis el jueves?"


def test_without_a_waiting_reminder_the_agents_text_is_the_customers_own(h: Harness) -> None:
    h.service.now = lambda: NOW
    h.handle(h.text("Hola"))
    assert h.agent.texts == ["Hola"]


def test_a_tap_while_a_person_owns_the_conversation_is_still_applied(r: Harness) -> None:
    r.crm.set_bot(False)
    r.handle(r.tap("Confirmar", f"reminder:{TOKEN}:confirm"))
    assert r.crm.appointment_changes == [("appt-1", "confirmed")] and "queda confirmada" in r.replies()[0]
    report = r.handle(r.text("gracias"))  # but written words are the person's to answer
    assert report.outcome == "human_owned" and r.agent.requests == []


def test_a_tap_with_written_words_in_the_same_turn_is_applied_and_the_agent_answers_both(r: Harness) -> None:
    t1 = r.tap("Confirmar", f"reminder:{TOKEN}:confirm")
    t2 = r.text("¿y puedo llevar a mi hijo?")
    assert r.handle(t1).outcome == "skipped_debounce"
    r.handle(t2)
    assert r.crm.appointment_changes == [("appt-1", "confirmed")]
    (request,) = r.agent.requests
    assert "queda confirmada" in request.text and "llevar a mi hijo" in request.text


@pytest.mark.parametrize("step", ["answer_reminder", "record_turn", "send"])
def test_a_crash_after_the_tap_was_applied_is_answered_once_by_the_retry(r: Harness, step: str) -> None:
    target = r.crm if step == "answer_reminder" else (r.ledger if step == "record_turn" else r.outbound)
    crash_after(target, step)
    ticket = r.tap("Confirmar", f"reminder:{TOKEN}:confirm")
    with pytest.raises(Crash):
        r.handle(ticket)
    r.outbound.forget()  # the retry comes after SQS's deduplication window
    assert r.handle(ticket).outcome in ("reminder_answer", "replayed")
    assert r.crm.appointment_changes == [("appt-1", "confirmed")]
    assert len(r.replies()) == 1 and "queda confirmada" in r.replies()[0]
    assert r.nothing_claimed()


def test_a_written_reply_whose_turn_failed_keeps_its_context_on_the_retry(r: Harness) -> None:
    r.agent.failures.append(Crash("the model call died"))
    ticket = r.text("no puedo ir")
    with pytest.raises(Crash):
        r.handle(ticket)
    r.handle(ticket)
    assert [("id de la cita appt-1" in t) for t in r.agent.texts] == [True, True]
    assert len(r.replies()) == 1


# -- a reminder belongs to one start time (issue 24) --------------------------------------------
MOVED_TO = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # Friday 04/12 17:30 in Madrid


@pytest.mark.parametrize(
    ("button", "action"), [("Cancelar", "cancel"), ("Confirmar", "confirm"), ("Cambiar", "change")]
)
def test_a_tap_on_a_reminder_of_the_earlier_time_changes_nothing_and_says_the_current_one(
    h: Harness, button: str, action: str
) -> None:
    h.service.now = lambda: NOW
    h.crm.add_reminder(TOKEN, _reminder(moved_to=MOVED_TO))
    report = h.handle(h.tap(button, f"reminder:{TOKEN}:{action}"))
    assert report.outcome == "reminder_answer" and report.model_calls == 0 and h.agent.requests == []
    assert h.crm.appointment_changes == [] and h.crm.answers == {}
    (reply,) = h.replies()
    assert "ahora es el viernes 4 de diciembre a las 17:30" in reply and "no he cambiado nada" in reply


def test_an_english_speaking_business_is_told_the_current_time_in_english(h: Harness) -> None:
    org = h.crm.orgs[APP]
    h.crm.orgs[APP] = replace(org, settings=replace(org.settings, language="en"))
    h.service.now = lambda: NOW
    h.crm.add_reminder(TOKEN, _reminder(moved_to=MOVED_TO))
    h.handle(h.tap("Cancel", f"reminder:{TOKEN}:cancel"))
    assert h.crm.appointment_changes == []
    assert h.replies() == [
        "Your Limpieza dental appointment was moved: it is now Friday, December 4 at 5:30\u202fPM."
        " That reminder was for the earlier time, so I haven't changed anything."
    ]


def test_a_move_between_reading_the_tap_and_applying_it_changes_nothing(r: Harness) -> None:
    """The appointment moves (staff, on the console) after the tap's reminder was read: the CRM's
    cancel is conditional on the reminder's time, and the customer hears the new one."""
    read = r.crm.reminder_for_customer

    def read_then_moved(organization_id: str, customer_number: str, token: str) -> AnsweredReminder | None:
        found = read(organization_id, customer_number, token)
        org, customer, current = r.crm.reminders[token]
        r.crm.reminders[token] = (org, customer, replace(current, starts_at=MOVED_TO.astimezone(MADRID)))
        return found

    r.crm.reminder_for_customer = read_then_moved  # type: ignore[method-assign]
    r.handle(r.tap("Cancelar", f"reminder:{TOKEN}:cancel"))
    assert r.crm.appointment_changes == [] and r.crm.answers == {}
    assert "ahora es el viernes 4 de diciembre a las 17:30" in r.replies()[0]


def test_a_written_reply_after_a_move_is_not_an_answer_to_the_old_reminder(h: Harness) -> None:
    h.service.now = lambda: NOW
    h.crm.add_reminder(TOKEN, _reminder(moved_to=MOVED_TO))
    h.handle(h.text("no puedo ir"))
    assert h.agent.texts == ["no puedo ir"] and h.crm.answers == {}


def test_a_tap_on_a_moved_appointment_that_has_started_says_so(h: Harness) -> None:
    h.service.now = lambda: MOVED_TO + timedelta(minutes=1)
    h.crm.add_reminder(TOKEN, _reminder(moved_to=MOVED_TO))
    h.handle(h.tap("Confirmar", f"reminder:{TOKEN}:confirm"))
    assert h.crm.appointment_changes == [] and "ya ha empezado" in h.replies()[0]
