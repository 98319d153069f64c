"""The waitlist settings page (issue 29): on or off, how long an offer lasts, how many waiting
customers are offered a freed slot at once, and the approved UTILITY template used outside
WhatsApp's 24-hour window (crm/settings/waitlist.py, owned by the offer pass's side). A save and
its audit line (`settings_waitlist`) are one transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from receptionist.console.forms.waitlist import WaitlistForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import templates
from receptionist.crm.models import MessageTemplate
from receptionist.crm.settings import waitlist as rows
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.waitlist import DEFAULT_WAITLIST_PARAMS, WaitlistSettings
from receptionist.crm.templates import MAX_PARAMS

UTILITY = "UTILITY"


def offerable(template: MessageTemplate) -> bool:
    """What a waitlist offer may be sent with outside the 24-hour window: approved, still listed by
    Gupshup, of category UTILITY (an offer of a slot the customer asked for is not marketing)."""
    return template.usable and (template.category or "").upper() == UTILITY


@dataclass(frozen=True)
class WaitlistSettingsView:
    settings: WaitlistSettings
    templates: list[MessageTemplate]  # the business's UTILITY templates (only `offerable` ones can be chosen)
    params: list[str]  # what fills each {{n}} of the stored template (else the defaults)
    slots: int  # how many {{n}} selects the form has: the largest offerable template's count

    @property
    def offerable_ids(self) -> set[str]:
        return {t.template_id for t in self.templates if offerable(t)}

    @property
    def stored_unusable(self) -> bool:
        """A template is stored but can no longer be sent (no longer approved, listed or UTILITY)."""
        return self.settings.template_id is not None and self.settings.template_id not in self.offerable_ids


class WaitlistSettingsService(OwnerService):
    def view(self) -> WaitlistSettingsView:
        stored = rows.waitlist_settings(self.db, self.org)
        found = [t for t in templates.list_templates(self.db, self.org) if (t.category or "").upper() == UTILITY]
        chosen = next((t for t in found if t.template_id == stored.template_id), None)
        params = stored.template_params
        if chosen is not None and len(params) != chosen.param_count:
            params = [DEFAULT_WAITLIST_PARAMS[i % len(DEFAULT_WAITLIST_PARAMS)] for i in range(chosen.param_count)]
        slots = min(max((t.param_count for t in found if offerable(t)), default=0), MAX_PARAMS)
        return WaitlistSettingsView(stored, found, params, slots)

    def save(self, form: WaitlistForm) -> None:
        wanted = form.settings()
        with self.db.transaction():
            if wanted.template_id is not None:
                template = templates.get_template(self.db, self.org, wanted.template_id)
                if template is None:  # another business's id finds nothing (row level security)
                    raise InvalidSetting("waitlist_bad_template")
                if not offerable(template):
                    raise InvalidSetting("waitlist_template_not_utility")
                if template.param_count != len(wanted.template_params):
                    raise InvalidSetting("waitlist_params_count")
            rows.save_waitlist_settings(self.db, self.org, wanted)
            self._audit("waitlist", self.org, asdict(wanted))
