"""The form of one language's chooser on the reminder, waitlist and recall settings pages: the
language and the template (empty: that language falls back to the business's own template)."""

from __future__ import annotations

from receptionist.console.forms import FormModel
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.templates import TEMPLATE_ID
from receptionist.i18n.locales import LOCALES, Locale


class TemplateLanguageForm(FormModel):
    language: str = ""
    template_id: str = ""

    def choice(self) -> tuple[Locale, str | None]:
        """The locale and the template id (None: drop the choice). Whether the template is the
        business's, approved, of the right category and language is checked against the database."""
        language = self.language.strip()
        if language not in LOCALES:
            raise InvalidSetting("tpl_lang_bad_language")
        template_id = self.template_id.strip()
        if template_id and not TEMPLATE_ID.fullmatch(template_id):
            raise InvalidSetting("tpl_lang_bad_template")
        return next(locale for locale in LOCALES if locale == language), template_id or None
