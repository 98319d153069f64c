"""The no-show policy's form (owners): the kind of business, whether the policy is on (the kind's
default, on, off), N no-shows and M months, with the tables' bounds (crm/noshow.py)."""

from __future__ import annotations

from receptionist.console.forms import FormModel, whole
from receptionist.crm.noshow import KINDS, LIMITS, MONTHS, NoShowPolicy
from receptionist.crm.settings.errors import InvalidSetting

ENABLED_CHOICES: dict[str, bool | None] = {"default": None, "on": True, "off": False}


class NoShowForm(FormModel):
    kind: str = ""
    enabled: str = ""  # "default" / "on" / "off"
    limit: str = ""
    months: str = ""

    def policy(self) -> NoShowPolicy:
        kind = next((k for k in KINDS if k == self.kind.strip()), None)
        if kind is None:
            raise InvalidSetting("noshow_bad_kind")
        choice = self.enabled.strip()
        if choice not in ENABLED_CHOICES:
            raise InvalidSetting("noshow_bad_enabled")
        limit = whole(self.limit, *LIMITS, "noshow_bad_limit")
        months = whole(self.months, *MONTHS, "noshow_bad_months")
        return NoShowPolicy(kind, ENABLED_CHOICES[choice], limit, months)
