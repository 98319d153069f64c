"""The assistant's settings page (persona, booking rules, emergency number) on its real parts: every
change stored and audited, values refused readably with nothing written. Each test makes its own
business (settings_kit.py)."""

from __future__ import annotations

import re

import psycopg
import pytest
from console_kit import CHANGES, Console
from fastapi.testclient import TestClient
from settings_kit import (
    PERSONA,
    audit,
    business,
    emergency_number,
    persona,
    post,
    row,
)

from receptionist.agent.prompts import static_prompt
from receptionist.agent.runner import persona_of
from receptionist.console.words import words
from receptionist.crm.connection import Database
from receptionist.crm.organizations import resolve_by_app


def test_the_persona_change_is_stored_and_audited(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = client.get("/console/settings")
    assert page.status_code == 200 and 'id="persona-form"' in page.text and 'value="Ana"' in page.text
    answer = post(client, "/console/settings", "/console/settings", **PERSONA)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/settings?notice=saved"
    assert persona(console, org) == (
        "Marta",
        "formal; trata de usted",
        "Nunca des precios de implantes.",
        "en",
        "America/Lima",
        30,
        90,
        20,
    )
    [(actor, action, target)] = audit(console, org)
    assert actor.startswith("owner-") and action == "settings_persona" and target == org
    details = row(console, f"select details from audit_log where organization_id = %s and {CHANGES}", org)  # noqa: S608
    assert details is not None
    changed = details[0]["changed"]
    assert changed["timezone"] == "America/Lima" and changed["instructions"] == "changed"
    assert "assistant_name" in changed and "booking_lead_minutes" in changed
    # Who changed what, and when, is on the page.
    shown = client.get("/console/settings?notice=saved")
    assert 'id="notice"' in shown.text and actor in shown.text and 'class="change"' in shown.text


def test_a_brazilian_business_speaks_portuguese(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = client.get("/console/settings").text
    assert {"es", "es-PE", "en", "pt-BR", "ca"} <= set(re.findall(r'<option value="([\w-]+)"', page))
    answer = post(client, "/console/settings", "/console/settings", **{**PERSONA, "language": "pt-BR"})
    assert answer.status_code == 303
    assert persona(console, org)[3] == "pt-BR"
    assert 'value="pt-BR" selected' in client.get("/console/settings").text


def test_interactive_replies_are_switched_off_and_on_and_reach_the_notifier(console: Console) -> None:
    org = business(console)
    app = row(console, "select app_name from platform_connections where organization_id = %s", org)
    assert app is not None
    client = console.signed_in(org)
    checkbox = re.compile(r'<input type="checkbox" name="interactive_replies" id="interactive_replies" (checked)?>')
    first = checkbox.search(client.get("/console/settings").text)
    assert first is not None and first.group(1) == "checked"  # on by default

    assert post(client, "/console/settings", "/console/settings", **PERSONA).status_code == 303  # unticked

    assert row(console, "select interactive_replies from agent_settings where organization_id = %s", org) == (False,)
    owner = Database(console.owner_url)
    try:
        found = resolve_by_app(owner, app[0])  # what the notifier reads for the business's app
        assert found is not None and found.settings.interactive_replies is False
    finally:
        owner.close()
    details = row(console, "select details from audit_log where organization_id = %s order by id desc limit 1", org)
    assert details is not None and details[0]["changed"]["interactive_replies"] is False
    unticked = checkbox.search(client.get("/console/settings").text)
    assert unticked is not None and unticked.group(1) is None

    post(client, "/console/settings", "/console/settings", **PERSONA, interactive_replies="on")
    assert row(console, "select interactive_replies from agent_settings where organization_id = %s", org) == (True,)


def test_the_emergency_number_is_defaulted_checked_stored_audited_and_reaches_the_prompt(console: Console) -> None:
    """Issue 25: what the assistant tells a customer to call in an emergency, per business."""
    org = business(console)
    app = row(console, "select app_name from platform_connections where organization_id = %s", org)
    assert app is not None
    client = console.signed_in(org)
    page = client.get("/console/settings")
    assert 'id="emergency_number"' in page.text and words("es")["set_emergency_number_help"] in page.text

    # Left empty: the time zone's default (America/Lima: 106).
    assert post(client, "/console/settings", "/console/settings", **PERSONA, emergency_number="").status_code == 303
    assert emergency_number(console, org) == "106"
    assert 'value="106"' in client.get("/console/settings").text

    # Typed (with spaces): stored as digits, audited, and what the assistant's prompt says.
    madrid = {**PERSONA, "timezone": "Europe/Madrid", "emergency_number": " 0 6 1 "}
    assert post(client, "/console/settings", "/console/settings", **madrid).status_code == 303
    assert emergency_number(console, org) == "061"
    details = row(console, "select details from audit_log where organization_id = %s order by id desc limit 1", org)
    assert details is not None and details[0]["changed"]["emergency_number"] == "061"
    owner = Database(console.owner_url)
    try:
        found = resolve_by_app(owner, app[0])  # what the processor reads for the business's app
        assert found is not None
        assert "di que llame ya al 061 y usa escalate_to_human." in static_prompt(persona_of(found))
    finally:
        owner.close()

    # Refused readably, nothing written: not a number; a zone with no default and no number.
    before, lines = persona(console, org), len(audit(console, org))
    for values, sentence in [
        ({**PERSONA, "emergency_number": "llama al 112"}, words("es")["set_bad_emergency_number"]),
        ({**PERSONA, "emergency_number": "1"}, words("es")["set_bad_emergency_number"]),
        ({**PERSONA, "timezone": "America/Bogota", "emergency_number": ""}, words("es")["set_emergency_number_needed"]),
    ]:
        answer = post(client, "/console/settings", "/console/settings", **values)
        assert answer.status_code == 400 and sentence in answer.text, values
        assert f'value="{values["emergency_number"]}"' in answer.text  # what was typed is kept
    assert persona(console, org) == before and emergency_number(console, org) == "061"
    assert len(audit(console, org)) == lines

    # A zone with no default takes the number it is given.
    bogota = {**PERSONA, "timezone": "America/Bogota", "emergency_number": "123"}
    assert post(client, "/console/settings", "/console/settings", **bogota).status_code == 303
    assert emergency_number(console, org) == "123"


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "UTC+3", "../etc/passwd", "", "CEST", "europe/madrid", "localtime"]
)
def test_a_bad_time_zone_is_refused_readably_and_nothing_is_written(console: Console, zone: str) -> None:
    org = business(console)
    client = console.signed_in(org)
    before = persona(console, org)
    answer = post(client, "/console/settings", "/console/settings", **{**PERSONA, "timezone": zone})
    assert answer.status_code == 400
    assert 'id="error"' in answer.text and "Esa zona horaria no existe" in answer.text
    assert 'value="Marta"' in answer.text  # what was typed is kept
    assert persona(console, org) == before
    assert audit(console, org) == []


