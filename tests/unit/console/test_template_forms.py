"""The templates page's forms (no database, no Gupshup): what a submission turns into, the sentence
of each refusal, and the Gupshup app id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from receptionist.console.forms.templates import AppIdForm, SubmitTemplateForm
from receptionist.console.words import words
from receptionist.crm.settings.errors import InvalidSetting

GOOD: dict[str, Any] = {
    "name": "recordatorio_2",
    "language": "es_ES",
    "category": "UTILITY",
    "body": "Hola {{1}},\r\ntu cita es el {{2}}.",
    "examples": " Lucía \n\n lunes 10:00 ",
    "footer": " Clínica Norte ",
    "button_1": "Confirmar",
    "button_2": "",
    "button_3": "Cambiar",
}


def test_a_submission_becomes_gupshups_fields() -> None:
    draft = SubmitTemplateForm(**GOOD).draft()
    assert (draft.name, draft.language, draft.category) == ("recordatorio_2", "es_ES", "UTILITY")
    assert draft.body == "Hola {{1}},\ntu cita es el {{2}}."
    assert draft.example == "Hola Lucía,\ntu cita es el lunes 10:00."
    assert draft.footer == "Clínica Norte" and draft.quick_replies == ("Confirmar", "Cambiar")
    form = draft.form()
    assert form["elementName"] == "recordatorio_2" and form["templateType"] == "TEXT"
    assert form["content"] == draft.body and form["example"] == draft.example
    assert json.loads(form["buttons"]) == [{"type": "QUICK_REPLY", "text": "Confirmar"},
                                           {"type": "QUICK_REPLY", "text": "Cambiar"}]  # fmt: skip


def test_a_template_without_values_footer_or_buttons() -> None:
    draft = SubmitTemplateForm(name="aviso", language="en", category="MARKETING", body="Hello!").draft()
    assert draft.example == "Hello!" and draft.footer is None and draft.quick_replies == ()
    assert "buttons" not in draft.form() and "footer" not in draft.form()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": ""}, "tpl_bad_name"),
        ({"name": "Recordatorio"}, "tpl_bad_name"),
        ({"name": "con espacio"}, "tpl_bad_name"),
        ({"language": "fr"}, "tpl_bad_language"),
        ({"category": "AUTHENTICATION"}, "tpl_bad_category"),
        ({"category": "utility"}, "tpl_bad_category"),
        ({"body": "   "}, "tpl_bad_body"),
        ({"body": "x" * 1025}, "tpl_bad_body"),
        ({"body": "Hola {{0}}", "examples": "a"}, "tpl_bad_placeholders"),
        ({"body": "Hola {{1}} y {{3}}", "examples": "a\nb"}, "tpl_bad_placeholders"),
        ({"examples": "solo uno"}, "tpl_examples_needed"),
        ({"examples": "a\nb\nc"}, "tpl_examples_needed"),
        ({"footer": "x" * 61}, "tpl_bad_footer"),
        ({"button_1": "x" * 21}, "tpl_bad_buttons"),
        ({"button_1": "Sí", "button_3": "Sí"}, "tpl_bad_buttons"),
    ],
)
def test_each_refusal_has_its_sentence(changes: dict[str, str], code: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        SubmitTemplateForm(**(GOOD | changes)).draft()
    assert refused.value.code == code
    assert code in words("es") and code in words("en")


def test_the_app_id() -> None:
    assert AppIdForm(gupshup_app_id=" 5b0c1e2a-7d4f-4c1a-9e8b-c11c0000a001 ").app_id() == (
        "5b0c1e2a-7d4f-4c1a-9e8b-c11c0000a001"
    )
    assert AppIdForm(gupshup_app_id="  ").app_id() is None  # cleared
    for bad in ("../x", "a b", "-leading", "x" * 65):
        with pytest.raises(InvalidSetting) as refused:
            AppIdForm(gupshup_app_id=bad).app_id()
        assert refused.value.code == "set_bad_app_id"


def test_every_template_word_is_in_both_languages() -> None:
    for kind in ("unreachable", "refused", "garbage", "no_app_id", "no_key", "out_of_time", "failed"):
        assert f"tpl_sync_{kind}" in words("es") and f"tpl_sync_{kind}" in words("en")
    for kind in ("unreachable", "refused", "garbage", "no_key", "rejected", "unavailable"):
        assert f"tpl_submit_{kind}" in words("es")
