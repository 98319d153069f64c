"""The settings pages' forms, with the same bounds as the tables' checks (the database stays the
last word: crm/settings/ maps what it still refuses to the same sentences). Each method raises
InvalidSetting(code) before anything is written; `code` names the sentence (an id of the console catalogue)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict

from receptionist import disclosure
from receptionist.console.forms import FormModel, bounded, ticked, whole
from receptionist.crm.contacts import InvalidPhoneError, normalize_phone
from receptionist.crm.models import AgentSettings, NotificationSettings, Service
from receptionist.crm.settings.catalogue import RECALL_DAYS
from receptionist.crm.settings.connections import ConnectionInput, key_ref_for
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.notifications import TEMPLATE_PARAM_NAMES, staff_numbers
from receptionist.crm.settings.reminders import MAX_REMINDERS, REMINDER_MINUTES, REMINDER_PARAM_NAMES, ReminderSettings
from receptionist.crm.settings.retention import RETENTION_ERRORS
from receptionist.crm.settings.zones import valid_timezone
from receptionist.crm.templates import MAX_PARAMS, TEMPLATE_ID
from receptionist.emergency import InvalidEmergencyNumber
from receptionist.emergency import chosen as chosen_emergency_number
from receptionist.i18n.locales import business_languages
from receptionist.retention.rules import BOUNDS as RETENTION_BOUNDS
from receptionist.retention.rules import DEFAULT as DEFAULT_WINDOWS
from receptionist.retention.rules import Windows

_CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_PRICE = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# A reminder time is an amount and a unit ("24 h", "2 h", "90 min").
REMINDER_UNITS = {"h": 60, "min": 1}
_REMINDER_AMOUNT = re.compile(r"^\d{1,5}$")
_REMINDER_FIELD = re.compile(r"^(offset_amount|param)_(\d{1,2})$")


# -- the assistant -------------------------------------------------------------------------------
class PersonaForm(FormModel):
    assistant_name: str = ""
    tone: str = ""
    instructions: str = ""
    language: str = ""
    timezone: str = ""
    booking_lead_minutes: str = ""
    booking_horizon_days: str = ""
    slot_step_minutes: str = ""
    interactive_replies: str = ""  # a checkbox
    emergency_number: str = ""  # empty: the time zone's default
    disclosure_text: str = ""  # empty: the default in the assistant's name and language
    disclosure_after_days: str = ""  # empty: disclosure.DEFAULT_AFTER_DAYS

    def settings(self) -> AgentSettings:
        timezone = self.timezone.strip()
        if not valid_timezone(timezone):
            raise InvalidSetting("set_bad_timezone")
        language = self.language.strip()
        if language not in business_languages():
            raise InvalidSetting("set_bad_language")
        try:  # empty: the time zone's default, where there is one
            emergency_number = chosen_emergency_number(self.emergency_number, timezone)
        except InvalidEmergencyNumber as exc:
            raise InvalidSetting("set_bad_emergency_number") from exc
        if emergency_number is None:
            raise InvalidSetting("set_emergency_number_needed")
        disclosure_text = bounded(self.disclosure_text, 0, disclosure.MAX_CHARS, "set_bad_disclosure_text")
        after_days = disclosure.DEFAULT_AFTER_DAYS
        if self.disclosure_after_days.strip():
            after_days = whole(self.disclosure_after_days, 1, 3650, "set_bad_disclosure_after_days")
        return AgentSettings(
            assistant_name=bounded(self.assistant_name, 1, 60, "set_bad_assistant_name"),
            tone=bounded(self.tone, 0, 200, "set_bad_tone"),
            instructions=bounded(self.instructions, 0, 4000, "set_bad_instructions"),
            language=language,
            timezone=timezone,
            booking_lead_minutes=whole(self.booking_lead_minutes, 0, 43200, "set_bad_lead"),
            booking_horizon_days=whole(self.booking_horizon_days, 1, 365, "set_bad_horizon"),
            slot_step_minutes=whole(self.slot_step_minutes, 5, 120, "set_bad_step"),
            interactive_replies=ticked(self.interactive_replies),
            emergency_number=emergency_number,
            disclosure_text=disclosure_text or None,
            disclosure_after_days=after_days,
        )


class RetentionForm(FormModel):
    """How long the business's data is kept; each window empty: its default."""

    text_months: str = ""
    media_days: str = ""
    usage_months: str = ""

    def windows(self) -> Windows:
        chosen: dict[str, int] = {}
        for name, (low, high) in RETENTION_BOUNDS.items():
            raw: str = getattr(self, name)
            empty = not raw.strip()
            chosen[name] = getattr(DEFAULT_WINDOWS, name) if empty else whole(raw, low, high, RETENTION_ERRORS[name])
        return Windows(**chosen)