def test_out_of_range_booking_values_are_refused(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    before = persona(console, org)
    for field, value, sentence in [
        ("slot_step_minutes", "3", "El intervalo va de 5 a 120 minutos."),
        ("booking_horizon_days", "400", "Se puede reservar con 1 a 365 días"),
        ("booking_lead_minutes", "-5", "La antelación mínima"),
        ("language", "fr", "Elige uno de los idiomas de la lista."),
        ("assistant_name", "   ", "entre 1 y 60 caracteres"),
    ]:
        answer = post(client, "/console/settings", "/console/settings", **{**PERSONA, field: value})
        assert answer.status_code == 400 and sentence in answer.text, field
    assert persona(console, org) == before
    assert audit(console, org) == []


def test_a_change_whose_audit_line_fails_is_not_stored(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window between a setting's change and its audit line: one transaction, so a failure
    there changes nothing (no change reaches customers without its line)."""
    org = business(console)
    owner = console.signed_in(org)
    before = persona(console, org)

    def audit_fails(*args: object, **kwargs: object) -> None:
        raise psycopg.errors.QueryCanceled("statement timeout")

    monkeypatch.setattr("receptionist.console.services.settings.base.record_audit", audit_fails)
    crashing = TestClient(
        console.app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )
    crashing.cookies = owner.cookies
    assert post(crashing, "/console/settings", "/console/settings", **PERSONA).status_code == 500
    assert persona(console, org) == before
    assert audit(console, org) == []
