"""What the processor does for the handoff (issue 27, point 5): escalated outside the hours for
people, the reply ends with the code's sentence on when someone will answer (never the model's
guess); after the follow-up pass offered to take a message, the customer's next words are kept
for staff, acknowledged once with a fixed sentence and staff told, whatever window a crash hits."""

from __future__ import annotations

import pytest
from processor_kit import CUSTOMER, Crash, Harness, crash_after

from receptionist.agent.handoff_wording import MESSAGE_LEFT_NOTICE, message_noted

NOTE = "Ahora mismo no hay nadie del equipo atendiendo; te responderán por este chat mañana a partir de las 9:00."


def _escalation_reasons(h: Harness) -> list[str]:
    return [job["reason"] for job in h.outbound.bodies if job["kind"] == "escalation"]


def test_escalated_outside_the_hours_the_reply_ends_with_the_code_s_sentence(h: Harness) -> None:
    h.agent.handoff_note = NOTE
    h.agent.answer = lambda r: "Te paso con el equipo."
    h.handle(h.text("Quiero hablar con una persona"))
    assert h.replies() == [f"Te paso con el equipo.\n\n{NOTE}"]
    assert _escalation_reasons(h) == []  # notified at the opening (the business's setting)


def test_the_sentence_alone_when_the_model_said_nothing(h: Harness) -> None:
    h.agent.handoff_note = NOTE
    h.agent.answer = lambda r: ""
    h.handle(h.text("Una persona, por favor"))
    assert h.replies() == [NOTE]


def test_inside_the_hours_the_reply_is_the_model_s_alone(h: Harness) -> None:
    h.agent.escalate = "Pide una persona"
    h.agent.answer = lambda r: "Te paso con el equipo."
    h.handle(h.text("Quiero hablar con una persona"))
    assert h.replies() == ["Te paso con el equipo."] and _escalation_reasons(h) == ["Pide una persona"]


@pytest.fixture
def offered(h: Harness) -> Harness:
    """A conversation people own, whose escalation nobody answered: the offer went out."""
    h.handle(h.text("Hola"))
    h.outbound.take()
    h.crm.set_bot(False)
    h.crm.message_offered.add(f"id-{CUSTOMER}")
    return h


def test_the_message_after_the_offer_is_kept_acknowledged_once_and_staff_told(offered: Harness) -> None:
    h = offered
    h.handle(h.text("Que me llamen a partir de las 5, gracias"))
    assert h.replies() == [message_noted("es")]
    assert _escalation_reasons(h) == [MESSAGE_LEFT_NOTICE]
    assert h.crm.messages_noted[f"id-{CUSTOMER}"][1] == "Que me llamen a partir de las 5, gracias"
    assert h.agent.requests[-1].text == "Hola"  # the model is not called
    h.outbound.take()
    h.handle(h.text("¿Me habéis leído?"))  # later words are the person's to answer
    assert h.outbound.bodies == []


@pytest.mark.parametrize("step", ["note", "record_turn", "send"])
def test_a_crash_after_keeping_the_message_says_it_once(offered: Harness, step: str) -> None:
    h = offered
    if step == "note":
        crash_after(h.crm, "note_customer_message")
    elif step == "record_turn":
        crash_after(h.ledger, "record_turn")
    else:
        crash_after(h.outbound, "send")
    ticket = h.text("Llamadme mañana")
    with pytest.raises(Crash):
        h.handle(ticket)
    h.outbound.forget()
    h.handle(ticket)
    assert h.replies() == [message_noted("es")] and _escalation_reasons(h) == [MESSAGE_LEFT_NOTICE]


def test_no_offer_no_note_the_person_answers(h: Harness) -> None:
    h.handle(h.text("Hola"))
    h.outbound.take()
    h.crm.set_bot(False)
    h.handle(h.text("¿Hay alguien?"))
    assert h.outbound.bodies == [] and h.crm.messages_noted == {}
