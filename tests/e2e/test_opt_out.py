"""A written opt-out through the webhook, on the whole local stack (issue 25, point 3): "BAJA" is
honoured like Gupshup's opt-out event, confirmed once with the fixed sentence, stored (the opt-out
and every purpose withdrawn in the consent register); the reminder schedule (firing every second
here) then skips the customer's appointment; "ALTA" brings back service replies only, so the
schedule still skips it, until the front desk records reminder consent: then it is reminded once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
from e2e_kit import Pipeline, book_before_its_reminder, night_start

from devstack.gupshup_events import customer_message, post_callback
from receptionist.crm import consent
from receptionist.crm.connection import Database
from receptionist.i18n.catalogues import message

APP = "ClinicaSonrisa"


def _write(p: Pipeline, customer: str, text: str, message_id: str | None = None) -> str:
    body = customer_message(APP, customer, text=text, message_id=message_id or f"wamid.{uuid.uuid4().hex}")
    assert post_callback(p.stack.info["webhook_url"], p.stack.info["webhook_secrets"][APP], body) == 200
    return str(body["payload"]["id"])


def _texts(p: Pipeline, customer: str) -> list[str]:
    return [m.text for m in p.gupshup.sent_to(customer) if m.kind == "session"]


def _templates(p: Pipeline, customer: str) -> list[str]:
    return [str(m.payload.get("id")) for m in p.gupshup.sent_to(customer) if m.kind == "template"]


def _state(p: Pipeline, customer: str) -> tuple[bool, dict[str, tuple[str, str]]]:
    """(opted out, purpose -> (state, source) of its latest event)."""
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        identity = conn.execute(
            "select id, opted_out from chat_identities where customer_number = %s and organization_id = %s",
            (customer, p.stack.info["apps"][APP]["organization_id"]),
        ).fetchone()
        assert identity
        rows = conn.execute(
            "select purpose, state, source from consent_events where chat_identity_id = %s order by id",
            (identity[0],),
        ).fetchall()
    return bool(identity[1]), {purpose: (state, source) for purpose, state, source in rows}


def _passes_go_by(p: Pipeline, runs: int = 3) -> None:
    """Let the reminder schedule (every second) run a few more passes, and everything they queue
    be delivered, before checking that nothing was sent."""
    before = len(p.stack.invocations_of("RemindersFunction"))
    timeout = (p.stack.config.schedule_seconds or 300) * (runs + 2) + p.bound()
    p.stack.wait_for(lambda: len(p.stack.invocations_of("RemindersFunction")) >= before + runs, timeout=timeout)
    p.stack.wait_idle(timeout=p.bound())


def test_baja_through_the_webhook_then_no_reminders_then_alta(pipeline: Pipeline) -> None:
    p = pipeline
    organization = p.stack.info["apps"][APP]["organization_id"]
    customer = p.new_customer()
    _write(p, customer, "Hola")
    p.stack.wait_for(lambda: _texts(p, customer), timeout=p.bound())
    assert _state(p, customer) == (False, {"service": ("granted", "whatsapp"), "reminders": ("granted", "whatsapp")})

    # BAJA: confirmed once with the fixed sentence, not the model's words; Gupshup's redelivery of
    # the same callback and a second STOP say nothing more.
    model_calls = len(p.model.completions())
    baja = _write(p, customer, "BAJA")
    p.stack.wait_for(lambda: len(_texts(p, customer)) == 2, timeout=p.bound())
    assert _texts(p, customer)[1] == message("es", "opt_out_confirmation")
    _write(p, customer, "BAJA", message_id=baja)
    _write(p, customer, "stop")
    p.stack.wait_idle(timeout=p.bound())
    assert len(_texts(p, customer)) == 2 and len(p.model.completions()) == model_calls
    withdrawn = {"service": ("withdrawn", "written"), "reminders": ("withdrawn", "written")}
    assert _state(p, customer) == (True, {**withdrawn, "marketing": ("withdrawn", "written")})

    # An appointment whose reminder is due: the schedule skips an opted-out customer.
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        contact = conn.execute(
            "insert into contacts (organization_id, phone, name) values (%s, %s, 'Nuria Baja') returning id::text",
            (organization, customer),
        ).fetchone()
    assert contact
    appointment = book_before_its_reminder(p, organization, contact[0], night_start(datetime.now(UTC), minute=30))
    _passes_go_by(p)
    assert _templates(p, customer) == []

    # ALTA: confirmed; service replies only, so still no reminder.
    _write(p, customer, "ALTA")
    p.stack.wait_for(lambda: len(_texts(p, customer)) == 3, timeout=p.bound())
    assert _texts(p, customer)[2] == message("es", "opt_in_confirmation")
    opted_out, states = _state(p, customer)
    assert not opted_out and states["service"] == ("granted", "written") and states["reminders"][0] == "withdrawn"
    _passes_go_by(p)
    assert _templates(p, customer) == []
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        assert conn.execute(
            "select count(*) from appointment_reminders where appointment_id = %s", (appointment,)
        ).fetchone() == (0,)

    # The front desk records their reminder consent (as the console's role): reminded, once.
    desk = Database(p.stack.info["console_database_url"])
    try:
        with desk.acting_for(organization):
            identity = consent.identity_of_contact(desk, organization, contact[0])
            recorded = consent.record_at_front_desk(
                desk,
                organization,
                "reminders",
                "granted",
                actor="staff:recepcion@clinica.example",
                at=datetime.now(UTC),
                identity_id=identity,
            )
    finally:
        desk.close()
    assert recorded is not None
    timeout = (p.stack.config.schedule_seconds or 300) + p.stack.bound("RemindersFunction", "NotifierFunction")
    p.stack.wait_for(lambda: _templates(p, customer), timeout=timeout)
    _passes_go_by(p)
    assert _templates(p, customer) == ["recordatorio_cita"]
