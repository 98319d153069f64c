"""Who on the staff is told of an escalation, and with which template (notification_settings).
The staff numbers' rule is ops.onboard's too."""

from __future__ import annotations

import re
from collections.abc import Iterable

from receptionist.crm.connection import Database
from receptionist.crm.contacts import InvalidPhoneError, normalize_phone
from receptionist.crm.models import NotificationSettings
from receptionist.crm.settings.errors import InvalidSetting

MAX_STAFF_NUMBERS = 20
# The escalation template's parameters the notifier knows how to fill (notifier.service.escalation_params).
TEMPLATE_PARAM_NAMES = ("customer_name", "customer_number", "reason")
_SEPARATORS = re.compile(r"[,;\n]+")


def staff_numbers(items: Iterable[str]) -> list[str]:
    """WhatsApp numbers, each 6-15 digits ("+34 600..." is fine), from items that may each hold
    several (one per line or comma-separated): normalized, each once, MAX_STAFF_NUMBERS at most."""
    numbers: list[str] = []
    for item in (part for text in items for part in _SEPARATORS.split(text)):
        if not item.strip():
            continue
        try:
            number = normalize_phone(item)
        except InvalidPhoneError as exc:
            raise InvalidSetting("set_bad_staff_number") from exc
        if number not in numbers:
            numbers.append(number)
    if len(numbers) > MAX_STAFF_NUMBERS:
        raise InvalidSetting("set_too_many_numbers")
    return numbers


def save_notifications(db: Database, organization_id: str, settings: NotificationSettings) -> None:
    db.execute(
        """
        insert into notification_settings (organization_id, staff_numbers, escalation_template_id,
                                           escalation_template_params)
        values (%s, %s, %s, %s)
        on conflict (organization_id) do update set staff_numbers = excluded.staff_numbers,
            escalation_template_id = excluded.escalation_template_id,
            escalation_template_params = excluded.escalation_template_params
        """,
        (organization_id, settings.staff_numbers, settings.template_id, settings.template_params),
    )
