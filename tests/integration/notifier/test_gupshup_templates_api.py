"""The template API adapter against the local server speaking Gupshup's template API, over real
HTTP: every documented field read, missing optional fields tolerated, failures classified."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from devstack.fakes.base import Recorded, Reply
from devstack.fakes.gupshup import SEEDED_APP_IDS, FakeGupshup, HostedTemplate
from receptionist.adapters.gupshup_templates import (
    GupshupTemplates,
    TemplateApiError,
    TemplateApp,
    TemplateButton,
    TemplateDraft,
    parse_template_list,
)

KEY = "key-1"


@pytest.fixture
def gupshup() -> FakeGupshup:
    with FakeGupshup(api_key=KEY, hang_seconds=3) as fake:
        yield fake  # type: ignore[misc]


def _app(app_id: str | None = None) -> TemplateApp:
    return TemplateApp(app_id or str(uuid.uuid4()), KEY)


def test_the_list_is_read_with_the_apps_key_and_every_field(gupshup: FakeGupshup) -> None:
    app = _app()
    gupshup.add_template(
        app.app_id,
        HostedTemplate(
            "tpl-1",
            "recordatorio_v2",
            "Hola {{1}}, tu cita es el {{2}}.",
            language="es_ES",
            category="UTILITY",
            status="REJECTED",
            buttons=("Confirmar", "Cancelar"),
            footer="Clínica Norte",
            example="Hola Lucía, tu cita es el lunes.",
            reason="INVALID_FORMAT",
        ),
    )
    [template] = GupshupTemplates(gupshup.url).list_templates(app).templates
    request = gupshup.received(f"/wa/app/{app.app_id}/template")[0]
    assert request.method == "GET" and request.headers["apikey"] == KEY
    assert template.id == "tpl-1" and template.name == "recordatorio_v2"
    assert (template.language, template.category, template.status) == ("es_ES", "UTILITY", "REJECTED")
    assert template.body == "Hola {{1}}, tu cita es el {{2}}."  # containerMeta's data: the body alone
    assert template.footer == "Clínica Norte"
    assert template.buttons == (TemplateButton("QUICK_REPLY", "Confirmar"), TemplateButton("QUICK_REPLY", "Cancelar"))
    assert template.example == "Hola Lucía, tu cita es el lunes."
    assert template.rejected_reason == "INVALID_FORMAT" and template.template_type == "TEXT"
    assert not template.approved


def test_the_seeded_apps_templates_are_approved(gupshup: FakeGupshup) -> None:
    found = GupshupTemplates(gupshup.url).list_templates(_app(SEEDED_APP_IDS["ClinicaSonrisa"])).templates
    by_id = {t.id: t for t in found}
    assert set(by_id) == {
        "retomar_conversacion",
        "recordatorio_cita",
        "escalation_notice",
        "appointment_reminder_en",
        "lembrete_consulta_pt",
    }
    assert all(t.approved for t in found)
    assert [b.text for b in by_id["recordatorio_cita"].buttons] == ["Confirmar", "Cancelar", "Cambiar"]
    # The reminder in English and Brazilian Portuguese (one template per language), with their buttons.
    assert (by_id["appointment_reminder_en"].language, by_id["lembrete_consulta_pt"].language) == ("en", "pt_BR")
    assert [b.text for b in by_id["lembrete_consulta_pt"].buttons] == ["Confirmar", "Cancelar", "Alterar"]


def test_missing_optional_fields_are_tolerated_and_unusable_entries_skipped() -> None:
    answer = {
        "status": "success",
        "templates": [
            {"id": "a", "elementName": "solo_nombre"},  # nothing else at all
            {"id": "b", "elementName": "viejo", "data": "Hola {{1}}\nPie | [Sí] | [No]", "status": "approved",
             "containerMeta": "not json", "meta": None, "languageCode": 7, "category": None,
             "reason": "NONE"},
            {"id": "c", "elementName": "botones", "containerMeta": json.dumps(
                {"data": "Cuerpo", "buttons": [{"type": "URL", "text": "Web", "url": "https://x.example"},
                                               {"text": "Llamar", "type": "PHONE_NUMBER", "phone_number": "+34 600"},
                                               {"type": "QUICK_REPLY"}, "raro"]})},
            {"elementName": "sin_id"},
            {"id": "d"},
            "no es un objeto",
            {"id": 42, "elementName": "id_numerico", "status": "PENDING"},
        ],
    }  # fmt: skip
    parsed = parse_template_list(200, json.dumps(answer).encode())
    assert parsed.skipped == 3
    a, b, c, d = parsed.templates
    assert (a.body, a.status, a.language, a.category, a.buttons) == ("", "UNKNOWN", None, None, ())
    assert (b.body, b.status, b.language, b.rejected_reason) == ("Hola {{1}}\nPie", "APPROVED", "7", None)
    assert c.buttons == (
        TemplateButton("URL", "Web", "https://x.example"),
        TemplateButton("PHONE_NUMBER", "Llamar", "+34 600"),
    )
    assert (d.id, d.status) == ("42", "PENDING")


@pytest.mark.parametrize(("mode", "kind"), [("500", "unreachable"), ("429", "unreachable"), ("garbage", "garbage")])
def test_failures_are_classified(gupshup: FakeGupshup, mode: str, kind: str) -> None:
    gupshup.fail_next(mode)
    with pytest.raises(TemplateApiError) as failed:
        GupshupTemplates(gupshup.url).list_templates(_app(SEEDED_APP_IDS["SalonLima"]))
    assert failed.value.kind == kind


def test_a_wrong_key_or_an_unknown_app_is_refused(gupshup: FakeGupshup) -> None:
    api = GupshupTemplates(gupshup.url)
    with pytest.raises(TemplateApiError) as wrong_key:
        api.list_templates(TemplateApp(SEEDED_APP_IDS["SalonLima"], "not-the-key"))
    with pytest.raises(TemplateApiError) as unknown:
        api.list_templates(_app())
    assert wrong_key.value.kind == "refused" and unknown.value.kind == "refused"
    assert "not-the-key" not in str(wrong_key.value) and "not-the-key" not in repr(TemplateApp("x", "not-the-key"))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[]",
        b'{"status": "error"}',
        b'{"status": "success"}',
        b'{"status": "success", "templates": {}}',
        b"<html>",
    ],
)
def test_an_answer_that_is_not_a_list_is_garbage(body: bytes) -> None:
    with pytest.raises(TemplateApiError) as failed:
        parse_template_list(200, body)
    assert failed.value.kind == "garbage"


def test_a_hanging_gupshup_times_out(gupshup: FakeGupshup) -> None:
    gupshup.fail_next("hang")
    started = time.monotonic()
    with pytest.raises(TemplateApiError) as failed:
        GupshupTemplates(gupshup.url, timeout=0.5).list_templates(_app(SEEDED_APP_IDS["SalonLima"]))
    assert failed.value.kind == "unreachable" and time.monotonic() - started < 2.5


def test_a_submission_is_form_encoded_and_comes_back_pending(gupshup: FakeGupshup) -> None:
    app = _app()
    draft = TemplateDraft(
        "aviso_cita", "es", "UTILITY", "Hola {{1}}, mañana tienes cita.", "Hola Lucía, mañana tienes cita.",
        footer="Clínica", quick_replies=("Confirmar", "Cancelar"),
    )  # fmt: skip
    made = GupshupTemplates(gupshup.url).submit(app, draft)
    form = gupshup.received(f"/wa/app/{app.app_id}/template")[0].form()
    assert form["elementName"] == "aviso_cita" and form["languageCode"] == "es" and form["category"] == "UTILITY"
    assert form["templateType"] == "TEXT" and form["content"] == "Hola {{1}}, mañana tienes cita."
    assert form["example"] == "Hola Lucía, mañana tienes cita." and form["footer"] == "Clínica"
    assert json.loads(form["buttons"]) == [{"type": "QUICK_REPLY", "text": "Confirmar"},
                                           {"type": "QUICK_REPLY", "text": "Cancelar"}]  # fmt: skip
    assert made.status == "PENDING" and made.name == "aviso_cita" and made.id
    assert [t.id for t in gupshup.templates(app.app_id)] == [made.id]


def test_a_submission_gupshup_turns_down_says_why(gupshup: FakeGupshup) -> None:
    app = _app()
    api = GupshupTemplates(gupshup.url)
    draft = TemplateDraft("aviso_cita", "es", "UTILITY", "Hola", "Hola")
    api.submit(app, draft)
    with pytest.raises(TemplateApiError) as twice:
        api.submit(app, draft)
    assert twice.value.kind == "rejected" and "Already exists" in str(twice.value)
    gupshup.fail_next("500")
    with pytest.raises(TemplateApiError) as down:
        api.submit(app, TemplateDraft("otro", "es", "UTILITY", "Hola", "Hola"))
    assert down.value.kind == "unreachable"


class _Odd(FakeGupshup):
    """Answers a submission with a 200 that carries no template."""

    def answer(self, request: Recorded) -> Reply:
        if request.method == "POST" and request.path.endswith("/template"):
            return Reply.json(200, {"status": "success"})
        return super().answer(request)


def test_a_submission_answered_without_a_template_is_garbage() -> None:
    with _Odd(api_key=KEY) as odd, pytest.raises(TemplateApiError) as failed:
        GupshupTemplates(odd.url).submit(_app(), TemplateDraft("x", "es", "UTILITY", "Hola", "Hola"))
    assert failed.value.kind == "garbage"