# -- the catalogue -------------------------------------------------------------------------------
def parse_price(raw: str) -> int | None:
    """Cents from "45", "45.5" or "45,50"; empty: the price is given on request (None)."""
    raw = raw.strip().replace(" ", "")
    if not raw:
        return None
    match = _PRICE.fullmatch(raw)
    if match is None:
        raise InvalidSetting("set_bad_price")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


class ServiceForm(FormModel):
    name: str = ""
    description: str = ""
    duration_minutes: str = ""
    price: str = ""  # empty: on request
    currency: str = ""  # empty: EUR
    bookable: str = ""  # a checkbox: customers may book it over WhatsApp
    recall_days: str = ""  # empty: no recall (docs/recalls.md)

    def recall_interval(self) -> int | None:
        """Days after a completed visit its customer is invited back; None: never."""
        if not self.recall_days.strip():
            return None
        return whole(self.recall_days, *RECALL_DAYS, "rc_bad_recall_interval")

    def service(self, service_id: str = "") -> Service:
        currency = self.currency.strip().upper() or "EUR"
        if not _CURRENCY.fullmatch(currency):
            raise InvalidSetting("set_bad_currency")
        return Service(
            id=service_id,
            name=bounded(self.name, 1, 200, "set_bad_service_name"),
            description=bounded(self.description, 0, 2000, "set_bad_description"),
            duration_minutes=whole(self.duration_minutes, 5, 480, "set_bad_duration"),
            price_cents=parse_price(self.price),
            currency=currency,
            bookable=ticked(self.bookable),
        )


class ActiveForm(FormModel):
    active: str = ""  # a checkbox: offered (a service) again

    @property
    def on(self) -> bool:
        return self.active == "on"


class EntryForm(FormModel):
    title: str = ""
    body: str = ""

    def entry(self) -> tuple[str, str]:
        """The title and the text."""
        return bounded(self.title, 1, 300, "set_bad_entry_title"), bounded(self.body, 1, 8000, "set_bad_entry_body")


# -- staff ---------------------------------------------------------------------------------------
class MemberForm(FormModel):
    name: str = ""
    active: str = ""  # a checkbox: takes appointments

    def member(self) -> tuple[str, bool]:
        """A member's name, and whether they take bookings."""
        return bounded(self.name, 1, 200, "set_bad_member_name"), ticked(self.active)


class MemberServicesForm(FormModel):
    service_id: list[str] = []  # the services the member offers (another business's are ignored)


class HoursForm(FormModel):
    weekday: str = ""
    starts: str = ""  # "HH:MM"
    ends: str = ""  # "HH:MM"; "24:00" is midnight

    def hours(self) -> tuple[int, str, str]:
        weekday = whole(self.weekday, 1, 7, "set_bad_weekday")
        starts, ends = self.starts.strip(), self.ends.strip()
        if not _CLOCK.fullmatch(starts) or starts == "24:00" or not _CLOCK.fullmatch(ends) or starts >= ends:
            raise InvalidSetting("set_bad_hours")
        return weekday, starts, ends


class TimeOffForm(FormModel):
    off_starts: str = ""  # local wall times (an <input type="datetime-local">)
    off_ends: str = ""
    reason: str = ""

    def period(self, timezone: str) -> tuple[datetime, datetime, str | None]:
        """The absence in the business's zone, and its reason (None: not given)."""
        zone = ZoneInfo(timezone)
        try:
            starts = datetime.fromisoformat(self.off_starts.strip()).replace(tzinfo=zone)
            ends = datetime.fromisoformat(self.off_ends.strip()).replace(tzinfo=zone)
        except ValueError as exc:
            raise InvalidSetting("set_bad_time_off") from exc
        if starts >= ends:
            raise InvalidSetting("set_bad_time_off")
        reason = bounded(self.reason, 0, 500, "set_bad_reason")
        return starts, ends, reason or None


# -- notifications ------------------------------------------------------------------------------
class NotificationsForm(FormModel):
    staff_numbers: str = ""  # one per line or comma-separated
    escalation_template_id: str = ""
    escalation_template_params: str = ""  # names of TEMPLATE_PARAM_NAMES, comma or space separated

    def settings(self) -> NotificationSettings:
        template_id = self.escalation_template_id.strip()
        if template_id and not TEMPLATE_ID.fullmatch(template_id):
            raise InvalidSetting("set_bad_template_id")
        params = [p.strip() for p in re.split(r"[,\s]+", self.escalation_template_params) if p.strip()]
        if len(params) > MAX_PARAMS or any(p not in TEMPLATE_PARAM_NAMES for p in params):
            raise InvalidSetting("set_bad_template_params")
        return NotificationSettings(staff_numbers([self.staff_numbers]), template_id or None, params)


