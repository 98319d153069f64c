"""The templates page on its real parts (the console as its own database role, Cognito in moto) and
the local Gupshup server over HTTP: the list with each status, the sync button (and Gupshup failing
behind it), submitting a template and seeing its status change, the app id on the WhatsApp page,
and only approved templates selectable for reminders, staff notices and a conversation's replies.
Each test makes its own business and Gupshup app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import psycopg
import pytest
from console_kit import Console, csrf
from fastapi.testclient import TestClient
from settings_kit import STAGE_KEYS, audit, business, post, row, rows

from devstack.fakes.gupshup import FakeGupshup, HostedTemplate
from receptionist.adapters.gupshup_templates import GupshupTemplates
from receptionist.crm import templates as template_rows
from receptionist.secrets import SecretUnavailableError

KEY = "key-of-the-app"
PAGE = "/console/settings/templates"


@pytest.fixture
def gupshup(console: Console) -> Iterator[FakeGupshup]:
    """The local Gupshup server, and the console's parts pointed at it (the app's key read by name
    under the stage's prefix, as from SSM)."""

    def app_key(name: str) -> str:
        if not name.startswith(STAGE_KEYS):
            raise SecretUnavailableError(f"secret parameter {name} could not be read")
        return KEY

    with (
        FakeGupshup(api_key=KEY, hang_seconds=3) as fake,
        console.parts_changed(template_api=GupshupTemplates(fake.url, timeout=1.0), app_key=app_key),
    ):
        yield fake


def with_app(console: Console) -> tuple[str, str, str]:
    """A business of its own whose connection has a Gupshup app id: (organization, app id, connection)."""
    org, app_id = business(console), str(uuid.uuid4())
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update platform_connections set gupshup_app_id = %s where organization_id = %s", (app_id, org))
        found = conn.execute("select id::text from platform_connections where organization_id = %s", (org,)).fetchone()
    assert found is not None
    return org, app_id, found[0]


def hosted(gupshup: FakeGupshup, app_id: str, name: str, status: str = "APPROVED", **more: Any) -> HostedTemplate:
    template = HostedTemplate(
        f"id-{uuid.uuid4().hex[:8]}", name, "Hola {{1}}, tu cita es el {{2}}.", status=status, **more
    )
    gupshup.add_template(app_id, template)
    return template


def statuses(console: Console, org: str) -> dict[str, tuple[str, bool]]:
    return {
        str(t): (str(s), bool(r))
        for t, s, r in rows(
            console,
            "select template_id, status, removed_at is not null from message_templates where organization_id = %s",
            org,
        )
    }


def sync(client: TestClient) -> Any:
    return post(client, f"{PAGE}/sync", PAGE)


def test_the_sync_button_reads_gupshup_and_the_page_lists_every_status(console: Console, gupshup: FakeGupshup) -> None:
    org, app_id, connection = with_app(console)
    approved = hosted(gupshup, app_id, "recordatorio", buttons=("Confirmar", "Cancelar", "Cambiar"))
    rejected = hosted(gupshup, app_id, "promo_rechazada", status="REJECTED", reason="INCORRECT_CATEGORY")
    client = console.signed_in(org)
    assert 'id="no-templates"' in client.get(PAGE).text

    answer = sync(client)
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?notice=synced"
    assert statuses(console, org) == {approved.id: ("APPROVED", False), rejected.id: ("REJECTED", False)}
    page = client.get(answer.headers["location"]).text
    assert "Plantillas leídas de Gupshup." in page
    assert f'data-template="{approved.id}" data-status="APPROVED" data-usable="yes"' in page
    assert f'data-template="{rejected.id}" data-status="REJECTED" data-usable="no"' in page
    assert "Rechazada" in page and "INCORRECT_CATEGORY" in page and "Confirmar" in page
    assert 'data-error=""' in page and f'data-connection="{connection}"' in page
    [(_, action, target)] = audit(console, org)
    assert (action, target) == ("settings_templates_synced", org)


