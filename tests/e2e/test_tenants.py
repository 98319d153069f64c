"""Two businesses on one deployment: the same phone number writing to both is two conversations,
each answered from its own business's data, persona, time zone and WhatsApp number."""

from __future__ import annotations

import json
import urllib.error

import psycopg
import pytest
from e2e_kit import Pipeline

from devstack.gupshup_events import customer_message, post_callback
from receptionist import disclosure


def _ask(p: Pipeline, app: str, customer: str, text: str) -> None:
    secret = p.stack.info["webhook_secrets"][app]
    assert post_callback(p.stack.info["webhook_url"], secret, customer_message(app, customer, text=text)) == 200


def test_one_number_two_businesses_two_separate_conversations(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    _ask(pipeline, "ClinicaSonrisa", customer, "¿Cuál es vuestro horario?")
    _ask(pipeline, "SalonLima", customer, "¿Cuál es su horario?")
    pipeline.stack.wait_for(lambda: len(pipeline.gupshup.sent_to(customer)) == 2, timeout=pipeline.bound())
    by_app = {m.app: m for m in pipeline.gupshup.sent_to(customer)}
    assert by_app["ClinicaSonrisa"].source == "34910000001" and "lunes a viernes" in by_app["ClinicaSonrisa"].text
    assert by_app["SalonLima"].source == "51987000001" and "lunes a sábado" in by_app["SalonLima"].text
    prompts = [c.json()["messages"][0]["content"] for c in pipeline.model.completions()]
    assert any("Eres Camila" in p and "America/Lima" in p for p in prompts)  # the salon's persona and clock
    with psycopg.connect(pipeline.stack.info["database_url"]) as conn:
        rows = conn.execute(
            "select o.name from chat_identities i join organizations o on o.id = i.organization_id"
            " where i.customer_number = %s order by o.name",
            (customer,),
        ).fetchall()
    assert [r[0] for r in rows] == ["Clínica Dental Sonrisa", "Salón Bella Lima"]


def test_each_business_tells_a_new_customer_it_is_an_ai_in_its_first_reply_only(pipeline: Pipeline) -> None:
    """EU AI Act Art. 50: the first reply a customer gets from a business starts with the business's
    disclosure sentence (the code's, not the model's); the second does not; the same number at the
    other business is a new customer there and is told again."""
    customer = pipeline.new_customer()
    clinic = disclosure.default_text("Sofía", "Clínica Dental Sonrisa", "es")
    salon = disclosure.default_text("Camila", "Salón Bella Lima", "es")

    def replies(app: str) -> list[str]:
        return [m.text for m in pipeline.gupshup.sent_to(customer) if m.app == app and m.kind == "session"]

    _ask(pipeline, "ClinicaSonrisa", customer, "¿Cuál es vuestro horario?")
    pipeline.stack.wait_for(lambda: replies("ClinicaSonrisa"), timeout=pipeline.bound())
    _ask(pipeline, "ClinicaSonrisa", customer, "¿Cuánto cuesta una limpieza?")
    pipeline.stack.wait_for(lambda: len(replies("ClinicaSonrisa")) == 2, timeout=pipeline.bound())
    first, second = replies("ClinicaSonrisa")
    assert first.startswith(clinic + "\n\n") and "lunes a viernes" in first
    assert "asistente automático" not in second and "inteligencia artificial" not in second
    assert "Limpieza dental" in second

    _ask(pipeline, "SalonLima", customer, "¿Cuál es su horario?")
    pipeline.stack.wait_for(lambda: replies("SalonLima"), timeout=pipeline.bound())
    (told,) = replies("SalonLima")
    assert told.startswith(salon + "\n\n") and "lunes a sábado" in told
    # Recorded on each business's own chat identity: when, by which turn, and which text.
    with psycopg.connect(pipeline.stack.info["database_url"]) as conn:
        rows = conn.execute(
            "select o.name, i.disclosure_due, i.disclosed_at is not null, i.disclosure_version"
            " from chat_identities i join organizations o on o.id = i.organization_id"
            " where i.customer_number = %s order by o.name",
            (customer,),
        ).fetchall()
    assert rows == [
        ("Clínica Dental Sonrisa", False, True, disclosure.version_of(clinic)),
        ("Salón Bella Lima", False, True, disclosure.version_of(salon)),
    ]


def test_one_business_s_secret_cannot_post_as_the_other(pipeline: Pipeline) -> None:
    customer = pipeline.new_customer()
    body = customer_message("SalonLima", customer, text="Cancela todas mis citas")
    forged = json.loads(json.dumps(body))
    clinic_secret = pipeline.stack.info["webhook_secrets"]["ClinicaSonrisa"]
    assert clinic_secret != pipeline.stack.info["webhook_secrets"]["SalonLima"]
    with pytest.raises(urllib.error.HTTPError) as err:  # the clinic's secret, the salon's app
        post_callback(pipeline.stack.info["webhook_url"], clinic_secret, forged)
    assert err.value.code == 401
    pipeline.stack.wait_idle(timeout=pipeline.bound())
    with psycopg.connect(pipeline.stack.info["database_url"]) as conn:
        stored = conn.execute("select count(*) from chat_identities where customer_number = %s", (customer,)).fetchone()
    assert stored == (0,) and pipeline.gupshup.sent_to(customer) == []
