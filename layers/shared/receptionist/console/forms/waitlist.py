"""The waitlist settings form (issue 29): whether freed slots are offered, how long an offer lasts,
how many waiting customers are offered a slot at once, and the approved UTILITY template (with
what fills each {{n}}) for customers outside WhatsApp's 24-hour window."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ConfigDict

from receptionist.console.forms import FormModel, ticked, whole
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.waitlist import BATCH_SIZE, OFFER_MINUTES, WAITLIST_PARAM_NAMES, WaitlistSettings
from receptionist.crm.templates import MAX_PARAMS, TEMPLATE_ID

_PARAM_FIELD = re.compile(r"param_(\d{1,2})")


class WaitlistForm(FormModel):
    """`enabled` (a checkbox), `offer_minutes`, `batch_size`, `template_id` (empty: none, offers
    go out only inside the 24-hour window) and `param_<n>` (extra fields): what fills {{n}}."""

    model_config = ConfigDict(extra="allow", frozen=True)

    enabled: str = ""
    offer_minutes: str = ""
    batch_size: str = ""
    template_id: str = ""

    def settings(self) -> WaitlistSettings:
        """Checked here for shape; whether the template is the business's, an approved UTILITY one
        and takes that many values is checked against the database (services/settings/waitlist.py)."""
        minutes = whole(self.offer_minutes, *OFFER_MINUTES, "waitlist_bad_minutes")
        batch = whole(self.batch_size, *BATCH_SIZE, "waitlist_bad_batch")
        template_id = self.template_id.strip()
        if template_id and not TEMPLATE_ID.fullmatch(template_id):
            raise InvalidSetting("waitlist_bad_template")
        params = self._params() if template_id else []
        return WaitlistSettings(ticked(self.enabled), minutes, batch, template_id or None, params)

    def _params(self) -> list[str]:
        """The chosen values in {{n}} order, up to the last one chosen; a gap or an unknown name is refused."""
        chosen: dict[int, str] = {}
        for name, value in (self.model_extra or {}).items():
            if (match := _PARAM_FIELD.fullmatch(name)) and _last(value).strip():
                chosen[int(match.group(1))] = _last(value).strip()
        if not chosen:
            return []
        count = max(chosen)
        if count > MAX_PARAMS or sorted(chosen) != list(range(1, count + 1)):
            raise InvalidSetting("waitlist_bad_params")
        params = [chosen[n] for n in range(1, count + 1)]
        if any(p not in WAITLIST_PARAM_NAMES for p in params):
            raise InvalidSetting("waitlist_bad_params")
        return params


def _last(value: Any) -> str:
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return value if isinstance(value, str) else ""