@pytest.mark.parametrize(("failure", "sentence"), [("500", "Gupshup no responde"), ("garbage", "no es una lista")])
def test_gupshup_failing_behind_the_button_keeps_the_templates_and_says_so(
    console: Console, gupshup: FakeGupshup, failure: str, sentence: str
) -> None:
    org, app_id, _ = with_app(console)
    kept = hosted(gupshup, app_id, "recordatorio")
    client = console.signed_in(org)
    sync(client)
    gupshup.remove_template(app_id, kept.id)

    gupshup.fail_next(failure)
    answer = sync(client)
    assert answer.status_code == 502 and sentence in answer.text
    assert statuses(console, org) == {kept.id: ("APPROVED", False)}  # never wiped
    assert "La última lectura falló" in client.get(PAGE).text  # the connection remembers why
    assert [a for _, a, _ in audit(console, org)] == ["settings_templates_synced", "settings_templates_synced"]


def test_a_template_gupshup_no_longer_lists_is_shown_as_gone_and_cannot_be_chosen(
    console: Console, gupshup: FakeGupshup
) -> None:
    org, app_id, _ = with_app(console)
    gone = hosted(gupshup, app_id, "antigua")
    client = console.signed_in(org)
    sync(client)
    gupshup.remove_template(app_id, gone.id)
    sync(client)
    assert statuses(console, org) == {gone.id: ("APPROVED", True)}
    assert "Ya no está en Gupshup" in client.get(PAGE).text
    reminders = client.get("/console/settings/reminders").text
    assert f'value="{gone.id}"  disabled' in reminders or f'value="{gone.id}" disabled' in reminders


def test_an_owner_submits_a_template_and_sees_its_status_change(console: Console, gupshup: FakeGupshup) -> None:
    org, app_id, _ = with_app(console)
    client = console.signed_in(org)
    fields = {
        "name": "recordatorio_nuevo",
        "language": "es",
        "category": "UTILITY",
        "body": "Hola {{1}}, te esperamos el {{2}}.",
        "examples": "Lucía\nlunes a las 10:00",
        "footer": "Clínica",
        "button_1": "Confirmar",
        "button_2": "Cancelar",
    }
    answer = post(client, PAGE, PAGE, **fields)
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?notice=submitted"
    [made] = gupshup.templates(app_id)
    form = gupshup.received(f"/wa/app/{app_id}/template")[-1].form()
    assert form["example"] == "Hola Lucía, te esperamos el lunes a las 10:00." and form["footer"] == "Clínica"
    assert statuses(console, org) == {made.id: ("PENDING", False)}
    assert "Pendiente de aprobación" in client.get(PAGE).text
    assert ("settings_template_submitted", made.id) in [(a, t) for _, a, t in audit(console, org)]
    # Meta approves it: the next sync (the button, or the daily one) shows it approved and choosable.
    gupshup.set_template_status(app_id, made.id, "APPROVED")
    sync(client)
    assert statuses(console, org) == {made.id: ("APPROVED", False)}
    reminders = client.get("/console/settings/reminders").text
    assert f'data-template="{made.id}" data-usable="yes"' in reminders


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"name": "Con Mayúsculas"}, "solo admite minúsculas"),
        ({"language": "klingon"}, "Elige uno de los idiomas"),
        ({"category": "AUTHENTICATION"}, "Elige la categoría"),
        ({"body": ""}, "de 1 a 1.024 caracteres"),
        ({"body": "Hola {{2}}"}, "numerados desde {{1}}"),
        ({"body": "Hola {{1}}, el {{2}}", "examples": "Lucía"}, "Da un ejemplo"),
        ({"examples": ""}, "Da un ejemplo"),
        ({"button_1": "Un botón con un texto muy largo"}, "Los botones"),
        ({"button_1": "Sí", "button_2": "Sí"}, "Los botones"),
        ({"footer": "x" * 61}, "El pie admite"),
    ],
)
def test_a_template_to_correct_is_refused_with_a_sentence_and_nothing_submitted(
    console: Console, gupshup: FakeGupshup, fields: dict[str, str], sentence: str
) -> None:
    org, app_id, _ = with_app(console)
    client = console.signed_in(org)
    good = {"name": "aviso", "language": "es", "category": "UTILITY", "body": "Hola {{1}}", "examples": "Ana"}
    answer = post(client, PAGE, PAGE, **(good | fields))
    assert answer.status_code == 400 and sentence in answer.text
    assert gupshup.received(f"/wa/app/{app_id}/template") == [] and statuses(console, org) == {}


