"""The recall settings' form (docs/recalls.md): on or off, and the marketing template."""

from __future__ import annotations

from receptionist.console.forms import FormModel, ticked
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.recalls import RecallSettings
from receptionist.crm.templates import TEMPLATE_ID


class RecallsForm(FormModel):
    enabled: str = ""  # a checkbox
    template_id: str = ""

    def settings(self) -> RecallSettings:
        """On needs a template; off keeps whatever template was stored. Whether the template is
        the business's, approved and a marketing one is checked against the database."""
        template_id = self.template_id.strip()
        if template_id and not TEMPLATE_ID.fullmatch(template_id):
            raise InvalidSetting("rc_bad_template")
        on = ticked(self.enabled)
        if on and not template_id:
            raise InvalidSetting("rc_template_needed")
        return RecallSettings(on, template_id or None)
