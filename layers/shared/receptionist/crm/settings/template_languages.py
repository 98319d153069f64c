"""One approved template per language for reminders, waitlist offers and recalls (table
template_choices, migration 20261211020000_templates_per_language.sql).

The business's own language keeps its single choice where it always was (the reminder, waitlist and
recall settings): that is the default. Each other language may have its own template here, of that
language, approved, listed by Gupshup and of the purpose's category. A pass picks the template of the
customer's locale (`customer_locale(chat_identities.language, agent_settings.language)`) and falls
back to the default when that locale has no usable choice: the choices are read with each message's
content (`choices_sql`, one round trip) and picked here (`pick`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.models import MessageTemplate
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.templates import SELECT_TEMPLATE, template_from
from receptionist.i18n.locales import COMPLETE_LOCALES, FALLBACK, Locale, customer_locale, locale_of

Purpose = Literal["reminder", "waitlist", "recall"]
PURPOSES: Final[tuple[Purpose, ...]] = get_args(Purpose)
# The category a purpose's template must be (None: any). Waitlist offers are UTILITY, recalls MARKETING
# (WhatsApp's rules for what each may say); reminders have always taken any approved template.
CATEGORY: Final[dict[Purpose, str | None]] = {"reminder": None, "waitlist": "UTILITY", "recall": "MARKETING"}
# The SQL of "this template may be sent for the purpose" over message_templates `t`.
_USABLE_SQL: Final[dict[Purpose, str]] = {
    p: "t.status = 'APPROVED' and t.removed_at is null" + (f" and t.category = '{c}'" if c else "")
    for p, c in CATEGORY.items()
}


@dataclass(frozen=True)
class TemplateChoice:
    """The template a business sends for a purpose to customers of one locale, as the pass reads it."""

    locale: Locale
    template_id: str
    params: list[str]  # what fills {{1}}, {{2}}...: names of the pass's values
    body: str | None  # the approved text (None: Gupshup does not list it any more)
    usable: bool  # approved, listed, of the purpose's category


def template_locale(template: MessageTemplate) -> Locale | None:
    """The locale a template is written in (Gupshup's code: "pt_BR", "en_US", "es"), None when unknown."""
    tag = template.language
    if not tag:
        return None
    written = locale_of(tag, default="es")
    # locale_of's default is a locale; a language the project does not speak is none of them.
    return written if written != "es" or tag.lower()[:2] == "es" else None


def speaks(template: MessageTemplate, locale: Locale) -> bool:
    """Whether the template may be the one of `locale`: written in it, or in the locale it overlays
    (a Spanish template serves Peru)."""
    written = template_locale(template)
    return written is not None and written in (locale, FALLBACK.get(locale))


def check_choice(purpose: Purpose, locale: Locale, template: MessageTemplate | None) -> None:
    """A template chosen for `locale` is the business's (None: another business's id or none at all),
    approved and listed, of the purpose's category, and written in that language."""
    if template is None:
        raise InvalidSetting("tpl_lang_bad_template")
    if not template.usable:
        raise InvalidSetting("tpl_lang_template_not_approved")
    category = CATEGORY[purpose]
    if category is not None and (template.category or "").upper() != category:
        raise InvalidSetting(f"tpl_lang_template_not_{category.lower()}")
    if not speaks(template, locale):
        raise InvalidSetting("tpl_lang_wrong_language")


def choice_params(count: int, names: Sequence[str], default: Sequence[str]) -> list[str]:
    """What fills each {{n}} of a template taking `count` values: the business-language template's
    names when it takes as many (the same sentence in another language), else `default` cycled."""
    if count == len(names):
        return list(names)
    return [default[i % len(default)] for i in range(count)] if default else ["-"] * count


def offered_locales(business: Locale, templates: Iterable[MessageTemplate]) -> list[Locale]:
    """The languages a business is offered a chooser for besides its own: the complete ones (es, en,
    pt_BR, ca), Spanish of Spain for a Peruvian business too, and any its templates are written in."""
    wanted: list[Locale] = list(COMPLETE_LOCALES)
    for template in templates:
        written = template_locale(template)
        if written is not None and written not in wanted:
            wanted.append(written)
    return [locale for locale in wanted if locale != business]


def pick(choices: Sequence[TemplateChoice], customer: str | None, business: str | None) -> TemplateChoice | None:
    """The usable choice of the customer's locale (theirs when known, else the business's), None when
    there is none and the business-language default applies. A choice for the business's own locale
    never overrides the default (the settings page writes that one to the default)."""
    locale = customer_locale(customer, business)
    if locale == locale_of(business):
        return None
    return next((c for c in choices if c.locale == locale and c.usable), None)


def choices_sql(purpose: Purpose, organization: str) -> str:
    """A scalar subquery: the purpose's choices of the business `organization` (an SQL expression) as a
    JSON array, for a content query to select `as template_choices` and `choices_from` to read."""
    return f"""coalesce((select json_agg(json_build_object(
            'locale', tc.language, 'template_id', tc.template_id, 'params', tc.template_params,
            'body', t.body, 'usable', coalesce({_USABLE_SQL[purpose]}, false)))
        from template_choices tc
        left join message_templates t on t.organization_id = tc.organization_id and t.template_id = tc.template_id
        where tc.organization_id = {organization} and tc.purpose = '{purpose}'), '[]'::json)"""


def choices_from(value: Any) -> list[TemplateChoice]:
    """What `choices_sql` selected (psycopg gives JSON as Python values; a string is parsed)."""
    items = json.loads(value) if isinstance(value, str) else value or []
    return [
        TemplateChoice(locale_of(i["locale"]), str(i["template_id"]), list(i["params"] or []), i["body"], i["usable"])
        for i in items
    ]


# -- the console ----------------------------------------------------------------------------------
def template_choices(db: Database, organization_id: str, purpose: Purpose) -> dict[Locale, str]:
    """The business's choices for a purpose: locale -> template id. One round trip."""
    rows = db.fetch_all(
        "select language, template_id from template_choices where organization_id = %s and purpose = %s",
        (organization_id, purpose),
    )
    return {locale_of(r["language"]): r["template_id"] for r in rows}


def save_choice(
    db: Database,
    organization_id: str,
    purpose: Purpose,
    locale: Locale,
    template_id: str | None,
    names: Sequence[str] = (),
    default: Sequence[str] = (),
) -> None:
    """Choose (or, with None, drop) the template of `locale`: read locked against a change meanwhile,
    checked (check_choice) and written in one transaction. `names`: the business-language template's
    values, `default`: the purpose's default values (choice_params)."""
    try:
        with db.transaction() as tx:
            if template_id is None:
                tx.execute(
                    "delete from template_choices where organization_id = %s and purpose = %s and language = %s",
                    (organization_id, purpose, locale),
                )
                return
            row = tx.fetch_one(
                f"{SELECT_TEMPLATE} where organization_id = %s and template_id = %s for share",
                (organization_id, template_id),
            )
            template = template_from(row) if row else None
            check_choice(purpose, locale, template)
            assert template is not None
            params = choice_params(template.param_count, names, default)
            tx.execute(
                "insert into template_choices (organization_id, purpose, language, template_id, template_params)"
                " values (%s, %s, %s, %s, %s) on conflict (organization_id, purpose, language) do update set"
                " template_id = excluded.template_id, template_params = excluded.template_params, updated_at = now()",
                (organization_id, purpose, locale, template_id, params),
            )
    except errors.CheckViolation as exc:
        raise InvalidSetting("tpl_lang_bad_template") from exc
