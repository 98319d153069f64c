"""The no-show policy through the real graph, tools and CRM (issue 29, point 2) with the demo clinic
(a clinic: the policy is on by default, 2 no-shows in 6 months) on a frozen clock: a customer who
missed two appointments asks to book; book_appointment books nothing and its result has the model
say the business's sentence and offer a person, with the reason the escalation then carries; the
same customer's existing appointments are still confirmed, moved and cancelled by the assistant.
A scripted model plays the assistant over the OpenAI protocol (a local server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from receptionist.agent import noshow_wording
from receptionist.crm import appointments, chats
from receptionist.crm.availability import BookingWindow
from receptionist.crm.contacts import find_or_create_contact

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
LIMPIEZA = "00000000-0000-4000-8001-000000000001"
RUIZ = "00000000-0000-4000-8002-000000000002"
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # the conftest's clock: Monday 09:00 in Madrid


def _missed_twice(db: Any, phone: str) -> str:
    """The customer's contact, with two appointments staff marked no-show in the last six months."""
    contact = find_or_create_contact(db, DEMO_ORG, phone, "Lucía Pérez").id
    for starts in (datetime(2031, 1, 14, 9, 0, tzinfo=UTC), datetime(2031, 2, 18, 15, 0, tzinfo=UTC)):
        db.execute(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)"
            " values (%s, %s, %s, %s, %s, %s, 'no_show')",
            (DEMO_ORG, contact, LIMPIEZA, RUIZ, starts, starts + timedelta(minutes=30)),
        )
    return contact


def test_past_the_limit_the_assistant_books_nothing_explains_and_offers_a_person(receptionist: Any, db: Any) -> None:
    r = receptionist()
    contact = _missed_twice(db, r.customer)
    sentence = noshow_wording.refusal("es")
    r.model.call("book_appointment", service="limpieza", start="2031-03-04 10:00", member="Ruiz").say(sentence)
    refused = r.say("Sí, resérvame la limpieza del martes a las 10")

    (tool,) = r.tool_results()
    assert tool["content"].startswith("No reservado (noshow_policy): el cliente tiene 2 citas sin acudir")
    assert f"«{sentence}»" in tool["content"]  # the business's words, for the model to say
    assert (
        "escalate_to_human con el motivo «noshow_policy: quiere reservar limpieza el 2031-03-04 10:00»"
        in (tool["content"])
    )
    assert [(c["name"], c["ok"]) for c in refused.stats.tool_calls] == [("book_appointment", False)]
    assert refused.reply == sentence and refused.escalations == []
    booked = db.fetch_all(
        "select status from appointments where organization_id = %s and contact_id = %s and status <> 'no_show'",
        (DEMO_ORG, contact),
    )
    assert booked == []
    system = r.model.completions()[0].json()["messages"][0]["content"]
    assert "Si book_appointment responde noshow_policy" in system  # the rule the model reads

    # The customer takes the offer: the escalation carries the reason code for staff.
    reason = "noshow_policy: quiere reservar limpieza el 2031-03-04 10:00"
    r.model.call("escalate_to_human", reason=reason).say("Te paso con el equipo.")
    handed = r.say("Vale, pásame con alguien")
    assert handed.escalations == [reason]
    identity = chats.find_identity(db, DEMO_ORG, r.customer)
    assert identity and not identity.bot_enabled
    row = db.fetch_one("select reason from escalations where chat_identity_id = %s", (identity.id,))
    assert row == {"reason": reason}


def test_past_the_limit_existing_appointments_are_still_confirmed_moved_and_cancelled(
    receptionist: Any, db: Any
) -> None:
    r = receptionist()
    contact = _missed_twice(db, r.customer)
    window = BookingWindow("Europe/Madrid", 120, 60, 30)
    start = datetime(2031, 3, 12, 14, 0, tzinfo=UTC)  # Wednesday 15:00 in Madrid, booked by staff
    made = appointments.book(db, DEMO_ORG, contact, LIMPIEZA, RUIZ, start, window, now=NOW, actor="staff:a@b.es")
    assert made.appointment, made
    aid = made.appointment.id

    # One turn (cheap): confirm it, move it, cancel it; each tool does its work past the limit.
    r.model.call("confirm_appointment", appointment_id=aid)
    r.model.call("reschedule_appointment", appointment_id=aid, new_start="2031-03-12 17:30")
    r.model.call("cancel_appointment", appointment_id=aid).say("Hecho: confirmada, cambiada y cancelada.")
    done = r.say("Confírmala, pásala a las 17:30 y luego cancélala")
    assert [(c["name"], c["ok"]) for c in done.stats.tool_calls] == [
        ("confirm_appointment", True),
        ("reschedule_appointment", True),
        ("cancel_appointment", True),
    ]
    history = db.fetch_all(
        "select action, new_starts_at from appointment_history where appointment_id = %s and action <> 'booked'"
        " order by at, id",
        (aid,),
    )
    assert [h["action"] for h in history] == ["confirmed", "rescheduled", "cancelled"]
    assert history[1]["new_starts_at"] == datetime(2031, 3, 12, 16, 30, tzinfo=UTC)  # 17:30 in Madrid
    assert db.fetch_one("select status from appointments where id = %s", (aid,)) == {"status": "cancelled"}


def test_past_the_limit_the_customer_is_not_put_on_the_waitlist_either(receptionist: Any, db: Any) -> None:
    """A waitlist offer is booked with one tap, without staff: joining is refused like booking."""
    r = receptionist()
    contact = _missed_twice(db, r.customer)
    r.model.call(
        "join_waitlist", service="limpieza", first_day="2031-03-10", last_day="2031-03-12", day_part="afternoon"
    ).say(noshow_wording.refusal("es"))
    r.say("Apúntame a la lista de espera para la limpieza, del 10 al 12 por la tarde")

    (tool,) = r.tool_results()
    assert tool["content"].startswith("No reservado (noshow_policy): el cliente tiene 2 citas sin acudir")
    waiting = db.fetch_all(
        "select id from waitlist_entries where organization_id = %s and contact_id = %s", (DEMO_ORG, contact)
    )
    assert waiting == []