def test_gupshup_refusing_a_submission_or_being_down_is_a_sentence(console: Console, gupshup: FakeGupshup) -> None:
    org, _, _ = with_app(console)
    client = console.signed_in(org)
    fields = {"name": "aviso", "language": "es", "category": "UTILITY", "body": "Hola {{1}}", "examples": "Ana"}
    assert post(client, PAGE, PAGE, **fields).status_code == 303
    again = post(client, PAGE, PAGE, **fields)
    assert again.status_code == 400 and "ya tiene una plantilla con ese nombre" in again.text
    gupshup.fail_next("500")
    down = post(client, PAGE, PAGE, **(fields | {"name": "otro"}))
    assert down.status_code == 400 and "no se ha enviado nada" in down.text
    assert len(statuses(console, org)) == 1


def test_a_submission_whose_record_fails_after_gupshup_took_it_appears_with_the_next_sync(
    console: Console, gupshup: FakeGupshup
) -> None:
    """The window between Gupshup taking the template and the row being written: the request dies
    there; Gupshup has it, so the next sync writes it (and nothing was audited as submitted)."""
    org, app_id, _ = with_app(console)
    client = console.signed_in(org)
    fields = {"name": "aviso_caido", "language": "es", "category": "UTILITY", "body": "Hola {{1}}", "examples": "Ana"}
    crash = RuntimeError("the database went away after Gupshup answered")
    with mock.patch.object(template_rows, "record_submitted", side_effect=crash), pytest.raises(RuntimeError):
        post(client, PAGE, PAGE, **fields)
    [made] = gupshup.templates(app_id)
    assert statuses(console, org) == {} and audit(console, org) == []
    sync(client)
    assert statuses(console, org) == {made.id: ("PENDING", False)}


def test_without_an_app_id_the_page_says_where_to_set_it_and_the_whatsapp_page_sets_it(
    console: Console, gupshup: FakeGupshup
) -> None:
    org = business(console)
    client = console.signed_in(org)
    assert 'id="app-id-missing"' in client.get(PAGE).text
    answer = sync(client)
    assert answer.status_code == 502 and "Falta el id de la app de Gupshup" in answer.text
    fields = {"name": "aviso", "language": "es", "category": "UTILITY", "body": "Hola", "examples": ""}
    assert "Falta el id de la app" in post(client, PAGE, PAGE, **fields).text

    connection = row(console, "select id::text from platform_connections where organization_id = %s", org)
    assert connection is not None
    whatsapp = "/console/settings/whatsapp"
    bad = post(client, f"{whatsapp}/{connection[0]}/app-id", whatsapp, gupshup_app_id="no vale/..")
    assert bad.status_code == 400 and "solo admite letras, cifras y guiones" in bad.text
    app_id = str(uuid.uuid4())
    assert post(client, f"{whatsapp}/{connection[0]}/app-id", whatsapp, gupshup_app_id=app_id).status_code == 303
    assert row(console, "select gupshup_app_id from platform_connections where id = %s", connection[0]) == (app_id,)
    assert ("settings_connection_app_id", connection[0]) in [(a, t) for _, a, t in audit(console, org)]
    hosted(gupshup, app_id, "recordatorio")
    assert sync(client).status_code == 303 and len(statuses(console, org)) == 1


