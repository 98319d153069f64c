"""The receptionist's capabilities, each played by a scripted model over the OpenAI protocol
against the real CRM, with checkpoints in DynamoDB (moto)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.aws import moto_client
from devstack.demo_model import scripted_receptionist
from receptionist.agent import tools
from receptionist.agent.memory import thread_id
from receptionist.crm import appointments, chats
from receptionist.crm.availability import BookingWindow
from receptionist.crm.contacts import find_or_create_contact

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
LIMPIEZA = "00000000-0000-4000-8001-000000000001"
RUIZ = "00000000-0000-4000-8002-000000000002"
WINDOW = BookingWindow("Europe/Madrid", 120, 60, 30)
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)


def _book_directly(db: Any, phone: str, start_utc: datetime) -> str:
    contact = find_or_create_contact(db, DEMO_ORG, phone, "Cliente")
    result = appointments.book(db, DEMO_ORG, contact.id, LIMPIEZA, RUIZ, start_utc, WINDOW, now=NOW)
    assert result.appointment, result
    return result.appointment.id


def test_booking_end_to_end_in_the_business_timezone(receptionist: Any, db: Any) -> None:
    r = receptionist()
    r.model.call("check_availability", service="limpieza", day="2031-03-04")
    r.model.say("El martes 4 tengo a las 10:00 y a las 10:30. ¿Cuál prefieres?")
    first = r.say("Hola, quiero una limpieza el martes")
    assert "10:00" in first.reply
    offered = r.tool_results()[0]["content"]
    assert "2031-03-04 10:00 con Dr. Andrés Ruiz" in offered
    r.model.call("resolve_contact", name="Lucía Pérez", email="lucia@example.com")
    r.model.say("Perfecto, Lucía. ¿Confirmo la limpieza el martes 4 a las 10:00 con el Dr. Ruiz?")
    r.say("A las 10, soy Lucía Pérez, lucia@example.com")
    r.model.call("book_appointment", service="limpieza", start="2031-03-04 10:00", member="Ruiz")
    r.model.say("¡Listo! Te espero el martes 4 a las 10:00.")
    done = r.say("Sí, confirmo")
    assert done.reply == "¡Listo! Te espero el martes 4 a las 10:00."
    assert [c["name"] for c in done.stats.tool_calls] == ["book_appointment"] and done.stats.tool_calls[0]["ok"]
    row = db.fetch_one(
        "select a.starts_at, a.ends_at, a.status, c.name, c.email, c.phone from appointments a"
        " join contacts c on c.id = a.contact_id where c.phone = %s",
        (r.customer,),
    )
    assert row["starts_at"] == datetime(2031, 3, 4, 9, 0, tzinfo=UTC)  # 10:00 in Madrid (UTC+1)
    assert row["ends_at"] == datetime(2031, 3, 4, 9, 30, tzinfo=UTC)
    assert (row["status"], row["name"], row["email"]) == ("pending", "Lucía Pérez", "lucia@example.com")
    # The system prompt the model saw carried the business's local date.
    sent = r.model.completions()[0].json()["messages"]
    system = "\n".join(m["content"] for m in sent if m["role"] == "system")
    assert "lunes 2031-03-03 09:00 en Europe/Madrid" in system and "Eres Sofía" in system


def test_cancel_confirm_and_reschedule_own_appointments(receptionist: Any, db: Any) -> None:
    r = receptionist()
    aid = _book_directly(db, r.customer, datetime(2031, 3, 5, 9, 0, tzinfo=UTC))
    r.model.call("list_appointments").call("confirm_appointment", appointment_id=aid).say("Confirmada.")
    r.say("Confirmo mi cita")
    assert db.fetch_one("select status from appointments where id = %s", (aid,))["status"] == "confirmed"
    r.model.call("reschedule_appointment", appointment_id=aid, new_start="2031-03-05 12:00").say("Cambiada.")
    r.say("¿Me la puedes pasar a las 12?")
    moved = db.fetch_one("select starts_at from appointments where id = %s", (aid,))
    assert moved["starts_at"] == datetime(2031, 3, 5, 11, 0, tzinfo=UTC)
    r.model.call("cancel_appointment", appointment_id=aid).say("Cancelada.")
    r.say("Mejor cancélala")
    assert db.fetch_one("select status from appointments where id = %s", (aid,))["status"] == "cancelled"


def test_a_small_business_catalogue_is_in_the_prompt_and_needs_no_tool_round(receptionist: Any) -> None:
    r = receptionist()
    r.model.say("La limpieza dental cuesta 45 EUR.")
    result = r.say("¿Cuánto cuesta una limpieza?")
    sent = r.model.completions()[-1].json()
    system = sent["messages"][0]["content"]
    assert "- Limpieza dental: 30 min, 45,00\xa0€. Limpieza profesional" in system
    assert "- Implante dental: 90 min, 1.200,00\xa0€; no se reserva por WhatsApp." in system
    assert "- Seguros: Trabajamos con Sanitas, Adeslas y DKV." in system
    assert "knowledge_search" not in {t["function"]["name"] for t in sent["tools"]}
    assert result.stats.model_calls == 1 and result.stats.tool_calls == []


def test_a_business_over_the_budget_searches_its_catalogue(receptionist: Any) -> None:
    r = receptionist(catalogue_tokens=0)
    r.model.call("knowledge_search", query="precio limpieza").say("La limpieza dental cuesta 45 €.")
    result = r.say("¿Cuánto cuesta una limpieza?")
    first = r.model.completions()[0].json()
    assert "Servicios (duración, precio):" not in first["messages"][0]["content"]
    assert "Limpieza dental" in r.tool_results()[0]["content"] and "45.00 EUR" in r.tool_results()[0]["content"]
    assert result.stats.model_calls == 2 and result.stats.search_degraded == 0


def test_search_without_the_embeddings_endpoint_falls_back_to_text_and_says_so(receptionist: Any) -> None:
    r = receptionist(catalogue_tokens=0)
    r.model.fail_embeddings("500")
    r.model.call("knowledge_search", query="limpiesa dental").say("La limpieza dental cuesta 45 €.")
    result = r.say("¿Cuánto cuesta una limpiesa?")
    assert "Limpieza dental" in r.tool_results()[0]["content"]  # typo: found by trigrams alone
    assert result.stats.search_degraded == 1 and [c["ok"] for c in result.stats.tool_calls] == [True]


def test_escalation_turns_the_bot_off_and_reports_the_reason(receptionist: Any, db: Any) -> None:
    r = receptionist()
    r.model.call("escalate_to_human", reason="Pide hablar con una persona").say("Te paso con el equipo.")
    result = r.say("Quiero hablar con una persona, por favor")
    assert result.escalations == ["Pide hablar con una persona"]
    identity = chats.find_identity(db, DEMO_ORG, r.customer)
    assert identity and not identity.bot_enabled
    assert db.fetch_one("select count(*) as n from escalations where chat_identity_id = %s", (identity.id,))["n"] == 1


def test_another_organizations_appointment_is_refused(receptionist: Any, db: Any) -> None:
    other_org = db.fetch_one("insert into organizations (name) values ('Otra clínica') returning id::text")["id"]
    svc = db.fetch_one(
        "insert into services (organization_id, name, duration_minutes) values (%s, 'X', 30) returning id::text",
        (other_org,),
    )["id"]
    member = db.fetch_one(
        "insert into members (organization_id, name) values (%s, 'M') returning id::text", (other_org,)
    )["id"]
    contact = find_or_create_contact(db, other_org, "34600777000", "Ajeno").id
    foreign = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
        " values (%s, %s, %s, %s, '2031-03-06 09:00Z', '2031-03-06 09:30Z') returning id::text",
        (other_org, contact, svc, member),
    )["id"]
    r = receptionist()
    r.model.call("cancel_appointment", appointment_id=foreign).say("No encuentro esa cita.")
    result = r.say(f"Cancela la cita {foreign}")
    assert r.tool_results()[0]["content"].startswith("Error: no encuentro esa cita")
    assert not result.stats.tool_calls[0]["ok"]
    assert db.fetch_one("select status from appointments where id = %s", (foreign,))["status"] == "pending"


def test_model_failure_raises_for_the_processor(receptionist: Any) -> None:
    r = receptionist()
    r.model.fail_next("500")
    with pytest.raises(Exception, match=r"(?i)server|500"):
        r.say("hola")


def test_a_cold_start_continues_the_same_booking(receptionist: Any) -> None:
    r = receptionist()
    r.model.call("check_availability", service="limpieza", day="2031-03-04").say("¿A qué hora te viene bien?")
    r.say("Quiero una limpieza el martes")
    r.cold_start()  # a new Lambda container: new saver, new graph
    r.model.say("Apunto las 10:30.")
    r.say("A las 10:30")
    sent = r.model.completions()[-1].json()["messages"]
    # The booking in progress rides in the turn's context, just before the customer's message.
    assert sent[-2]["role"] == "system" and "service_name=Limpieza dental" in sent[-2]["content"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["Quiero una limpieza el martes", "A las 10:30"]


def test_a_state_over_400kb_round_trips_through_s3(receptionist: Any, checkpoint_store: dict[str, str]) -> None:
    from devstack.aws import moto_client

    r = receptionist()
    import base64
    import os

    big = base64.b64encode(os.urandom(360_000)).decode()  # ~480 KB that compression cannot shrink
    r.model.say("Recibido.")
    r.say(big)
    s3 = moto_client("s3", checkpoint_store["endpoint"], "us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=checkpoint_store["bucket"]).get("Contents", [])]
    assert any(k.startswith("checkpoints/") for k in keys)
    r.cold_start()
    conv = r.conversation()
    thread = thread_id(conv.organization.id, r.customer)
    saved = r.runner.checkpointer.get_tuple({"configurable": {"thread_id": thread}})
    assert saved is not None and saved.checkpoint["channel_values"]["messages"][0].content == big  # back from S3
    r.model.say("Sigo aquí.")
    assert r.say("¿Sigues ahí?", conv).reply == "Sigo aquí."
    sent = [c.json() for c in r.model.completions() if c.json().get("tools")][-1]["messages"]
    # Far over the history bound (no processor turn is this long): the request leaves it out.
    assert [m["content"] for m in sent if m["role"] == "user"] == ["¿Sigues ahí?"]


def test_model_arguments_out_of_range_are_refused_by_validation(receptionist: Any) -> None:
    r = receptionist(catalogue_tokens=0)  # knowledge_search is offered
    r.model.call_many(
        ("check_availability", {"service": "limpieza", "day": "9999-12-31"}),  # OverflowError before
        ("check_availability", {"service": "limpieza", "day": "2031-03-01"}),  # in the past
        ("resolve_contact", {"name": "Lucía Pérez"}),
        ("book_appointment", {"service": "limpieza", "start": "9999-12-31T23:59+00:00"}),
        ("knowledge_search", {"query": "x" * 5000}),  # a model writing without limit
        ("escalate_to_human", {"reason": ""}),
    ).say("Perdona, ¿qué día te viene bien?")
    result = r.say("Quiero cita muy lejos")
    contents = [m["content"] for m in r.tool_results()]
    assert contents[0].startswith("Error: solo se puede reservar hasta el 2031-")
    assert contents[1].startswith("Error: el 2031-03-01 ya ha pasado")
    assert contents[2].startswith("Contacto listo")
    assert contents[3] == "Error: la hora debe ir como 'YYYY-MM-DD HH:MM'"  # would overflow in Madrid's time
    assert contents[4].startswith("Error: argumentos no válidos (query: String should have at most 200")
    assert contents[5].startswith("Error: argumentos no válidos (reason:")
    assert result.reply == "Perdona, ¿qué día te viene bien?" and result.escalations == []
    assert [c["ok"] for c in result.stats.tool_calls] == [False, False, True, False, False, False]


def test_the_offline_stand_in_answers_general_questions_from_the_catalogue(receptionist: Any) -> None:
    """What a new user types first in `make chat` without a key: answered, not handed to a person."""
    r = receptionist()
    r.model.responder = scripted_receptionist
    result = r.say("Hola, ¿qué servicios tenéis y cuánto cuestan?")
    for line in (
        "- Limpieza dental: 30 min, 45,00\xa0€",
        "- Blanqueamiento dental: 60 min, 250,00\xa0€",
        "- Primera consulta de ortodoncia: 30 min, gratis",
        "- Empaste: 45 min, 60,00\xa0€",
        "- Implante dental: 90 min, 1.200,00\xa0€; no se reserva por WhatsApp",
    ):
        assert line in result.reply
    assert result.stats.tool_calls == [] and result.stats.model_calls == 1
    assert r.say("Where are you?").reply.startswith("Dirección: Estamos en la calle de Alcalá 123")
    assert r.say("¿Aceptáis Bizum?").reply.startswith("Formas de pago: Aceptamos efectivo, tarjeta y Bizum.")


def test_the_prompt_prefix_is_the_same_for_every_turn_and_customer_of_a_business(receptionist: Any) -> None:
    """What the provider's prompt cache needs: the catalogue and rules before anything per turn."""
    first, second = receptionist(), receptionist()
    cached = []
    for r, text in ((first, "Hola"), (second, "Buenas"), (first, "¿Abrís el sábado?")):
        r.model.say("¡Hola!")
        cached.append(r.say(text).stats.cached_tokens)
    # The local model reports cached tokens as OpenAI does (a shared prefix of 1,024+ tokens).
    assert cached[0] == 0 and cached[1] >= 1024 and cached[2] >= 1024
    # Both are the static prefix (tools, persona, catalogue); the other customer's first turn also
    # shares the one-line time block after it, which may tip it into the next 128-token step.
    assert 0 <= cached[1] - cached[2] <= 128
    requests = [c.json()["messages"] for c in first.model.completions()[-3:]]
    statics = {messages[0]["content"] for messages in requests}
    assert len(statics) == 1 and "Catálogo de Clínica Dental Sonrisa (completo):" in statics.pop()
    # The turn's time comes last, just before the customer's message: earlier turns stay a prefix.
    assert all([m["role"] for m in messages[-2:]] == ["system", "user"] for messages in requests)
    assert all(messages[-2]["content"].startswith("Ahora es ") for messages in requests)
    # Customer A's second turn: the first turn's messages come before the new context.
    assert [m["role"] for m in requests[2]] == ["system", "user", "assistant", "system", "user"]
    assert requests[2][1]["content"] == "Hola"
    tools = {json.dumps(c.json()["tools"]) for c in first.model.completions()[-3:]}
    assert len(tools) == 1  # the same tool schemas, in the same order


