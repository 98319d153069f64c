"""The pure parts of one template per language (crm.settings.template_languages): which language a
template is written in, what it may be chosen for, which choice a customer gets (theirs, else the
business's template), the values a choice is filled with, the languages offered, and the form."""

from __future__ import annotations

import pytest

from receptionist.console.forms.template_languages import TemplateLanguageForm
from receptionist.console.words import known_ids
from receptionist.crm.models import MessageTemplate
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.template_languages import (
    TemplateChoice,
    check_choice,
    choice_params,
    choices_from,
    offered_locales,
    pick,
    speaks,
    template_locale,
)


def template(language: str | None, category: str = "UTILITY", status: str = "APPROVED") -> MessageTemplate:
    return MessageTemplate("t", "T", "Hola {{1}}", 1, language=language, category=category, status=status)


@pytest.mark.parametrize(
    ("language", "locale"),
    [("pt_BR", "pt_BR"), ("pt", "pt_BR"), ("en_US", "en"), ("en", "en"), ("es", "es"), ("es_AR", "es"),
     ("es_PE", "es_PE"), ("ca", "ca"), ("fr", None), ("de_DE", None), (None, None)],
)  # fmt: skip
def test_a_template_s_locale(language: str | None, locale: str | None) -> None:
    assert template_locale(template(language)) == locale


def test_a_spanish_template_serves_peru_but_not_the_other_way_round() -> None:
    assert speaks(template("es"), "es_PE") and speaks(template("es_PE"), "es_PE")
    assert not speaks(template("es_PE"), "es") and not speaks(template("en"), "pt_BR")


@pytest.mark.parametrize(
    ("purpose", "locale", "tpl", "code"),
    [
        ("reminder", "pt_BR", template("en"), "tpl_lang_wrong_language"),
        ("reminder", "pt_BR", template(None), "tpl_lang_wrong_language"),
        ("reminder", "pt_BR", None, "tpl_lang_bad_template"),
        ("reminder", "pt_BR", template("pt_BR", status="PAUSED"), "tpl_lang_template_not_approved"),
        ("waitlist", "pt_BR", template("pt_BR", "MARKETING"), "tpl_lang_template_not_utility"),
        ("recall", "en", template("en", "UTILITY"), "tpl_lang_template_not_marketing"),
    ],
)
def test_a_choice_is_refused(purpose: str, locale: str, tpl: MessageTemplate | None, code: str) -> None:
    with pytest.raises(InvalidSetting) as refused:
        check_choice(purpose, locale, tpl)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert code in known_ids()  # tests/unit/i18n: then in every console language


def test_a_choice_is_accepted() -> None:
    check_choice("reminder", "pt_BR", template("pt_BR", "MARKETING"))  # reminders: any category
    check_choice("waitlist", "en", template("en_GB", "utility"))
    check_choice("recall", "es_PE", template("es", "MARKETING"))


def _choice(locale: str, usable: bool = True) -> TemplateChoice:
    return TemplateChoice(locale, f"t_{locale}", ["customer_name"], "Hi {{1}}", usable)  # type: ignore[arg-type]


def test_the_customer_s_language_s_choice_else_none_for_the_business_s_template() -> None:
    choices = [_choice("pt_BR"), _choice("en", usable=False), _choice("es")]
    assert pick(choices, "pt_BR", "es") == choices[0]
    assert pick(choices, "pt-BR", "es-ES") == choices[0]  # tags as either column may write them
    assert pick(choices, "en", "es") is None  # chosen but no longer usable: the business's template
    assert pick(choices, "ca", "es") is None  # not chosen
    assert pick(choices, None, "es") is None  # not known: the business's language
    assert pick(choices, "es", "es") is None  # the business's own language: its own setting
    assert pick(choices, None, "pt_BR") is None
    assert pick([_choice("es")], "es", "en") == _choice("es")  # a Spanish customer of an English business


def test_the_values_follow_the_business_s_template_when_the_counts_match() -> None:
    assert choice_params(2, ["when", "customer_name"], ["customer_name", "service"]) == ["when", "customer_name"]
    assert choice_params(3, ["when"], ["customer_name", "service"]) == ["customer_name", "service", "customer_name"]
    assert choice_params(0, ["when"], ["customer_name"]) == []
    assert choice_params(2, [], []) == ["-", "-"]


def test_the_languages_offered_besides_the_business_s() -> None:
    assert offered_locales("es", []) == ["en", "pt_BR", "ca"]
    assert offered_locales("es_PE", [template("es_PE")]) == ["es", "en", "pt_BR", "ca"]
    assert offered_locales("pt_BR", [template("fr")]) == ["es", "en", "ca"]


def test_choices_read_from_json() -> None:
    raw = '[{"locale": "pt_BR", "template_id": "x", "params": ["when"], "body": null, "usable": false}]'
    assert choices_from(raw) == [TemplateChoice("pt_BR", "x", ["when"], None, False)]
    assert choices_from(None) == [] and choices_from([]) == []


def test_the_form() -> None:
    assert TemplateLanguageForm(language="pt_BR", template_id=" lembrete ").choice() == ("pt_BR", "lembrete")
    assert TemplateLanguageForm(language="en", template_id="").choice() == ("en", None)
    for bad, code in ((TemplateLanguageForm(language="fr"), "tpl_lang_bad_language"),
                      (TemplateLanguageForm(language="en", template_id="a b"), "tpl_lang_bad_template")):  # fmt: skip
        with pytest.raises(InvalidSetting) as refused:
            bad.choice()
        assert refused.value.code == code
