"""The console's words (console/words.py, the gettext domain "console"): every id a page or a console
module names is in the Spanish catalogue (the reference every complete catalogue matches:
tests/unit/i18n), and every id of the catalogue is named somewhere (no dead words).

A static scan: pages name ids as `t.x`, `t["x"]`, `t("x", ...)`, `_("x")`, `t.get("x", ...)` and, for
a family, `t['prefix_' ~ value]`; Python names them as the code of a refusal (`NotFound("x")`,
`InvalidSetting("x")`, `f"tpl_submit_{kind}"`), in tables of refusals, or as `words(...)["x"]`. A
string literal of Python that starts with a console section's prefix must be an id too: that is how
a refusal's code reaches a page."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from receptionist.console.words import CONSOLE_LOCALES, Words, known_ids, words
from receptionist.crm.inbox import INBOX_FILTERS

ROOT = Path(__file__).resolve().parents[3] / "layers/shared/receptionist"
CONSOLE = ROOT / "console"
# Where the codes of what staff are told are raised: the console, and the CRM's checks of settings.
MODULES = [*CONSOLE.rglob("*.py"), *(ROOT / "crm/settings").glob("*.py")]
# The prefixes the console's words are named with: a string starting with one is a word's id.
PREFIXES = (
    "appt_", "calendar_", "consent_", "dash_", "export_", "handoff_", "hist_", "metrics_", "noshow_", "op_", "privacy_",
    "rc_", "set_", "team_", "tpl_", "waitlist_",
)  # fmt: skip
# Strings with a prefix that are not words: audit actions, cookies ("rc_"), a form field, an SQL setting.
NOT_WORDS = re.compile(
    r"^(set_tenant|team_member_id|calendar_(conflict_resolved|connected|disconnected|reconnected)"
    r"|rc_(access|calendar|csrf|lang|pending|session|sid))$"
)

_QUOTED = r"""["']([a-z][a-z0-9_]*)["']"""
_PAGE_IDS = [
    re.compile(r"\bt\.([a-z][a-z0-9_]*)\b(?!\s*\()"),  # t.sign_in (t.get(...) is a method)
    re.compile(rf"\bt\[\s*{_QUOTED}\s*\]"),  # t["sign_in"]
    re.compile(rf"\b(?:t|_)\(\s*{_QUOTED}"),  # t("handoff_waiting", minutes=5), _("sign_in")
    re.compile(rf"\bt\.get\(\s*{_QUOTED}\s*,"),  # t.get("x", fallback)
]
_PAGE_FAMILIES = re.compile(r"""\bt(?:\[|\.get\()\s*["']([a-z][a-z0-9_]*_)["']\s*~""")  # t['appt_status_' ~ s]
_PY_FAMILIES = re.compile(r"""f["']([a-z][a-z0-9_]*_)\{""")  # f"tpl_submit_{kind}"
_PY_CONCAT = re.compile(r"""["']([a-z][a-z0-9_]*_)["']\s*\+""")  # "privacy_" + code
_METHODS = {"get", "locale"}
_ID = re.compile(r"[a-z][a-z0-9_]*[a-z0-9]")  # not "tpl_submit_", an f-string's first part


def _pages() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (CONSOLE / "templates").glob("*.html"))


def _python_strings() -> set[str]:
    found: set[str] = set()
    for module in MODULES:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"[a-z][a-z0-9_]*[a-z0-9]", node.value)
            ):
                found.add(node.value)
    return found


@cache
def used() -> tuple[frozenset[str], frozenset[str]]:
    """The ids pages and modules name, and the families (prefixes) they name ids by."""
    pages = _pages()
    ids = {match for pattern in _PAGE_IDS for match in pattern.findall(pages)} - _METHODS
    ids |= set(INBOX_FILTERS)  # the inbox's tabs: t[f] for f in filters
    families = set(_PAGE_FAMILIES.findall(pages))
    sources = "\n".join(m.read_text(encoding="utf-8") for m in MODULES)
    coded = set(_PY_FAMILIES.findall(sources)) | set(_PY_CONCAT.findall(sources))
    families |= {family for family in coded if family.startswith(PREFIXES)}  # not f"settings_{what}" (audit)
    strings = _python_strings()
    ids |= {s for s in strings if s.startswith(PREFIXES) and not NOT_WORDS.match(s)}
    ids |= {s for s in strings if s in known_ids()}  # a code of another family ("csrf", "not_found")
    return frozenset(ids), frozenset(families)


def test_every_id_a_page_or_module_names_is_in_the_catalogue() -> None:
    ids, _ = used()
    assert len(ids) > 500  # the scan found the console's words at all
    missing = ids - known_ids()
    assert not missing, f"not in locale/es/LC_MESSAGES/console.po: {sorted(missing)}"


def test_every_family_a_page_names_has_words() -> None:
    _, families = used()
    assert families
    empty = {family for family in families if not any(key.startswith(family) for key in known_ids())}
    assert not empty, empty


def test_no_catalogue_word_is_dead() -> None:
    ids, families = used()
    dead = {key for key in known_ids() if key not in ids and not key.startswith(tuple(families))}
    assert not dead, f"named by no page or module: {sorted(dead)}"


def test_the_scan_sees_a_missing_word() -> None:
    """The scan's patterns, on a page naming words each way it can."""
    page = "{{ t.sign_in }} {{ t['appt_new'] }} {{ t('handoff_waiting', minutes=3) }} {{ _(\"no_such_word\") }}"
    found = {match for pattern in _PAGE_IDS for match in pattern.findall(page)} - _METHODS
    assert found == {"sign_in", "appt_new", "handoff_waiting", "no_such_word"}
    assert found - known_ids() == {"no_such_word"}
    assert _PAGE_FAMILIES.findall("{{ t['appt_status_' ~ a.status] }}") == ["appt_status_"]


def test_words_read_the_locale_catalogue() -> None:
    assert CONSOLE_LOCALES == ("es", "en", "pt_BR", "ca")
    for locale, sign_in in (("es", "Entrar"), ("en", "Sign in"), ("pt_BR", "Entrar"), ("ca", "Entra")):
        assert words(locale).sign_in == words(locale)["sign_in"] == sign_in
    assert words("pt-BR").locale == "pt_BR" and words("pt").locale == "pt_BR"
    assert words("es-PE").locale == "es" and words("fr").locale == "es" and words(None).locale == "es"
    assert words("en")("handoff_waiting", minutes=5) == "Waiting 5 min"
    assert words("pt_BR").get("status_nope", "nope") == "nope" and words("ca").get("status_read") == "llegit"
    assert "sign_in" in words("en") and "no_such_word" not in words("en")


def test_a_page_names_words_the_same_way_in_jinja() -> None:
    from receptionist.console.web import PAGES

    page = PAGES.env.from_string(
        "{{ t.sign_out }}|{{ t['sign_out'] }}|{{ _('sign_out') }}|{{ t('metrics_days', n=7) }}"
    )
    assert page.render(t=Words("pt_BR"), _=Words("pt_BR")) == "Sair|Sair|Sair|Últimos 7 dias"