def test_the_stand_in_answers_about_the_service_the_question_names(receptionist: Any) -> None:
    r = receptionist()
    r.model.responder = scripted_receptionist
    # "dental" is in two services' names; "limpieza dental" names one.
    assert r.say("¿Cuánto cuesta una limpieza dental?").reply.startswith("Limpieza dental: 30 min, 45,00\xa0€")
    assert r.say("¿y el blanqueamiento?, ¿cuánto?").reply.startswith("Blanqueamiento dental: 60 min, 250,00\xa0€")


class ProcessDied(BaseException):
    """The Lambda process dying mid-turn (not an Exception: nothing in the turn catches it)."""


def _checkpoint_items(store: dict[str, str], thread: str) -> list[dict[str, Any]]:
    ddb = moto_client("dynamodb", store["endpoint"], "us-east-1")
    items = ddb.scan(TableName=store["table"], ConsistentRead=True)["Items"]
    return [i for i in items if thread in i["PK"]["S"]]


def test_a_thread_keeps_one_checkpoint_and_a_crashed_turn_is_retried_from_it(
    receptionist: Any, checkpoint_store: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r = receptionist()
    for text in ("Hola", "¿Abrís el sábado?", "Vale, gracias"):
        r.model.say("¡Claro!")
        r.say(text)
    thread = thread_id(r.last.organization.id, r.customer)
    heads = [i for i in _checkpoint_items(checkpoint_store, thread) if i["PK"]["S"].startswith("CHECKPOINT_")]
    assert len(heads) == 1  # superseded checkpoints are pruned after each turn
    before = r.runner.checkpointer.get_tuple({"configurable": {"thread_id": thread}})
    assert before is not None and len(before.checkpoint["channel_values"]["messages"]) == 6

    def die(conv: Any) -> Any:
        raise ProcessDied

    conv = r.conversation()
    r.model.call("list_appointments")
    with monkeypatch.context() as patch:
        patch.setattr(tools, "_contact_id", die)
        with pytest.raises(ProcessDied):
            r.say("¿Tengo alguna cita?", conv)
    # An exception ends the run with its state saved once ("exit" durability); a killed process
    # saves nothing. Either way the retry below starts from a thread it can repair.
    assert len([i for i in _checkpoint_items(checkpoint_store, thread) if i["PK"]["S"].startswith("CHECKPOINT_")]) <= 2

    r.cold_start()  # the retry runs in a new container
    r.model.call("list_appointments").say("No tienes citas.")
    assert r.say("¿Tengo alguna cita?", conv).reply == "No tienes citas."
    state = r.runner.checkpointer.get_tuple({"configurable": {"thread_id": thread}})
    assert state is not None
    kinds = [type(m).__name__ for m in state.checkpoint["channel_values"]["messages"]]
    assert kinds[6:] == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]  # the turn once, complete
    assert state.checkpoint["channel_values"]["messages"][-2].content == "El cliente no tiene citas próximas."
    assert len([i for i in _checkpoint_items(checkpoint_store, thread) if i["PK"]["S"].startswith("CHECKPOINT_")]) == 1


def test_a_member_named_without_accents_is_found(receptionist: Any) -> None:
    r = receptionist()
    r.model.call("check_availability", service="limpieza", day="2031-03-13", member="gomez").say("Tengo hueco.")
    r.say("¿Tiene hueco la doctora Gomez el jueves 13?")
    offered = r.tool_results()[0]["content"]
    assert "con Dra. Laura Gómez" in offered and "Ruiz" not in offered


def test_availability_from_a_time_of_day_shows_those_slots_first(receptionist: Any) -> None:
    r = receptionist()
    r.model.call("check_availability", service="limpieza", day="2031-03-13", after="16:00").say("Por la tarde…")
    r.say("¿Tenéis hueco el jueves 13 por la tarde?")
    r.model.call("check_availability", service="limpieza", day="2031-03-13", after="25:70").say("¿Perdona?")
    r.say("¿y a las 25:70?")
    afternoon, wrong = (t["content"] for t in r.tool_results())
    times = re.findall(r"- 2031-03-13 (\d\d:\d\d) con", afternoon)
    assert times and times[0] == "16:00" and all(t >= "16:00" for t in times)
    assert "HH:MM" in wrong