# -- reminders ------------------------------------------------------------------------------------
class RemindersForm(FormModel):
    """`enabled`; `template_id`; up to MAX_REMINDERS times before the appointment as
    `offset_amount_<n>` with `offset_unit_<n>` (REMINDER_UNITS); `param_<n>`: what fills {{n}}.
    The numbered fields are the form's extra fields."""

    model_config = ConfigDict(extra="allow", frozen=True)

    enabled: str = ""  # a checkbox
    template_id: str = ""

    def settings(self) -> ReminderSettings:
        """Empty rows skipped, duplicates removed; off: template None (the stored times and
        parameters are left for when they are turned back on). Whether the template is the
        business's and takes that many values is checked against the database
        (crm.settings.reminders.check_reminder_template)."""
        if not ticked(self.enabled):
            return ReminderSettings(None, [], [])
        template_id = self.template_id.strip()
        if not template_id:
            raise InvalidSetting("set_reminder_template_needed")
        if not TEMPLATE_ID.fullmatch(template_id):
            raise InvalidSetting("set_bad_reminder_template")
        indexed: dict[str, dict[int, str]] = {"offset_amount": {}, "param": {}}
        extra = self.numbered()
        for name, value in extra.items():
            if match := _REMINDER_FIELD.fullmatch(name):
                indexed[match.group(1)][int(match.group(2))] = value.strip()
        offsets = _reminder_offsets(extra, indexed["offset_amount"])
        return ReminderSettings(template_id, offsets, _reminder_params(indexed["param"]))

    def enabled_now(self) -> RemindersForm:
        """The same form with reminders on (what a preview shows, on or off)."""
        return self.model_copy(update={"enabled": "on"})

    def numbered(self) -> dict[str, str]:
        """The numbered fields as sent (a field sent twice: its last value)."""
        return {k: _last(v) for k, v in (self.model_extra or {}).items()}


def _last(value: Any) -> str:
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return value if isinstance(value, str) else ""


def _reminder_offsets(values: Mapping[str, str], amounts: Mapping[int, str]) -> list[int]:
    """Minutes before the appointment, the earliest reminder first, each once."""
    offsets: list[int] = []
    for n, amount in sorted(amounts.items()):
        if not amount:
            continue
        unit = REMINDER_UNITS.get(values.get(f"offset_unit_{n}", "").strip())
        if unit is None or not _REMINDER_AMOUNT.fullmatch(amount):
            raise InvalidSetting("set_bad_reminder_time")
        minutes = int(amount) * unit
        if not REMINDER_MINUTES[0] <= minutes <= REMINDER_MINUTES[1]:
            raise InvalidSetting("set_bad_reminder_time")
        if minutes not in offsets:
            offsets.append(minutes)
    if not offsets:
        raise InvalidSetting("set_no_reminder_times")
    if len(offsets) > MAX_REMINDERS:
        raise InvalidSetting("set_too_many_reminder_times")
    return sorted(offsets, reverse=True)


def _reminder_params(params: Mapping[int, str]) -> list[str]:
    """What fills {{1}}, {{2}}..., in order (the empty selects past the template's count dropped)."""
    chosen = [params.get(n, "") for n in range(1, max(params, default=0) + 1)]
    while chosen and not chosen[-1]:
        chosen.pop()
    if any(p and p not in REMINDER_PARAM_NAMES for p in chosen) or len(chosen) > MAX_PARAMS:
        raise InvalidSetting("set_bad_reminder_params")
    if "" in chosen:
        raise InvalidSetting("set_reminder_params_count")  # a {{n}} left without a value
    return chosen


def offset_rows(offsets: Sequence[int]) -> list[tuple[str, str]]:
    """MAX_REMINDERS (amount, unit) rows for the form: whole hours in hours, else minutes."""
    rows = [(str(m // 60), "h") if m % 60 == 0 else (str(m), "min") for m in offsets[:MAX_REMINDERS]]
    return rows + [("", "h")] * (MAX_REMINDERS - len(rows))


# -- Gupshup connections ------------------------------------------------------------------------
class ConnectionForm(FormModel):
    business_number: str = ""
    active: str = ""  # a checkbox

    def connection(self, keys_prefix: str | None, *, app_name: str) -> ConnectionInput:
        """What an owner may change of an existing Gupshup connection: its business number and
        whether it is active. The app name cannot change (it is part of every conversation's key,
        of its webhook secret's name, and it routes callbacks to this business), and the key's SSM
        parameter is always `<stage's Gupshup keys prefix><app name>`: a business can never name
        another app's key. New connections are made by ops (`receptionist.ops.onboard`)."""
        try:
            number = normalize_phone(self.business_number)
        except InvalidPhoneError as exc:
            raise InvalidSetting("set_bad_business_number") from exc
        return ConnectionInput(app_name, number, key_ref_for(app_name, keys_prefix), ticked(self.active))


class RotationStartForm(FormModel):
    rotation_token: str = ""  # the page's own random token (services.settings.connections)


class RotationEndForm(FormModel):
    fingerprint: str = ""  # the pending secret the page named
