"""join_waitlist and leave_waitlist on the real graph and CRM with a scripted model: the entry is
the conversation's customer's in the conversation's business (never from the arguments), joining
again for overlapping days updates it, days outside the booking window and a member who does not
do the service are refused with nothing stored, and leaving touches only this customer's entries."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from receptionist.agent.context import Conversation
from receptionist.crm import chats, waitlist
from receptionist.crm.contacts import find_or_create_contact
from receptionist.crm.organizations import resolve_by_app

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
LIMPIEZA = "00000000-0000-4000-8001-000000000001"
BLANQUEAMIENTO = "00000000-0000-4000-8001-000000000002"
RUIZ = "00000000-0000-4000-8002-000000000002"
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # the agent tests' clock


def _entries(r: Any, db: Any) -> list[waitlist.Entry]:
    contact = find_or_create_contact(db, DEMO_ORG, r.customer, "Lucía Pérez")
    return waitlist.entries_for_contact(db, DEMO_ORG, contact.id, waiting_only=False)


def test_joining_stores_the_customers_request_and_joining_again_updates_it(receptionist: Any, db: Any) -> None:
    r = receptionist()
    r.model.call("resolve_contact", name="Lucía Pérez")
    r.model.call(
        "join_waitlist", service="limpieza", first_day="2031-03-10", last_day="2031-03-12", day_part="afternoon"
    )
    r.model.say("Te apunto en la lista de espera.")
    r.say("Sí, apúntame por la tarde del 10 al 12")
    joined = r.tool_results()[-1]["content"]

    r.model.call("join_waitlist", service="limpieza", first_day="2031-03-11", last_day="2031-03-13", member="Ruiz")
    r.model.say("Actualizado.")
    r.say("Mejor del 11 al 13 con el doctor Ruiz, a cualquier hora")
    updated = r.tool_results()[-1]["content"]

    assert joined.startswith("Apuntado en la lista de espera: Limpieza dental, del 2031-03-10 al 2031-03-12")
    assert updated.startswith("Actualizada su petición en la lista de espera: Limpieza dental con Dr. Andrés Ruiz")
    (entry,) = _entries(r, db)
    assert (entry.service_id, entry.member_id, entry.first_day, entry.last_day, entry.day_part) == (
        LIMPIEZA,
        RUIZ,
        date(2031, 3, 11),
        date(2031, 3, 13),
        "any",
    )
    assert (entry.organization_id, entry.status, entry.created_by) == (DEMO_ORG, "waiting", "assistant")


def test_days_outside_the_window_and_a_member_who_does_not_do_it_are_refused(receptionist: Any, db: Any) -> None:
    r = receptionist()
    r.model.call("resolve_contact", name="Lucía Pérez")
    r.model.call("join_waitlist", service="limpieza", first_day="2031-03-01", last_day="2031-03-04")  # before today
    r.model.call("join_waitlist", service="limpieza", first_day="2031-03-10", last_day="2031-06-30")  # past 60 days
    r.model.call("join_waitlist", service="limpieza", first_day="2031-03-12", last_day="2031-03-10")
    r.model.say("No he podido apuntarte.")
    r.say("Apúntame")
    results = [m["content"] for m in r.tool_results()[1:]]
    r.model.call(
        "join_waitlist", service="blanqueamiento", first_day="2031-03-10", last_day="2031-03-12", member="Ruiz"
    )
    r.model.say("El doctor Ruiz no hace blanqueamientos.")
    r.say("Y un blanqueamiento con Ruiz")

    assert results == [
        "Error: el 2031-03-01 ya ha pasado; hoy es 2031-03-03",
        "Error: solo se puede reservar hasta el 2031-05-02",
        "Error: el último día no puede ser anterior al primero",
    ]
    assert r.tool_results()[-1]["content"] == "Error: 'Ruiz' no hace Blanqueamiento dental. Lo hacen: Dra. Laura Gómez"
    assert _entries(r, db) == []


def test_leaving_withdraws_only_this_customers_entries_of_that_service(receptionist: Any, db: Any) -> None:
    r, other = receptionist(), receptionist()
    mine = find_or_create_contact(db, DEMO_ORG, r.customer, "Lucía Pérez")
    theirs = find_or_create_contact(db, DEMO_ORG, other.customer, "Otro")
    for contact in (mine, theirs):
        waitlist.add_entry(db, DEMO_ORG, contact.id, LIMPIEZA, date(2031, 3, 10), date(2031, 3, 12))
    kept = waitlist.add_entry(db, DEMO_ORG, mine.id, BLANQUEAMIENTO, date(2031, 3, 10), date(2031, 3, 12))
    r.model.call("leave_waitlist", service="limpieza")
    r.model.say("Hecho, ya no estás en la lista de la limpieza.")

    r.say("Ya no quiero esperar la limpieza")

    assert r.tool_results()[-1]["content"] == (
        "Hecho: sale de la lista de espera:\n- Limpieza dental, del 2031-03-10 al 2031-03-12"
    )
    assert {
        (e.service_id, e.status) for e in waitlist.entries_for_contact(db, DEMO_ORG, mine.id, waiting_only=False)
    } == {
        (LIMPIEZA, "withdrawn"),
        (BLANQUEAMIENTO, "waiting"),
    }
    assert [e.status for e in waitlist.entries_for_contact(db, DEMO_ORG, theirs.id)] == ["waiting"]
    assert kept.status == "waiting"


def test_a_business_with_the_waitlist_off_stores_nothing(receptionist: Any, db: Any, app_db: Any) -> None:
    org, app = str(uuid.uuid4()), f"Wl{uuid.uuid4().hex[:10]}"  # a business of its own, waitlist off
    db.execute("insert into organizations (id, name) values (%s, 'Sin lista')", (org,))
    db.execute("insert into agent_settings (organization_id) values (%s)", (org,))
    db.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000997', '/x')",
        (org, app),
    )
    db.execute("insert into waitlist_settings (organization_id, enabled) values (%s, false)", (org,))
    r = receptionist()
    business = resolve_by_app(db, app)
    assert business is not None
    identity = chats.touch_identity(db, org, r.customer, "Cliente", NOW)
    conv = Conversation(app_db, business, identity, turn_id=f"turn-{uuid.uuid4().hex[:8]}", now=lambda: NOW)
    r.model.call("join_waitlist", service="corte", first_day="2031-03-10", last_day="2031-03-12")
    r.model.say("Lo siento, no tenemos lista de espera.")

    r.say("Apúntame a la lista de espera", conv)

    assert r.tool_results()[-1]["content"] == "Error: este negocio no tiene lista de espera"
    assert db.fetch_all("select id from waitlist_entries where organization_id = %s", (org,)) == []
