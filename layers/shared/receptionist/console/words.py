"""The console's words in the staff member's locale: the gettext domain "console"
(receptionist/locale/<locale>/LC_MESSAGES/console.po, read through receptionist.i18n.catalogues).

Message ids are symbolic (`sign_in`, `appt_status_booked`: see catalogues.py for why), so the pages
keep naming a word as they always have, `{{ t.sign_in }}` or `{{ t['appt_status_' ~ a.status] }}`:
`Words` is the small object behind `t` that looks the id up in the request's locale. Pages may also
write `{{ _("sign_in") }}`. Python code that tells staff something (an error's `code`) goes through
the same `words(locale)[code]`.

tests/unit/console/test_console_words.py fails when a page or module names an id the Spanish
catalogue lacks, or when the catalogue holds an id nothing names."""

from __future__ import annotations

from functools import cache
from typing import Final

from receptionist.i18n.catalogues import text, translations
from receptionist.i18n.locales import DEFAULT_LOCALE, Locale, locale_of

# The console's languages: the complete catalogues (every word translated), in the switcher's order.
CONSOLE_LOCALES: Final[tuple[Locale, ...]] = ("es", "en", "pt_BR", "ca")


class Words:
    """`t` in a page: `t.sign_in`, `t["sign_in"]` and `t.sign_in_refused` are the sentences of the
    console catalogue in one locale. An id the catalogue lacks reads as the id itself (gettext's
    way), never as an error page; the test above keeps that from shipping."""

    __slots__ = ("locale",)

    def __init__(self, locale: Locale) -> None:
        self.locale: Locale = locale

    def __getitem__(self, message_id: str) -> str:
        return translations(self.locale, "console").gettext(message_id)

    def __getattr__(self, message_id: str) -> str:
        if message_id.startswith("__"):  # copy, pickle and Jinja's introspection: not a word
            raise AttributeError(message_id)
        return self[message_id]

    def __contains__(self, message_id: object) -> bool:
        return isinstance(message_id, str) and message_id in known_ids()

    __iter__ = None  # not a sequence: `for x in t` would call t[0], t[1]... (known_ids() lists the ids)

    def get(self, message_id: str, default: str = "") -> str:
        """The sentence, or `default` when the catalogue has no such id (`t.get('status_' ~ s, s)`:
        a state the database may grow before the catalogue does)."""
        return self[message_id] if message_id in known_ids() else default

    def __call__(self, message_id: str, /, **values: object) -> str:
        """A word with `{placeholders}` filled: `t("handoff_waiting", minutes=5)`."""
        return text(self.locale, "console", message_id, **values)


def words(locale: str | None) -> Words:
    """The console's words in `locale` ("en", "pt-BR"; Spanish when unknown or not a console language)."""
    chosen = locale_of(locale)
    return Words(chosen if chosen in CONSOLE_LOCALES else DEFAULT_LOCALE)


@cache
def known_ids() -> frozenset[str]:
    """Every id of the Spanish (reference) console catalogue."""
    catalogue = translations(DEFAULT_LOCALE, "console")
    return frozenset(key for key in getattr(catalogue, "_catalog", {}) if isinstance(key, str) and key)
