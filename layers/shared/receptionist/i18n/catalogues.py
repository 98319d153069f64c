"""The gettext catalogues: one domain per audience ("messages": what the code writes to customers;
"console": the staff console), one `.po` per locale under `receptionist/locale/<locale>/LC_MESSAGES/`,
compiled to `.mo` by Babel's `pybabel compile` (`make install` in the tree, the shared layer's build
for Lambda). Read with the standard library's `gettext`, so a function that only words a sentence
does not import Babel.

Message ids are symbolic ("fallback_reply", "sign_in"), not source sentences: the console already
named its words that way, one Spanish word can need two English ones depending on where it stands,
and a reworded sentence then changes one `msgstr` instead of every catalogue's key. The Spanish
catalogue is the reference every other complete catalogue must match (tests/unit/i18n).

Placeholders are `{name}`, filled by `str.format` (`text()` below).
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Final, Literal

from receptionist.i18n.locales import DEFAULT_LOCALE, FALLBACK, Locale

Domain = Literal["messages", "console"]
DOMAINS: Final[tuple[Domain, ...]] = ("messages", "console")
LOCALE_DIR: Final[Path] = Path(__file__).resolve().parent.parent / "locale"


class CataloguesNotCompiled(RuntimeError):
    """A `.mo` file is missing: the `.po` catalogues were not compiled (`make install` does it)."""


@cache
def translations(locale: Locale, domain: Domain) -> gettext.NullTranslations:
    """The compiled catalogue of `domain` in `locale`, falling back to its parent (es_PE -> es) and
    then to Spanish for a message it lacks. Loaded once per process."""
    found = _load(locale, domain)
    parent = FALLBACK.get(locale)
    if parent is not None:
        found.add_fallback(translations(parent, domain))
    elif locale != DEFAULT_LOCALE:
        found.add_fallback(translations(DEFAULT_LOCALE, domain))
    return found


def text(locale: Locale, domain: Domain, message_id: str, /, **values: object) -> str:
    """The sentence `message_id` in `locale`, its `{placeholders}` filled from `values`."""
    sentence = translations(locale, domain).gettext(message_id)
    return sentence.format(**values) if values else sentence


def message(locale: Locale, message_id: str, /, **values: object) -> str:
    """A customer-facing sentence (the "messages" domain) in `locale`."""
    return text(locale, "messages", message_id, **values)


def _load(locale: Locale, domain: Domain) -> gettext.GNUTranslations:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.mo"
    try:
        with path.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    except FileNotFoundError:
        raise CataloguesNotCompiled(f"{path} is missing: compile the catalogues (make install)") from None
