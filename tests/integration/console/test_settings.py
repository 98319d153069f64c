"""The console's settings on their real parts (Cognito in moto, PostgreSQL as the functions' role):
owners only, every change stored and audited, values refused readably with nothing written,
CSRF on every post, another business's ids are 404, the Gupshup key only a parameter name
under the stage's prefix. Each test makes its own business (seeded ones are left alone)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from console_kit import CHANGES, CLINIC, Console, csrf
from fastapi.testclient import TestClient

from devstack.template import function_env
from receptionist.agent.prompts import static_prompt
from receptionist.agent.runner import persona_of
from receptionist.console.i18n_settings import TEXTS
from receptionist.console.settings_service import gupshup_keys_prefix
from receptionist.crm import catalogue
from receptionist.crm.connection import Database
from receptionist.crm.organizations import resolve_by_app

STAGE_KEYS = "/receptionist/dev/gupshup/"
CLINIC_SERVICE = "00000000-0000-4000-8001-000000000001"
CLINIC_ENTRY = "00000000-0000-4000-8005-000000000001"
CLINIC_MEMBER = "00000000-0000-4000-8002-000000000001"
CLINIC_CONNECTION = "00000000-0000-4000-8000-000000000002"


@pytest.fixture(autouse=True)
def console_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console function's environment as the template gives it (the Gupshup keys prefix is
    derived from its database-url parameter's stage)."""
    env = function_env("ConsoleFunction")
    monkeypatch.setenv("DATABASE_URL_PARAM", env["DATABASE_URL_PARAM"])
    monkeypatch.delenv("GUPSHUP_KEYS_PATH", raising=False)


@pytest.fixture
def crm(app_url: str) -> Iterator[Database]:
    database = Database(app_url)
    yield database
    database.close()


def business(console: Console) -> str:
    """A new business of its own: organization, persona, a Gupshup app, notification settings."""
    org, app = str(uuid.uuid4()), f"Prueba{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        conn.execute("insert into agent_settings (organization_id, assistant_name) values (%s, 'Ana')", (org,))
        conn.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000099', %s)",
            (org, app, f"{STAGE_KEYS}{app}"),
        )
        conn.execute("insert into notification_settings (organization_id) values (%s)", (org,))
    return org


def staff_member(console: Console, organization: str) -> TestClient:
    """A signed-in account of `organization` with role 'staff' (not the owner)."""
    return console.signed_in(organization, "staff")


def post(client: TestClient, path: str, page: str, **fields: Any) -> Any:
    """A form post with the CSRF token of `page` (where the form is)."""
    return client.post(path, data={"csrf_token": csrf(client, page), **fields})


def row(console: Console, sql: str, *params: Any) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(sql, params).fetchone()


