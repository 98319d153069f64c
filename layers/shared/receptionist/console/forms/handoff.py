"""The handoff's forms: the business's hours for people and what happens outside them (owners), and
a staff member's own WhatsApp number (anyone signed in). Opening hours reuse the staff hours' form
(forms/settings.HoursForm): the same weekday and "HH:MM" checks."""

from __future__ import annotations

import re

from receptionist.console.forms import FormModel, whole
from receptionist.crm.contacts import InvalidPhoneError, normalize_phone
from receptionist.crm.handoff import OUTSIDE_HOURS_NOTICES, HandoffSettings
from receptionist.crm.settings.errors import InvalidSetting

MAX_MINUTES = 1440  # a day (the database's check)
E164 = re.compile(r"[1-9][0-9]{5,14}")  # console_users.whatsapp_number's check


class HandoffForm(FormModel):
    outside_hours_notice: str = "now"  # "now" / "at_opening"
    renotify_after_minutes: str = ""
    message_offer_after_minutes: str = ""

    def settings(self) -> HandoffSettings:
        notice = self.outside_hours_notice.strip()
        chosen = next((n for n in OUTSIDE_HOURS_NOTICES if n == notice), None)
        if chosen is None:
            raise InvalidSetting("handoff_bad_notice")
        renotify = whole(self.renotify_after_minutes, 1, MAX_MINUTES, "handoff_bad_minutes")
        offer = whole(self.message_offer_after_minutes, 1, MAX_MINUTES, "handoff_bad_minutes")
        return HandoffSettings(chosen, renotify, offer)


class OwnNumberForm(FormModel):
    whatsapp_number: str = ""  # empty: none (every staff number is told, as for everyone)

    def number(self) -> str | None:
        """E.164 digits without the "+" (how every WhatsApp number is kept), or None to clear it."""
        raw = self.whatsapp_number.strip()
        if not raw:
            return None
        try:
            number = normalize_phone(raw)
        except InvalidPhoneError as exc:
            raise InvalidSetting("handoff_bad_number") from exc
        if not E164.fullmatch(number):  # a country code never starts with 0; 6 to 15 digits
            raise InvalidSetting("handoff_bad_number")
        return number
