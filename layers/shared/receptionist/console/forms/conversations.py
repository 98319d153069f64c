"""A conversation's forms: a reply, and an approved template with its values."""

from __future__ import annotations

from receptionist.console.errors import ConsoleError
from receptionist.console.forms import FormModel
from receptionist.crm.models import MessageTemplate

MAX_REPLY_CHARS = 4096  # WhatsApp's limit for a text message


class ReplyForm(FormModel):
    text: str = ""

    def checked(self) -> str:
        """What the staff member wrote, trimmed: never empty, never past WhatsApp's limit."""
        text = self.text.strip()
        if not text:
            raise ConsoleError("reply_empty")
        if len(text) > MAX_REPLY_CHARS:
            raise ConsoleError("reply_too_long")
        return text


class TemplateForm(FormModel):
    template_id: str = ""
    param: list[str] = []  # what fills {{1}}, {{2}}..., in order

    def values_for(self, template: MessageTemplate) -> list[str]:
        """One trimmed value for each of the template's parameters, none empty."""
        values = [p.strip() for p in self.param[: template.param_count]]
        if len(values) < template.param_count or not all(values):
            raise ConsoleError("template_params")
        return values