def rows(console: Console, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(sql, params).fetchall()


def audit(console: Console, organization: str) -> list[tuple[str, str, str | None]]:
    return [
        (str(a), str(b), c)
        for a, b, c in rows(
            console,
            f"select actor, action, target from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            organization,
        )
    ]


def persona(console: Console, organization: str) -> tuple[Any, ...] | None:
    return row(
        console,
        "select assistant_name, tone, instructions, language, timezone, booking_lead_minutes, booking_horizon_days,"
        " slot_step_minutes from agent_settings where organization_id = %s",
        organization,
    )


PERSONA = {
    "assistant_name": "Marta",
    "tone": "formal; trata de usted",
    "instructions": "Nunca des precios de implantes.",
    "language": "en",
    "timezone": "America/Lima",
    "booking_lead_minutes": "30",
    "booking_horizon_days": "90",
    "slot_step_minutes": "20",
}


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


def emergency_number(console: Console, organization: str) -> str | None:
    found = row(console, "select emergency_number from agent_settings where organization_id = %s", organization)
    assert found is not None
    return found[0]  # type: ignore[no-any-return]


def test_the_emergency_number_is_defaulted_checked_stored_audited_and_reaches_the_prompt(console: Console) -> None:
    """Issue 25: what the assistant tells a customer to call in an emergency, per business."""
    org = business(console)
    app = row(console, "select app_name from platform_connections where organization_id = %s", org)
    assert app is not None
    client = console.signed_in(org)
    page = client.get("/console/settings")
    assert 'id="emergency_number"' in page.text and TEXTS["es"]["set_emergency_number_help"] in page.text

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
    for values, words in [
        ({**PERSONA, "emergency_number": "llama al 112"}, TEXTS["es"]["set_bad_emergency_number"]),
        ({**PERSONA, "emergency_number": "1"}, TEXTS["es"]["set_bad_emergency_number"]),
        ({**PERSONA, "timezone": "America/Bogota", "emergency_number": ""}, TEXTS["es"]["set_emergency_number_needed"]),
    ]:
        answer = post(client, "/console/settings", "/console/settings", **values)
        assert answer.status_code == 400 and words in answer.text, values
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
    for field, value, words in [
        ("slot_step_minutes", "3", "El intervalo va de 5 a 120 minutos."),
        ("booking_horizon_days", "400", "Se puede reservar con 1 a 365 días"),
        ("booking_lead_minutes", "-5", "La antelación mínima"),
        ("language", "fr", "Elige español o inglés."),
        ("assistant_name", "   ", "entre 1 y 60 caracteres"),
    ]:
        answer = post(client, "/console/settings", "/console/settings", **{**PERSONA, field: value})
        assert answer.status_code == 400 and words in answer.text, field
    assert persona(console, org) == before
    assert audit(console, org) == []


def test_staff_numbers_are_checked_and_stored(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = "/console/settings/notifications"
    answer = post(client, page, page, staff_numbers="+34 600 111 222\n12345", escalation_template_id="aviso")
    assert answer.status_code == 400 and "Algún número no es válido" in answer.text
    assert row(console, "select staff_numbers from notification_settings where organization_id = %s", org) == ([],)
    answer = post(client, page, page, staff_numbers="+34 600 111 222", escalation_template_params="customer_name, x")
    assert answer.status_code == 400 and "Parámetros desconocidos" in answer.text
    assert audit(console, org) == []

    answer = post(
        client,
        page,
        page,
        staff_numbers="+34 600 111 222\n0051 987 654 321, 34600111222",
        escalation_template_id="aviso_escalada",
        escalation_template_params="customer_number, reason",
    )
    assert answer.status_code == 303
    assert row(
        console,
        "select staff_numbers, escalation_template_id, escalation_template_params from notification_settings"
        " where organization_id = %s",
        org,
    ) == (["34600111222", "51987654321"], "aviso_escalada", ["customer_number", "reason"])
    [(_, action, _)] = audit(console, org)
    assert action == "settings_notifications"
    details = row(console, f"select details from audit_log where organization_id = %s and {CHANGES}", org)  # noqa: S608
    assert details is not None and "34600111222" not in str(details[0])  # counted, not listed
    assert "34600111222" in client.get(page).text


def test_a_service_and_a_knowledge_entry_are_created_and_show_in_the_crm(console: Console, crm: Database) -> None:
    org = business(console)
    client = console.signed_in(org)
    services = "/console/settings/services"
    answer = post(
        client,
        services,
        services,
        name="Limpieza exprés",
        description="Limpieza rápida con ultrasonidos.",
        duration_minutes="20",
        price="19,90",
        currency="eur",
        bookable="on",
    )
    assert answer.status_code == 303, answer.text
    with crm.acting_for(org):
        [service] = catalogue.list_services(crm, org)
        found = catalogue.knowledge_search(crm, org, "limpieza expres")  # by text, before any embedding
    assert (service.name, service.duration_minutes, service.price_cents, service.currency, service.bookable) == (
        "Limpieza exprés",
        20,
        1990,
        "EUR",
        True,
    )
    assert found and found[0].id == service.id
    page = client.get(services)
    assert "Limpieza exprés" in page.text and "receptionist.ops.reembed" in page.text

    # Edited (price on request, not bookable), then withdrawn: customers no longer see it.
    one = f"{services}/{service.id}"
    assert client.get(one).status_code == 200
    answer = post(client, one, one, name="Limpieza exprés", duration_minutes="25", price="", currency="EUR")
    assert answer.status_code == 303
    with crm.acting_for(org):
        edited = catalogue.get_service(crm, org, service.id)
    assert edited is not None and (edited.duration_minutes, edited.price_cents, edited.bookable) == (25, None, False)
    assert post(client, f"{one}/active", services).status_code == 303
    with crm.acting_for(org):
        assert catalogue.list_services(crm, org) == []
    # A second service of the same name is refused readably.
    answer = post(client, services, services, name="Limpieza exprés", duration_minutes="20", currency="EUR")
    assert answer.status_code == 400 and "Ya hay un servicio con ese nombre." in answer.text

    knowledge = "/console/settings/knowledge"
    answer = post(client, knowledge, knowledge, title="Aparcamiento", body="Hay parking gratuito en la calle de atrás.")
    assert answer.status_code == 303
    with crm.acting_for(org):
        [entry] = catalogue.catalogue(crm, org).entries
    assert (entry.title, entry.body) == ("Aparcamiento", "Hay parking gratuito en la calle de atrás.")
    answer = post(client, f"{knowledge}/{entry.id}", f"{knowledge}/{entry.id}", title="Parking", body="Gratis.")
    assert answer.status_code == 303
    assert post(client, f"{knowledge}/{entry.id}/delete", knowledge).status_code == 303
    with crm.acting_for(org):
        assert catalogue.catalogue(crm, org).entries == []
    assert [a for _, a, _ in audit(console, org)] == [
        "settings_service_create",
        "settings_service_update",
        "settings_service_active",
        "settings_entry_create",
        "settings_entry_update",
        "settings_entry_delete",
    ]


def test_member_services_hours_and_time_off_are_stored(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    services = "/console/settings/services"
    post(client, services, services, name="Corte", duration_minutes="30", price="20", currency="EUR", bookable="on")
    [(service_id,)] = rows(console, "select id::text from services where organization_id = %s", org)

    staff = "/console/settings/staff"
    answer = post(client, staff, staff, name="Rosa", active="on")
    assert answer.status_code == 303
    member_page = answer.headers["location"].split("?")[0]
    member = member_page.rsplit("/", 1)[1]
    assert row(console, "select name, active from members where id = %s and organization_id = %s", member, org) == (
        "Rosa",
        True,
    )

    # Services offered: another business's service id is ignored.
    answer = client.post(
        f"{member_page}/services",
        data={"csrf_token": csrf(client, member_page), "service_id": [service_id, CLINIC_SERVICE]},
    )
    assert answer.status_code == 303
    assert rows(console, "select service_id::text from member_services where member_id = %s", member) == [(service_id,)]

    # Weekly hours: a split shift and midnight; an overlap is refused readably.
    assert (
        post(client, f"{member_page}/hours", member_page, weekday="1", starts="09:00", ends="14:00").status_code == 303
    )
    assert (
        post(client, f"{member_page}/hours", member_page, weekday="1", starts="16:00", ends="24:00").status_code == 303
    )
    answer = post(client, f"{member_page}/hours", member_page, weekday="1", starts="13:00", ends="15:00")
    assert answer.status_code == 400 and "se solapa" in answer.text
    answer = post(client, f"{member_page}/hours", member_page, weekday="2", starts="18:00", ends="10:00")
    assert answer.status_code == 400 and "el final debe ser posterior" in answer.text
    assert rows(
        console,
        "select weekday, starts::text, ends::text from member_hours where member_id = %s order by starts",
        member,
    ) == [(1, "09:00:00", "14:00:00"), (1, "16:00:00", "24:00:00")]
    assert re.search(r"16:00\W24:00", client.get(member_page).text)

    # Time off in the business's local time (Europe/Madrid by default: CET in December).
    answer = post(
        client,
        f"{member_page}/time-off",
        member_page,
        off_starts="2026-12-24T09:00",
        off_ends="2026-12-24T14:00",
        reason="Médico",
    )
    assert answer.status_code == 303
    assert rows(
        console,
        "select to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), reason from member_time_off"
        " where member_id = %s",
        member,
    ) == [("2026-12-24 08:00", "Médico")]
    # The whole business closed for a day.
    answer = post(client, f"{staff}/closures", staff, off_starts="2026-12-25T00:00", off_ends="2026-12-26T00:00")
    assert answer.status_code == 303
    assert rows(
        console, "select count(*) from member_time_off where organization_id = %s and member_id is null", org
    ) == [(1,)]

    # Renamed and off the rota; an hours row deleted.
    assert post(client, member_page, member_page, name="Rosa Q.").status_code == 303
    assert row(console, "select name, active from members where id = %s", member) == ("Rosa Q.", False)
    [(hours_id,)] = rows(console, "select id::text from member_hours where member_id = %s and starts = '09:00'", member)
    assert post(client, f"{member_page}/hours/{hours_id}/delete", member_page).status_code == 303
    assert rows(console, "select count(*) from member_hours where member_id = %s", member) == [(1,)]
    assert [a for _, a, _ in audit(console, org)] == [
        "settings_service_create",
        "settings_member_create",
        "settings_member_services",
        "settings_hours_add",
        "settings_hours_add",
        "settings_time_off_add",
        "settings_time_off_add",
        "settings_member_update",
        "settings_hours_delete",
    ]


def test_a_staff_account_gets_403(console: Console) -> None:
    org = business(console)
    client = staff_member(console, org)
    assert "nav-settings" not in client.get("/console/inbox").text
    for path in (
        "/console/settings",
        "/console/settings/services",
        "/console/settings/staff",
        "/console/settings/whatsapp",
    ):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert "Solo la cuenta propietaria" in answer.text
    before = persona(console, org)
    token = csrf(client, "/console/inbox")
    assert client.post("/console/settings", data={"csrf_token": token, **PERSONA}).status_code == 403
    assert client.post("/console/settings/staff", data={"csrf_token": token, "name": "Intruso"}).status_code == 403
    assert persona(console, org) == before
    assert rows(console, "select count(*) from members where organization_id = %s", org) == [(0,)]
    assert audit(console, org) == []


def test_another_business_ids_are_404_and_unchanged(console: Console) -> None:
    mine, theirs = business(console), business(console)
    other = console.signed_in(theirs)
    post(other, "/console/settings/services", "/console/settings/services", name="Tinte", duration_minutes="60")
    post(other, "/console/settings/knowledge", "/console/settings/knowledge", title="Horario", body="De 9 a 18.")
    member_page = post(other, "/console/settings/staff", "/console/settings/staff", name="Jorge").headers["location"]
    member = member_page.split("?")[0].rsplit("/", 1)[1]
    post(
        other,
        f"/console/settings/staff/{member}/hours",
        "/console/settings/staff",
        weekday="2",
        starts="10:00",
        ends="18:00",
    )
    post(
        other,
        f"/console/settings/staff/{member}/time-off",
        "/console/settings/staff",
        off_starts="2026-12-31T09:00",
        off_ends="2026-12-31T18:00",
    )
    [(service,)] = rows(console, "select id::text from services where organization_id = %s", theirs)
    [(entry,)] = rows(console, "select id::text from knowledge_entries where organization_id = %s", theirs)
    [(hours,)] = rows(console, "select id::text from member_hours where organization_id = %s", theirs)
    [(off,)] = rows(console, "select id::text from member_time_off where organization_id = %s", theirs)
    [(connection,)] = rows(console, "select id::text from platform_connections where organization_id = %s", theirs)
    snapshot = _everything(console, theirs)

    client = console.signed_in(mine)
    token = csrf(client, "/console/settings")
    for path in (
        f"/console/settings/services/{service}",
        f"/console/settings/knowledge/{entry}",
        f"/console/settings/staff/{member}",
        f"/console/settings/services/{CLINIC_SERVICE}",
        f"/console/settings/knowledge/{CLINIC_ENTRY}",
        f"/console/settings/staff/{CLINIC_MEMBER}",
        "/console/settings/services/not-an-id",
        "/console/settings/staff/not-an-id",
    ):
        assert client.get(path).status_code == 404, path
    for path, fields in [
        (f"/console/settings/services/{service}", {"name": "Mío", "duration_minutes": "30"}),
        (f"/console/settings/services/{service}/active", {}),
        (f"/console/settings/knowledge/{entry}", {"title": "Mío", "body": "Mío"}),
        (f"/console/settings/knowledge/{entry}/delete", {}),
        (f"/console/settings/staff/{member}", {"name": "Mío"}),
        (f"/console/settings/staff/{member}/services", {"service_id": service}),
        (f"/console/settings/staff/{member}/hours", {"weekday": "3", "starts": "09:00", "ends": "10:00"}),
        (f"/console/settings/staff/{member}/hours/{hours}/delete", {}),
        (
            f"/console/settings/staff/{member}/time-off",
            {"off_starts": "2026-12-01T09:00", "off_ends": "2026-12-01T10:00"},
        ),
        (f"/console/settings/staff/{member}/time-off/{off}/delete", {}),
        (f"/console/settings/staff/closures/{off}/delete", {}),
        (
            f"/console/settings/whatsapp/{connection}",
            {"business_number": "34600000000", "api_key_ref": STAGE_KEYS + "x"},
        ),
        (f"/console/settings/whatsapp/{CLINIC_CONNECTION}", {"business_number": "34600000000"}),
    ]:
        assert client.post(path, data={"csrf_token": token, **fields}).status_code == 404, path
    assert _everything(console, theirs) == snapshot
    assert audit(console, mine) == []


def _everything(console: Console, organization: str) -> list[Any]:
    return [
        rows(console, f"select * from {table} where organization_id = %s order by 1", organization)  # noqa: S608
        for table in (
            "agent_settings",
            "services",
            "knowledge_entries",
            "members",
            "member_services",
            "member_hours",
            "member_time_off",
            "notification_settings",
            "platform_connections",
        )
    ]


def test_a_post_without_its_csrf_token_is_403_and_changes_nothing(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    before = _everything(console, org)
    assert client.post("/console/settings", data=PERSONA).status_code == 403
    assert client.post("/console/settings", data={**PERSONA, "csrf_token": "0" * 64}).status_code == 403
    other = console.signed_in(org)  # another browser's token fits only its own cookie
    foreign = csrf(other, "/console/settings")
    assert client.post("/console/settings", data={**PERSONA, "csrf_token": foreign}).status_code == 403
    assert client.post("/console/settings/staff", data={"name": "Sin token"}).status_code == 403
    assert client.post("/console/settings/services", data={"name": "X", "duration_minutes": "30"}).status_code == 403
    assert client.post("/console/settings/notifications", data={"staff_numbers": "34600111222"}).status_code == 403
    assert _everything(console, org) == before
    assert audit(console, org) == []


@pytest.mark.parametrize(
    "ref",
    [
        "/receptionist/dev/database-url",  # a real secret's name, outside the keys prefix
        "/receptionist/dev/gupshup/ClinicaSonrisa",  # another business's app key
        "/receptionist/dev/gupshup/../database-url",
        "sk-live-1234567890",  # a key pasted instead of a name
    ],
)
def test_an_owner_cannot_point_a_connection_at_another_key(console: Console, ref: str) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = "/console/settings/whatsapp"
    [(connection, app)] = rows(
        console, "select id::text, app_name from platform_connections where organization_id = %s", org
    )
    answer = post(client, f"{page}/{connection}", page, business_number="34910000124", api_key_ref=ref, active="on")
    assert answer.status_code == 303
    # The number changed; the key is still its own app's, whatever the form said.
    assert row(console, "select business_number, api_key_ref from platform_connections where id = %s", connection) == (
        "34910000124",
        f"{STAGE_KEYS}{app}",
    )


def test_an_owner_cannot_claim_a_gupshup_app(console: Console) -> None:
    """The app name routes callbacks to a business: connecting one is ops' job, never an owner's
    (another business's app, or one not onboarded yet, would bring its customers' messages)."""
    org = business(console)
    client = console.signed_in(org)
    page = "/console/settings/whatsapp"
    assert "receptionist.ops.onboard" in client.get(page).text
    before = _everything(console, org)
    for app in ("SalonLima", f"Nueva{uuid.uuid4().hex[:8]}"):
        fields = {"app_name": app, "business_number": "34910000123", "api_key_ref": f"{STAGE_KEYS}{app}"}
        assert post(client, page, page, **fields).status_code in (404, 405)
        assert post(client, f"{page}/{CLINIC_CONNECTION}", page, **fields).status_code == 404  # another's row
    assert _everything(console, org) == before
    assert rows(console, "select organization_id::text from platform_connections where app_name = 'SalonLima'") != [
        (org,)
    ]


def test_a_gupshup_connection_is_edited_and_audited(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    page = "/console/settings/whatsapp"
    [(connection, app)] = rows(
        console, "select id::text, app_name from platform_connections where organization_id = %s", org
    )
    assert f"{STAGE_KEYS}{app}" in client.get(page).text
    answer = post(client, f"{page}/{connection}", page, app_name="OtroNombre", business_number="+34 910 000 124")
    assert answer.status_code == 303
    assert row(
        console,
        "select app_name, business_number, api_key_ref, active from platform_connections where id = %s",
        connection,
    ) == (app, "34910000124", f"{STAGE_KEYS}{app}", False)
    actions = audit(console, org)
    assert [a for _, a, _ in actions] == ["settings_connection_update"]
    assert actions[0][2] == connection


def test_the_settings_pages_speak_english_and_escape(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    post(client, "/console/settings/knowledge", "/console/settings/knowledge", title="<script>x</script>", body="<b>")
    client.get("/console/lang/en")
    for path in (
        "/console/settings",
        "/console/settings/services",
        "/console/settings/knowledge",
        "/console/settings/staff",
        "/console/settings/notifications",
        "/console/settings/whatsapp",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'lang="en"' in page.text and "Settings" in page.text
        assert len(re.findall(r'name="csrf_token"', page.text)) >= 2  # sign-out + the page's forms
    page = client.get("/console/settings/knowledge")
    assert "<script>x</script>" not in page.text and "&lt;script&gt;x&lt;/script&gt;" in page.text


def test_every_settings_word_exists_in_both_languages() -> None:
    assert set(TEXTS["es"]) == set(TEXTS["en"])
    assert all(key.startswith("set_") for key in TEXTS["es"])
    # Every message the code can raise has its sentence.
    root = Path(__file__).resolve().parents[3] / "layers/shared/receptionist"
    sources = (root / "crm/settings.py").read_text() + (root / "console/settings_service.py").read_text()
    codes = set(re.findall(r'"(set_[a-z_]+)"', sources))
    assert codes and codes <= set(TEXTS["es"]), codes - set(TEXTS["es"])
    templates = "".join(p.read_text() for p in (root / "console/templates").glob("settings_*.html"))
    used = set(re.findall(r"t\.(set_[a-z_0-9]+)", templates))
    assert used <= set(TEXTS["es"]), used - set(TEXTS["es"])


def test_the_gupshup_keys_prefix_comes_from_the_stage() -> None:
    assert (
        gupshup_keys_prefix({"DATABASE_URL_PARAM": "/receptionist/prod/database-url"}) == "/receptionist/prod/gupshup/"
    )
    assert gupshup_keys_prefix({"GUPSHUP_KEYS_PATH": "/receptionist/dev/gupshup"}) == "/receptionist/dev/gupshup/"
    assert gupshup_keys_prefix({"DATABASE_URL_PARAM": "/elsewhere/database-url"}) is None
    assert gupshup_keys_prefix({}) is None


def test_an_owner_of_the_seeded_clinic_sees_its_settings(console: Console) -> None:
    client = console.signed_in(CLINIC)
    assert "Sofía" in client.get("/console/settings").text
    assert "Limpieza dental" in client.get("/console/settings/services").text
    assert "Dra. Laura Gómez" in client.get("/console/settings/staff").text
    assert "ClinicaSonrisa" in client.get("/console/settings/whatsapp").text
    assert "34699000001" in client.get("/console/settings/notifications").text
