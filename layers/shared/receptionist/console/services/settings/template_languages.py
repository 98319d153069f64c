"""One template per language (crm.settings.template_languages) on the reminder, waitlist and recall
settings pages: what each language's chooser offers, and a choice written with its audit line."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.console.forms.template_languages import TemplateLanguageForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import templates
from receptionist.crm.models import MessageTemplate
from receptionist.crm.settings import template_languages as rows
from receptionist.crm.settings.template_languages import CATEGORY, Purpose
from receptionist.i18n.locales import Locale, locale_of


@dataclass(frozen=True)
class LanguageChooser:
    locale: Locale
    chosen: str | None  # the stored template id (None: the business's own template applies)
    chosen_usable: bool  # False when the stored one is no longer approved, listed or of that language
    options: list[MessageTemplate]  # the usable templates of the purpose's category in that language


@dataclass(frozen=True)
class TemplateLanguagesView:
    purpose: Purpose
    business: Locale  # the business's language: its template is the page's main choice
    choosers: list[LanguageChooser]


class TemplateLanguagesService(OwnerService):
    def view(self, purpose: Purpose) -> TemplateLanguagesView:
        row = self.db.fetch_one("select language from agent_settings where organization_id = %s", (self.org,))
        business = locale_of(row["language"] if row else None)
        found = templates.list_templates(self.db, self.org)
        stored = rows.template_choices(self.db, self.org, purpose)
        category = CATEGORY[purpose]
        fit = [t for t in found if t.usable and (category is None or (t.category or "").upper() == category)]
        choosers = []
        for locale in rows.offered_locales(business, found):
            options = [t for t in fit if rows.speaks(t, locale)]
            chosen = stored.get(locale)
            usable = chosen is None or any(t.template_id == chosen for t in options)
            choosers.append(LanguageChooser(locale, chosen, usable, options))
        return TemplateLanguagesView(purpose, business, choosers)

    def save(self, purpose: Purpose, form: TemplateLanguageForm, names: list[str], default: list[str]) -> None:
        """`names`: the business-language template's values (a template of another language taking as
        many gets the same); `default`: the purpose's default values."""
        locale, template_id = form.choice()
        with self.db.transaction():
            rows.save_choice(self.db, self.org, purpose, locale, template_id, names, default)
            self._audit(f"{purpose}_template_language", self.org, {"language": locale, "template_id": template_id})
