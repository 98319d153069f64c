"""Language tags map onto the project's locales."""

from __future__ import annotations

import pytest

from receptionist.i18n.locales import LOCALES, business_languages, customer_locale, language_tag, locale_of


@pytest.mark.parametrize(
    ("tag", "locale"),
    [
        ("es", "es"),
        ("es-ES", "es"),
        ("es-MX", "es"),
        ("es-PE", "es_PE"),
        ("es_pe", "es_PE"),
        ("pt", "pt_BR"),
        ("pt-BR", "pt_BR"),
        ("pt-PT", "pt_BR"),
        ("en-GB", "en"),
        ("EN", "en"),
        ("ca", "ca"),
        ("ca-ES", "ca"),
        ("fr", "es"),
        ("", "es"),
        (None, "es"),
    ],
)
def test_a_tag_names_a_locale(tag: str | None, locale: str) -> None:
    assert locale_of(tag) == locale


def test_an_unknown_tag_gives_the_default_asked_for() -> None:
    assert locale_of("de", default="en") == "en"


def test_a_locale_is_written_as_a_bcp47_tag() -> None:
    assert language_tag("pt_BR") == "pt-BR"
    assert language_tag("es") == "es"


def test_a_customer_is_written_to_in_their_language_else_the_business_s() -> None:
    assert customer_locale("pt_BR", "es") == "pt_BR"
    assert customer_locale(None, "en-GB") == "en"
    assert customer_locale(None, "es-PE") == "es_PE"
    assert customer_locale(None, None) == "es"


def test_a_spanish_customer_of_a_peruvian_business_reads_peru_s_spanish() -> None:
    # Detection stores "es" (it tells the language, not the country): the business says which Spanish.
    assert customer_locale("es", "es-PE") == "es_PE"
    assert customer_locale("es", "es") == "es"
    # Staff choosing Peru's for a customer of a business in Spain, and another language at a Peruvian business.
    assert customer_locale("es_PE", "es") == "es_PE"
    assert customer_locale("en", "es-PE") == "en"
    assert customer_locale("pt_BR", "es-PE") == "pt_BR"


def test_a_business_may_speak_any_locale_and_its_setting_reads_back_as_that_locale() -> None:
    assert business_languages() == ("es", "es-PE", "en", "pt-BR", "ca")  # a Brazilian business too
    assert [locale_of(tag) for tag in business_languages()] == list(LOCALES)
