"""What the reply offers to tap, from the tools that offer it, on the real graph and CRM with a
scripted model: slots from check_availability, appointments from list_appointments, services
when a name is not found; a tool that acts on the offer clears it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from receptionist.agent.choices import parse_choice
from receptionist.crm import appointments
from receptionist.crm.availability import BookingWindow
from receptionist.crm.contacts import find_or_create_contact
from receptionist.messages import CHOICE_DESCRIPTION_CHARS, CHOICE_TITLE_CHARS

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
LIMPIEZA = "00000000-0000-4000-8001-000000000001"
RUIZ = "00000000-0000-4000-8002-000000000002"
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
# Days no other test books (the session's database is shared): 03-07, 03-11, 03-24.


def test_check_availability_makes_the_reply_carry_the_slots_it_showed(receptionist: Any) -> None:
    r = receptionist()
    r.model.call("check_availability", service="limpieza", day="2031-03-24")
    r.model.say("El lunes 24 tengo a las 10:00, 10:30 y más. ¿Cuál prefieres?")

    result = r.say("Hola, quiero una limpieza el lunes 24")

    shown = [line for line in r.tool_results()[0]["content"].splitlines() if line.startswith("- ")]
    assert len(result.choices) == len(shown) == 6
    # The same slots, in the same order as the model read them.
    for line, choice in zip(shown, result.choices, strict=True):
        picked = parse_choice(choice.id)
        assert picked is not None and picked.kind == "slot" and picked.service_id == LIMPIEZA
        member = line.split(" con ", 1)[1]
        assert line == f"- {picked.start} con {member}"
        assert choice.description == f"Limpieza dental con {member}, 45,00 €"  # clipped to plain spaces
        assert len(choice.title) <= CHOICE_TITLE_CHARS and len(choice.description) <= CHOICE_DESCRIPTION_CHARS
    ruiz = next(c for c in result.choices if c.id == f"slot|{LIMPIEZA}|{RUIZ}|2031-03-24 10:00")
    assert ruiz.title == "lun, 24/3 10:00 Ruiz"


def test_booking_in_the_same_turn_clears_the_offer(receptionist: Any) -> None:
    r = receptionist()
    find_or_create_contact(r.db, DEMO_ORG, r.customer, "Lucía Pérez")
    r.model.call("check_availability", service="limpieza", day="2031-03-07")
    r.model.call("book_appointment", service="limpieza", start="2031-03-07 10:00", member="Ruiz")
    r.model.say("¡Reservado el viernes a las 10:00!")

    result = r.say("Limpieza el viernes a las 10, la primera que haya")

    assert [c["ok"] for c in result.stats.tool_calls] == [True, True]
    assert result.choices == []


def test_no_reply_means_no_choices(receptionist: Any) -> None:
    r = receptionist()
    r.model.call("check_availability", service="limpieza", day="2031-03-04")
    r.model.say("")

    result = r.say("Limpieza el martes")

    assert result.reply == "" and result.choices == []


def test_list_appointments_offers_the_customers_appointments(receptionist: Any, db: Any) -> None:
    r = receptionist()
    contact = find_or_create_contact(db, DEMO_ORG, r.customer, "Lucía")
    window = BookingWindow("Europe/Madrid", 120, 60, 30)
    booked = appointments.book(
        db, DEMO_ORG, contact.id, LIMPIEZA, RUIZ, datetime(2031, 3, 11, 9, 0, tzinfo=UTC), window, now=NOW
    )
    assert booked.appointment is not None
    r.model.call("list_appointments").say("Tienes una limpieza el martes 11 a las 10:00. ¿Cuál quieres cambiar?")

    result = r.say("Quiero cambiar mi cita")

    (choice,) = result.choices
    assert choice.id == f"appt|{booked.appointment.id}"
    assert choice.title == "mar, 11/3 10:00 Limpieza"


def test_an_unknown_service_offers_the_bookable_ones(receptionist: Any, db: Any) -> None:
    r = receptionist()
    r.model.call("check_availability", service="corte de pelo", day="2031-03-04")
    r.model.say("No hacemos cortes de pelo. Estos son los tratamientos que puedes reservar.")

    result = r.say("Quiero un corte de pelo el martes")

    bookable = db.fetch_all(
        "select id::text, name from services where organization_id = %s and active and bookable", (DEMO_ORG,)
    )
    assert {c.id for c in result.choices} == {f"service|{s['id']}" for s in bookable}
    assert "Implante dental" not in {c.title for c in result.choices}  # not bookable on WhatsApp