def test_only_approved_templates_can_be_chosen_for_reminders(console: Console, gupshup: FakeGupshup) -> None:
    org, app_id, _ = with_app(console)
    approved = hosted(gupshup, app_id, "recordatorio")
    pending = hosted(gupshup, app_id, "pendiente", status="PENDING")
    client = console.signed_in(org)
    sync(client)
    page = "/console/settings/reminders"
    text = client.get(page).text
    assert f'data-template="{approved.id}" data-usable="yes"' in text
    assert f'data-template="{pending.id}" data-usable="no"' in text and "Pendiente de aprobación" in text
    times = {
        "enabled": "on",
        "offset_amount_1": "24",
        "offset_unit_1": "h",
        "param_1": "customer_name",
        "param_2": "when",
    }
    refused = post(client, page, page, template_id=pending.id, **times)
    assert refused.status_code == 400 and "no está aprobada en Gupshup" in refused.text
    assert row(console, "select reminder_template_id from agent_settings where organization_id = %s", org) == (None,)
    assert post(client, page, page, template_id=approved.id, **times).status_code == 303

    # Paused by Meta since: the page says reminders are not being sent with it.
    gupshup.set_template_status(app_id, approved.id, "PAUSED")
    sync(client)
    assert 'id="chosen-unusable"' in client.get(page).text


def test_only_approved_templates_can_be_chosen_for_staff_notices(console: Console, gupshup: FakeGupshup) -> None:
    org, app_id, _ = with_app(console)
    approved = hosted(gupshup, app_id, "aviso_equipo")
    rejected = hosted(gupshup, app_id, "aviso_rechazado", status="REJECTED")
    client = console.signed_in(org)
    sync(client)
    page = "/console/settings/notifications"
    text = client.get(page).text
    assert f'value="{rejected.id}"  disabled' in text or f'value="{rejected.id}" disabled' in text
    fields = {"staff_numbers": "34600111222", "escalation_template_params": "customer_name, reason"}
    for refused in (rejected.id, "no_existe"):
        answer = post(client, page, page, escalation_template_id=refused, **fields)
        assert answer.status_code == 400 and "debe ser una de las aprobadas" in answer.text
    assert post(client, page, page, escalation_template_id=approved.id, **fields).status_code == 303
    stored = row(console, "select escalation_template_id from notification_settings where organization_id = %s", org)
    assert stored == (approved.id,)


def test_only_approved_templates_are_offered_after_the_24_hour_window(console: Console, gupshup: FakeGupshup) -> None:
    org, app_id, _ = with_app(console)
    approved = hosted(gupshup, app_id, "retomar")
    paused = hosted(gupshup, app_id, "pausada", status="PAUSED")
    client = console.signed_in(org)
    sync(client)
    identity = console.conversation(org, last_inbound=datetime.now(UTC) - timedelta(days=2))
    conversation = f"/console/conversations/{identity}"
    assert client.post(f"{conversation}/takeover", data={"csrf_token": csrf(client, conversation)}).status_code == 303
    text = client.get(conversation).text
    assert f'class="template" data-template="{approved.id}"' in text
    assert f'class="template" data-template="{paused.id}"' not in text
    assert f'class="template-unusable" data-template="{paused.id}"' in text and "Pausada por Meta" in text
    send = {"csrf_token": csrf(client, conversation), "param": ["Lucía", "mañana"]}
    refused = client.post(f"{conversation}/template", data={"template_id": paused.id, **send})
    assert refused.status_code == 400 and "no está aprobada en Gupshup" in refused.text
    assert client.post(f"{conversation}/template", data={"template_id": approved.id, **send}).status_code == 303


def test_the_page_in_english_and_staff_refused(console: Console, gupshup: FakeGupshup) -> None:
    org, app_id, _ = with_app(console)
    hosted(gupshup, app_id, "recordatorio", status="PENDING")
    client = console.signed_in(org)
    sync(client)
    client.get("/console/lang/en")
    text = client.get(PAGE).text
    assert "WhatsApp templates" in text and "Pending approval" in text and "Read from Gupshup now" in text
    staff = console.signed_in(org, "staff")
    assert staff.get(PAGE).status_code == 403
    assert post(staff, f"{PAGE}/sync", "/console/inbox").status_code == 403
    no_token = client.post(f"{PAGE}/sync", data={})
    assert no_token.status_code == 403
