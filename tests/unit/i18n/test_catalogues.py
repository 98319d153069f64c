"""The gettext catalogues are complete and compiled: a message missing in any complete language, a
placeholder a translation lost, or a .mo older than its .po fails here."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from receptionist.i18n.catalogues import DOMAINS, LOCALE_DIR, CataloguesNotCompiled, message, text, translations
from receptionist.i18n.locales import COMPLETE_LOCALES, DEFAULT_LOCALE, FALLBACK, LOCALES

PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _catalogue(locale: str, domain: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
        return read_po(po, locale=locale, domain=domain)


def _translated(catalogue: Catalog) -> dict[str, str]:
    """The catalogue's messages that count as translated: not fuzzy, a non-empty string."""
    return {
        str(m.id): str(m.string)
        for m in catalogue
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def _ids(catalogue: Catalog) -> set[str]:
    return {str(m.id) for m in catalogue if m.id}


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", COMPLETE_LOCALES)
def test_a_complete_language_translates_every_message(locale: str, domain: str) -> None:
    reference = _ids(_catalogue(DEFAULT_LOCALE, domain))
    catalogue = _catalogue(locale, domain)
    missing = sorted(reference - set(_translated(catalogue)))
    assert missing == [], f"{locale}/{domain}.po lacks (or has fuzzy/empty): {missing[:20]}"
    unknown = sorted(_ids(catalogue) - reference)
    assert unknown == [], f"{locale}/{domain}.po has messages Spanish does not: {unknown[:20]}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc not in COMPLETE_LOCALES])
def test_an_overlay_only_rewords_messages_its_parent_has(locale: str, domain: str) -> None:
    parent = FALLBACK[locale]
    unknown = sorted(_ids(_catalogue(locale, domain)) - _ids(_catalogue(parent, domain)))
    assert unknown == [], f"{locale}/{domain}.po has messages {parent} does not: {unknown[:20]}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != DEFAULT_LOCALE])
def test_a_translation_keeps_every_placeholder(locale: str, domain: str) -> None:
    reference = _translated(_catalogue(DEFAULT_LOCALE, domain))
    lost = {
        msgid: string
        for msgid, string in _translated(_catalogue(locale, domain)).items()
        if msgid in reference
        and sorted(set(PLACEHOLDER.findall(string))) != sorted(set(PLACEHOLDER.findall(reference[msgid])))
    }
    assert lost == {}, f"{locale}/{domain}.po changes the placeholders of {sorted(lost)[:20]}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_is_its_po(locale: str, domain: str) -> None:
    compiled = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.mo"
    assert compiled.exists(), f"{compiled} missing: make install compiles the catalogues"
    with compiled.open("rb") as mo:
        loaded = gettext.GNUTranslations(mo)
    stale = {
        msgid: string
        for msgid, string in _translated(_catalogue(locale, domain)).items()
        if loaded.gettext(msgid) != string
    }
    assert stale == {}, f"{compiled} is older than its .po: run make catalogues"


def test_an_overlay_falls_back_to_its_parent_and_a_language_to_spanish() -> None:
    spanish = message("es", "fallback_reply")
    assert message("es_PE", "fallback_reply") == spanish
    assert message("en", "fallback_reply") != spanish
    assert translations("en", "messages").gettext("no_such_message") == "no_such_message"


def test_placeholders_are_filled_and_a_missing_value_is_an_error(tmp_path: Path) -> None:
    catalogue = Catalog(locale="en", domain="messages")
    catalogue.add("hello", "Hello {name}")
    with (tmp_path / "en.mo").open("wb") as mo:
        write_mo(mo, catalogue)
    with (tmp_path / "en.mo").open("rb") as mo:
        loaded = gettext.GNUTranslations(mo)
    assert loaded.gettext("hello").format(name="Ana") == "Hello Ana"
    with pytest.raises(KeyError):
        loaded.gettext("hello").format()
    assert text("es", "console", "title") == _translated(_catalogue("es", "console"))["title"]


def test_a_missing_compiled_catalogue_says_what_to_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import receptionist.i18n.catalogues as catalogues

    monkeypatch.setattr(catalogues, "LOCALE_DIR", tmp_path)
    with pytest.raises(CataloguesNotCompiled, match="make install"):
        catalogues._load("en", "messages")
