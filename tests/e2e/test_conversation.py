"""The demo's conversation as assertions, plus duplicates, bursts, takeover, opt-out and a
crash-and-retry, all through HTTP and moto."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from e2e_kit import Pipeline, PlayedDemo

from devstack.demo import CONVERSATION, post, remind_and_confirm
from devstack.gupshup_events import customer_message, post_callback


def _identity(p: Pipeline, customer: str) -> tuple[bool, bool] | None:
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute(
            "select bot_enabled, opted_out from chat_identities where customer_number = %s", (customer,)
        ).fetchone()
    return (bool(row[0]), bool(row[1])) if row else None


def _inbound_count(p: Pipeline, customer: str) -> int:
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute(
            "select count(*) from chat_messages m join chat_identities i on i.id = m.chat_identity_id"
            " where i.customer_number = %s and m.direction = 'inbound'",
            (customer,),
        ).fetchone()
    return int(row[0]) if row else 0


def _quiet(p: Pipeline) -> None:
    """Wait until the pipeline has nothing left to do, so "nothing more was sent" is checked
    after everything that could have been sent was."""
    p.stack.wait_idle(timeout=p.bound())


def test_the_demo_conversation(pipeline: Pipeline, demo_conversation: PlayedDemo) -> None:
    customer, result = demo_conversation.customer, demo_conversation.result
    replies = [line.text for line in result.transcript if line.who == "assistant"]
    assert len(replies) == len(CONVERSATION)  # one answer per step: the burst was answered once
    # Answered from the catalogue in the prompt, as a model would (no "shall I pass you to a person?").
    # Prices as CLDR writes them in Spanish (Babel): "45,00 €" with a no-break space.
    assert (
        "Limpieza dental: 30 min, 45,00\xa0€" in replies[0] and "Implante dental: 90 min, 1.200,00\xa0€" in replies[0]
    )
    assert replies[1].startswith("Limpieza dental: 30 min, 45,00\xa0€")
    assert "tengo hueco" in replies[2] and "10:00" in replies[2]
    assert "¿Te reservo el" in replies[3] and "10:00" in replies[3]  # the voice note was understood
    assert replies[4].startswith("¡Listo! Reservada")
    assert replies[5].startswith("Hecho. Cambiada") and "viernes" in replies[5]
    assert "persona del equipo" in replies[6]
    appointment = result.appointment
    assert appointment and appointment["service"] == "Limpieza dental" and appointment["contact"] == "Lucía Pérez"
    local = appointment["starts_at"].astimezone(ZoneInfo("Europe/Madrid"))
    assert (local.weekday(), local.strftime("%H:%M")) == (4, "10:00")  # moved to Friday, same time
    assert local.date() > datetime.now(ZoneInfo("Europe/Madrid")).date()
    notices = [m for m in result.staff_notices if customer in json.dumps(m.payload)]
    assert [n.destination for n in notices] == ["34699000001"]
    assert notices[0].payload["id"] == "escalation_notice"
    assert _identity(pipeline, customer) == (False, False)  # a person owns the conversation now
    # Taken over: the customer's next message is stored and not answered.
    sent_before = len(pipeline.gupshup.sent_to(customer))
    post(pipeline.stack, "text", "¿Hola? ¿Sigue ahí alguien?", pipeline.gupshup, customer)
    pipeline.stack.wait_for(lambda: _inbound_count(pipeline, customer) >= 9, timeout=pipeline.bound())
    _quiet(pipeline)
    assert len(pipeline.gupshup.sent_to(customer)) == sent_before

    # The day before, the reminder; the customer taps Confirmar: confirmed without the model (even
    # while a person owns the conversation: it is the customer's own instruction).
    model_calls = len(pipeline.model.completions())
    reminded = remind_and_confirm(pipeline.stack, pipeline.gupshup, appointment, customer, show=lambda s: None)
    assert reminded.reminder.payload["id"] == "recordatorio_cita"
    assert [b.rsplit(":", 1)[1] for b in reminded.buttons] == ["confirm", "cancel", "change"]
    assert appointment["id"] not in "".join(reminded.buttons)
    assert "queda confirmada" in reminded.confirmation and reminded.status == "confirmed"
    _quiet(pipeline)
    assert len(pipeline.model.completions()) == model_calls


def _send(p: Pipeline, customer: str, text: str, mid: str | None = None, event: dict[str, Any] | None = None) -> None:
    body: dict[str, Any]
    if event is not None:
        body = {
            "app": "ClinicaSonrisa",
            "timestamp": int(time.time() * 1000),
            "version": 2,
            "type": "user-event",
            "payload": {"phone": customer, **event},
        }
    else:
        body = customer_message("ClinicaSonrisa", customer, text=text, message_id=mid, name="Test")
    assert post_callback(p.stack.info["webhook_url"], p.stack.config.webhook_secret, body) == 200


def test_a_duplicate_delivery_is_answered_once(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    mid = f"wamid.{uuid.uuid4().hex}"
    for _ in range(3):
        _send(pipeline, customer, "Hola", mid)
    pipeline.stack.wait_for(lambda: pipeline.gupshup.sent_to(customer), timeout=pipeline.bound())
    _quiet(pipeline)
    assert len(pipeline.gupshup.sent_to(customer)) == 1
    assert _inbound_count(pipeline, customer) == 1


def test_a_burst_is_answered_once(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    for text in ("Hola", "¿cuánto cuesta", "un blanqueamiento?"):
        _send(pipeline, customer, text)
    pipeline.stack.wait_for(lambda: pipeline.gupshup.sent_to(customer), timeout=pipeline.bound())
    _quiet(pipeline)
    sent = pipeline.gupshup.sent_to(customer)
    assert len(sent) == 1 and "Blanqueamiento dental" in sent[0].text
    assert _inbound_count(pipeline, customer) == 3


def test_an_opted_out_customer_gets_nothing_until_they_ask_for_something(pipeline: Pipeline) -> None:
    """Gupshup's opt-out event: nothing goes to the customer (Gupshup confirms its own opt-out);
    an acknowledgement changes nothing; writing again to ask for something opts them back in for
    service replies only (docs/privacy.md, "Opting out in writing")."""
    customer = pipeline.new_customer()
    _send(pipeline, customer, "Hola")
    pipeline.stack.wait_for(lambda: pipeline.gupshup.sent_to(customer), timeout=pipeline.bound())
    _send(pipeline, customer, "", event={"type": "opted-out"})
    pipeline.stack.wait_for(lambda: _identity(pipeline, customer) == (True, True), timeout=pipeline.bound())
    _send(pipeline, customer, "Vale, gracias")
    pipeline.stack.wait_for(lambda: _inbound_count(pipeline, customer) == 2, timeout=pipeline.bound())
    _quiet(pipeline)
    assert len(pipeline.gupshup.sent_to(customer)) == 1
    _send(pipeline, customer, "¿Sigues ahí? Quería preguntar el horario")
    pipeline.stack.wait_for(lambda: len(pipeline.gupshup.sent_to(customer)) == 2, timeout=pipeline.bound())
    assert _identity(pipeline, customer) == (True, False)
    with psycopg.connect(pipeline.stack.info["database_url"]) as conn:
        latest = conn.execute(
            "select distinct on (e.purpose) e.purpose, e.state, e.source from consent_events e"
            " join chat_identities i on i.id = e.chat_identity_id where i.customer_number = %s"
            " order by e.purpose, e.id desc",
            (customer,),
        ).fetchall()
    assert latest == [
        ("marketing", "withdrawn", "gupshup"),
        ("reminders", "withdrawn", "gupshup"),  # reminders need their own consent again
        ("service", "granted", "whatsapp"),
    ]


def test_a_crash_is_retried_and_answered_once(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    pipeline.stack.wait_idle(timeout=pipeline.bound())  # no one else's turn takes the failures
    pipeline.model.fail_next("500", "500", "500")  # the model is down for the first attempt
    _send(pipeline, customer, "¿Cuál es vuestro horario?")
    pipeline.stack.wait_for(lambda: pipeline.gupshup.sent_to(customer), timeout=pipeline.bound())
    _quiet(pipeline)
    sent = pipeline.gupshup.sent_to(customer)
    assert len(sent) == 1 and "Horario" in sent[0].text
    failed = [
        i
        for i in pipeline.stack.invocations_of("ProcessorFunction")
        if (i.failed_ids or not i.ok) and any(customer in b for b in i.bodies)
    ]
    assert failed, "the first attempt should have failed"
