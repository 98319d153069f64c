"""The locales the project speaks, and how a language tag ("pt-BR", "en-GB", "es") maps onto one.

A locale names a catalogue (the words) and a CLDR locale (dates, weekdays, numbers, currencies):
Spanish of Spain and of Peru share the Spanish words (es_PE's catalogue only holds what differs) but
not their formats; Brazilian Portuguese, English and Catalan are complete catalogues of their own.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Locale = Literal["es", "es_PE", "en", "pt_BR", "ca"]
LOCALES: Final[tuple[Locale, ...]] = get_args(Locale)
DEFAULT_LOCALE: Final[Locale] = "es"
# Locales whose catalogues must translate every message (tests/unit/i18n); the others are overlays
# on their FALLBACK and hold only the sentences that differ.
COMPLETE_LOCALES: Final[tuple[Locale, ...]] = ("es", "en", "pt_BR", "ca")
FALLBACK: Final[dict[Locale, Locale]] = {"es_PE": "es"}

# A bare language means its main market here: Portuguese is Brazil's (WhatsApp's largest), Spanish
# is Spain's unless the region says Peru.
_BY_LANGUAGE: Final[dict[str, Locale]] = {"es": "es", "en": "en", "pt": "pt_BR", "ca": "ca"}
_BY_REGION: Final[dict[tuple[str, str], Locale]] = {("es", "PE"): "es_PE", ("pt", "BR"): "pt_BR"}


def locale_of(tag: str | None, default: Locale = DEFAULT_LOCALE) -> Locale:
    """The locale a language tag names: "pt-BR", "pt_br" and "pt" are Brazilian Portuguese, "en-GB"
    is English, "es-PE" Peruvian Spanish, "es-MX" Spanish; an unknown or empty tag gives `default`."""
    if not tag:
        return default
    parts = tag.replace("_", "-").split("-")
    language = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 else ""
    return _BY_REGION.get((language, region)) or _BY_LANGUAGE.get(language, default)


def language_tag(locale: Locale) -> str:
    """The BCP 47 tag of a locale ("pt-BR"), as WhatsApp templates and HTML's lang attribute write it."""
    return locale.replace("_", "-")


def business_languages() -> tuple[str, ...]:
    """What a business's language setting (agent_settings.language, the onboarding's --language, the
    console's persona and new-business forms) may be: each locale as its tag, "es" ... "pt-BR"."""
    return tuple(language_tag(locale) for locale in LOCALES)


def customer_locale(customer: str | None, business: str | None) -> Locale:
    """The locale to write to a customer in: theirs when known (chat_identities.language), else the
    business's language (agent_settings.language). When theirs is the language the business's
    locale overlays (Spanish, at a Peruvian business), the business's: the detector tells Spanish,
    not which country's, so a Spanish-speaking customer of a clinic in Lima reads Peru's words and
    formats; staff who want Peru's for a customer of a business in Spain choose es_PE."""
    business_locale = locale_of(business)
    theirs = locale_of(customer, default=business_locale)
    return business_locale if FALLBACK.get(business_locale) == theirs else theirs
