"""The WhatsApp templates page's forms: a new template to submit for approval, and the Gupshup
app id a connection needs for the template API. Each method raises InvalidSetting(code) before
anything leaves the console; `code` names the sentence (an id of the console catalogue)."""

from __future__ import annotations

import re

from receptionist.adapters.gupshup_templates import TemplateDraft
from receptionist.console.forms import FormModel
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.templates import placeholder_count, render_template

# What WhatsApp accepts as a template's name, and the languages the console offers (Gupshup's codes).
_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
TEMPLATE_LANGUAGES = ("es", "es_ES", "es_MX", "es_AR", "en", "en_US", "en_GB", "pt_BR")
TEMPLATE_CATEGORIES = ("UTILITY", "MARKETING")  # authentication templates are not a business's to write
MAX_QUICK_REPLIES = 3
_APP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


class SubmitTemplateForm(FormModel):
    name: str = ""
    language: str = ""
    category: str = ""
    body: str = ""
    examples: str = ""  # one per line: what fills {{1}}, {{2}}... in a sample
    footer: str = ""
    button_1: str = ""
    button_2: str = ""
    button_3: str = ""

    def draft(self) -> TemplateDraft:
        name = self.name.strip()
        if not _NAME.fullmatch(name):
            raise InvalidSetting("tpl_bad_name")
        if self.language.strip() not in TEMPLATE_LANGUAGES:
            raise InvalidSetting("tpl_bad_language")
        if self.category.strip() not in TEMPLATE_CATEGORIES:
            raise InvalidSetting("tpl_bad_category")
        body = self.body.strip().replace("\r\n", "\n")
        if not 1 <= len(body) <= 1024:
            raise InvalidSetting("tpl_bad_body")
        numbers = sorted({int(m.group(1)) for m in _PLACEHOLDER.finditer(body)})
        if numbers != list(range(1, len(numbers) + 1)):
            raise InvalidSetting("tpl_bad_placeholders")
        examples = [line.strip() for line in self.examples.splitlines() if line.strip()]
        if len(examples) != placeholder_count(body):
            raise InvalidSetting("tpl_examples_needed")
        footer = self.footer.strip()
        if len(footer) > 60:
            raise InvalidSetting("tpl_bad_footer")
        buttons = tuple(b.strip() for b in (self.button_1, self.button_2, self.button_3) if b.strip())
        if any(len(b) > 20 for b in buttons) or len(set(buttons)) != len(buttons):
            raise InvalidSetting("tpl_bad_buttons")
        return TemplateDraft(
            name=name,
            language=self.language.strip(),
            category=self.category.strip(),
            body=body,
            example=render_template(body, examples),
            footer=footer or None,
            quick_replies=buttons,
        )


class AppIdForm(FormModel):
    gupshup_app_id: str = ""

    def app_id(self) -> str | None:
        """The app id, or None (cleared): Gupshup's ids are UUIDs; letters, digits and dashes here."""
        value = self.gupshup_app_id.strip()
        if value and not _APP_ID.fullmatch(value):
            raise InvalidSetting("set_bad_app_id")
        return value or None
