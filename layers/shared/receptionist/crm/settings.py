"""A business's configuration as its owner edits it (the console's settings): the assistant's
persona, services and knowledge entries (read here, written through receptionist.catalogue),
staff with the services they offer, weekly hours and time off, staff notification numbers and
the escalation template, appointment reminders (when, and with which approved template), how
long its data is kept (retention), the Gupshup connections, and the settings' audit trail.

Values arrive as a form's strings; `parse_*` turn them into checked values, or raise
InvalidSetting(code) before anything is written, with the same bounds as the tables' checks (a
check the database still refuses is mapped to the same kind of error, never a 500). Every
statement names the organization; an id of another organization (or not an id at all) is simply
not found."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psycopg import errors
from psycopg.types.json import Jsonb

from receptionist import disclosure
from receptionist.crm.connection import Database, Row
from receptionist.crm.contacts import InvalidPhoneError, normalize_phone
from receptionist.crm.inbox import is_id
from receptionist.crm.models import AgentSettings, KnowledgeEntry, MessageTemplate, NotificationSettings, Service
from receptionist.crm.reminders import ReminderContent
from receptionist.crm.templates import render_template
from receptionist.emergency import InvalidEmergencyNumber
from receptionist.emergency import chosen as chosen_emergency_number
from receptionist.languages import LANGUAGES, language_of
from receptionist.retention.rules import BOUNDS as RETENTION_BOUNDS
from receptionist.retention.rules import COLUMNS as RETENTION_COLUMNS
from receptionist.retention.rules import DEFAULT as DEFAULT_WINDOWS
from receptionist.retention.rules import Windows

MAX_STAFF_NUMBERS = 20
MAX_TEMPLATE_PARAMS = 10
# The escalation template's parameters the notifier knows how to fill (notifier.service.escalation_params).
TEMPLATE_PARAM_NAMES = ("customer_name", "customer_number", "reason")
_CLOCK = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_PRICE = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_PARAM_PATH = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
# Reminders (agent_settings, migration 20261203000000_reminders.sql): at most 5 per appointment,
# each 15 minutes to 7 days before it; the values a reminder template is filled with are those
# the reminder pass knows (crm.reminders.ReminderContent.values()).
MAX_REMINDERS = 5
REMINDER_MINUTES = (15, 10080)
REMINDER_PARAM_NAMES = ("customer_name", "service", "member", "date", "time", "when", "business")
# What each {{n}} of a template gets until the owner says otherwise.
DEFAULT_REMINDER_PARAMS = ("customer_name", "when", "service", "member", "business", "date", "time")
REMINDER_UNITS = {"h": 60, "min": 1}
_REMINDER_AMOUNT = re.compile(r"^\d{1,5}$")
_REMINDER_FIELD = re.compile(r"^(offset_amount|param)_(\d{1,2})$")


class InvalidSetting(ValueError):
    """A value the owner must correct; `code` names the sentence shown (console/i18n_settings.py)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- what the pages show ------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceSetting(Service):
    active: bool = True


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    active: bool
    service_ids: tuple[str, ...]  # none: the member may do every service nobody is assigned to


@dataclass(frozen=True)
class WeeklyHours:
    id: str
    weekday: int  # ISO: 1 = Monday
    starts: str  # "HH:MM", local wall time
    ends: str  # "HH:MM"; "24:00" is midnight


@dataclass(frozen=True)
class TimeOff:
    id: str
    member_id: str | None  # None: the whole business is closed
    starts_at: datetime
    ends_at: datetime
    reason: str | None


@dataclass(frozen=True)
class MemberDetail:
    member: Member
    hours: list[WeeklyHours]
    time_off: list[TimeOff]


@dataclass(frozen=True)
class Connection:
    id: str
    app_name: str
    business_number: str
    api_key_ref: str  # the NAME of the SSM SecureString holding the key, never the key
    active: bool


@dataclass(frozen=True)
class ConnectionInput:
    app_name: str
    business_number: str
    api_key_ref: str
    active: bool


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class ReminderSettings:
    """When a business's customers are reminded of an appointment, and with which template."""

    template_id: str | None  # Gupshup's id of one of its message_templates; None: no reminders
    offsets_minutes: list[int]  # before the appointment, the earliest reminder first
    template_params: list[str]  # what fills {{1}}, {{2}}... (REMINDER_PARAM_NAMES)


@dataclass(frozen=True)
class ReminderView:
    """The stored reminder settings (offsets and parameters kept while reminders are off) and
    what a sample reminder is made of: the business's name, language, zone, a service, a member."""

    settings: ReminderSettings
    business: str
    language: str
    timezone: str
    service: str | None
    member: str | None


@dataclass(frozen=True)
class NewBusiness:
    """A business to create (ops.onboard), its values already checked."""

    name: str
    app_name: str
    business_number: str
    api_key_ref: str
    timezone: str
    language: str
    owner_email: str
    assistant_name: str = "Asistente"
    staff_numbers: list[str] = field(default_factory=list)
    emergency_number: str | None = None  # receptionist/emergency.py


DEFAULT_PERSONA = AgentSettings(
    "Asistente", "cercano y profesional", "", "es", "Europe/Madrid", 60, 60, 15, emergency_number="112"
)


# -- parsing and checking -----------------------------------------------------------------------
def _text(values: Mapping[str, str], name: str) -> str:
    return values.get(name, "").strip()


def _bounded(values: Mapping[str, str], name: str, low: int, high: int, code: str) -> str:
    value = _text(values, name)
    if not low <= len(value) <= high:
        raise InvalidSetting(code)
    return value


def _integer(values: Mapping[str, str], name: str, low: int, high: int, code: str) -> int:
    raw = _text(values, name)
    if not re.fullmatch(r"\d{1,6}", raw) or not low <= int(raw) <= high:
        raise InvalidSetting(code)
    return int(raw)


def _checked(values: Mapping[str, str], name: str) -> bool:
    return _text(values, name).lower() in ("on", "true", "1", "yes")


@cache
def time_zone_names() -> frozenset[str]:
    """The zone names a business may use: the tz database's zones as the tzdata package lists them
    (it ships in every function's layer, so each one loads them whatever its image carries), but
    'Factory'. The database's check pins the same list (public.iana_time_zones(), migration
    20261207010100, compared with the package in tests/integration/crm/test_time_zones.py)."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listed.split()) - {"Factory"}


def valid_timezone(name: str) -> bool:
    """An IANA zone name every function loads, as agent_settings' check wants it: never an
    abbreviation ('CEST'), another spelling ('europe/madrid'), a POSIX rule or a file of this
    machine ('localtime'). The database also checks that PostgreSQL knows it."""
    if name not in time_zone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def parse_persona(values: Mapping[str, str]) -> AgentSettings:
    timezone = _text(values, "timezone")
    if not valid_timezone(timezone):
        raise InvalidSetting("set_bad_timezone")
    language = _text(values, "language")
    if language not in LANGUAGES:
        raise InvalidSetting("set_bad_language")
    try:  # empty: the time zone's default, where there is one
        emergency_number = chosen_emergency_number(values.get("emergency_number"), timezone)
    except InvalidEmergencyNumber as exc:
        raise InvalidSetting("set_bad_emergency_number") from exc
    if emergency_number is None:
        raise InvalidSetting("set_emergency_number_needed")
    disclosure_text = _bounded(values, "disclosure_text", 0, disclosure.MAX_CHARS, "set_bad_disclosure_text")
    after_days = disclosure.DEFAULT_AFTER_DAYS
    if _text(values, "disclosure_after_days"):  # empty: the default
        after_days = _integer(values, "disclosure_after_days", 1, 3650, "set_bad_disclosure_after_days")
    return AgentSettings(
        assistant_name=_bounded(values, "assistant_name", 1, 60, "set_bad_assistant_name"),
        tone=_bounded(values, "tone", 0, 200, "set_bad_tone"),
        instructions=_bounded(values, "instructions", 0, 4000, "set_bad_instructions"),
        language=language,
        timezone=timezone,
        booking_lead_minutes=_integer(values, "booking_lead_minutes", 0, 43200, "set_bad_lead"),
        booking_horizon_days=_integer(values, "booking_horizon_days", 1, 365, "set_bad_horizon"),
        slot_step_minutes=_integer(values, "slot_step_minutes", 5, 120, "set_bad_step"),
        interactive_replies=_checked(values, "interactive_replies"),
        emergency_number=emergency_number,
        disclosure_text=disclosure_text or None,
        disclosure_after_days=after_days,
    )


def parse_price(raw: str) -> int | None:
    """Cents from "45", "45.5" or "45,50"; empty: the price is given on request (None)."""
    raw = raw.strip().replace(" ", "")
    if not raw:
        return None
    match = _PRICE.fullmatch(raw)
    if match is None:
        raise InvalidSetting("set_bad_price")
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def parse_service(values: Mapping[str, str], service_id: str = "") -> Service:
    currency = _text(values, "currency").upper() or "EUR"
    if not _CURRENCY.fullmatch(currency):
        raise InvalidSetting("set_bad_currency")
    return Service(
        id=service_id,
        name=_bounded(values, "name", 1, 200, "set_bad_service_name"),
        description=_bounded(values, "description", 0, 2000, "set_bad_description"),
        duration_minutes=_integer(values, "duration_minutes", 5, 480, "set_bad_duration"),
        price_cents=parse_price(values.get("price", "")),
        currency=currency,
        bookable=_checked(values, "bookable"),
    )


def parse_entry(values: Mapping[str, str]) -> tuple[str, str]:
    return (
        _bounded(values, "title", 1, 300, "set_bad_entry_title"),
        _bounded(values, "body", 1, 8000, "set_bad_entry_body"),
    )


def parse_member(values: Mapping[str, str]) -> tuple[str, bool]:
    """A member's name, and whether they take bookings."""
    return _bounded(values, "name", 1, 200, "set_bad_member_name"), _checked(values, "active")


def parse_hours(values: Mapping[str, str]) -> tuple[int, str, str]:
    weekday = _integer(values, "weekday", 1, 7, "set_bad_weekday")
    starts, ends = _text(values, "starts"), _text(values, "ends")
    if not _CLOCK.fullmatch(starts) or starts == "24:00" or not _CLOCK.fullmatch(ends) or starts >= ends:
        raise InvalidSetting("set_bad_hours")
    return weekday, starts, ends


def parse_time_off(values: Mapping[str, str], timezone: str) -> tuple[datetime, datetime, str | None]:
    """Local wall times (an <input type="datetime-local">) in the business's zone."""
    zone = ZoneInfo(timezone)
    try:
        starts = datetime.fromisoformat(_text(values, "off_starts")).replace(tzinfo=zone)
        ends = datetime.fromisoformat(_text(values, "off_ends")).replace(tzinfo=zone)
    except ValueError as exc:
        raise InvalidSetting("set_bad_time_off") from exc
    if starts >= ends:
        raise InvalidSetting("set_bad_time_off")
    reason = _bounded(values, "reason", 0, 500, "set_bad_reason")
    return starts, ends, reason or None


def parse_staff_numbers(raw: str) -> list[str]:
    """WhatsApp numbers, one per line or comma-separated, each 6-15 digits ("+34 600..." is fine)."""
    numbers: list[str] = []
    for item in re.split(r"[,;\n]+", raw):
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


def parse_notifications(values: Mapping[str, str]) -> NotificationSettings:
    template_id = _text(values, "escalation_template_id")
    if template_id and not _TEMPLATE_ID.fullmatch(template_id):
        raise InvalidSetting("set_bad_template_id")
    params = [p.strip() for p in re.split(r"[,\s]+", values.get("escalation_template_params", "")) if p.strip()]
    if len(params) > MAX_TEMPLATE_PARAMS or any(p not in TEMPLATE_PARAM_NAMES for p in params):
        raise InvalidSetting("set_bad_template_params")
    return NotificationSettings(parse_staff_numbers(values.get("staff_numbers", "")), template_id or None, params)


def parse_reminders(values: Mapping[str, str]) -> ReminderSettings:
    """The reminder form: `enabled`; `template_id`; up to MAX_REMINDERS times before the
    appointment as `offset_amount_<n>` with `offset_unit_<n>` ("h" or "min": "24 h", "2 h",
    "90 min"), empty rows skipped, duplicates removed; `param_<n>`: what fills {{n}}, in order.
    Off: template None (the stored times and parameters are left for when they are turned back
    on). Whether the template is the business's and takes that many values is checked against
    the database (check_reminder_template)."""
    if not _checked(values, "enabled"):
        return ReminderSettings(None, [], [])
    template_id = _text(values, "template_id")
    if not template_id:
        raise InvalidSetting("set_reminder_template_needed")
    if not _TEMPLATE_ID.fullmatch(template_id):
        raise InvalidSetting("set_bad_reminder_template")
    indexed: dict[str, dict[int, str]] = {"offset_amount": {}, "param": {}}
    for name, value in values.items():
        if match := _REMINDER_FIELD.fullmatch(name):
            indexed[match.group(1)][int(match.group(2))] = value.strip()
    offsets = _reminder_offsets(values, indexed["offset_amount"])
    chosen = _reminder_params(indexed["param"])
    return ReminderSettings(template_id, offsets, chosen)


def _reminder_offsets(values: Mapping[str, str], amounts: Mapping[int, str]) -> list[int]:
    """Minutes before the appointment, the earliest reminder first, each once."""
    offsets: list[int] = []
    for n, amount in sorted(amounts.items()):
        if not amount:
            continue
        unit = REMINDER_UNITS.get(_text(values, f"offset_unit_{n}"))
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
    if any(p and p not in REMINDER_PARAM_NAMES for p in chosen) or len(chosen) > MAX_TEMPLATE_PARAMS:
        raise InvalidSetting("set_bad_reminder_params")
    if "" in chosen:
        raise InvalidSetting("set_reminder_params_count")  # a {{n}} left without a value
    return chosen


def check_reminder_template(wanted: ReminderSettings, template: MessageTemplate | None) -> None:
    """The chosen template is one of the business's (read under its row level security: another
    business's id finds nothing) and takes exactly as many values as were chosen."""
    if wanted.template_id is None:
        return
    if template is None:
        raise InvalidSetting("set_bad_reminder_template")
    if template.param_count != len(wanted.template_params):
        raise InvalidSetting("set_reminder_params_count")


def default_reminder_params(count: int) -> list[str]:
    return [DEFAULT_REMINDER_PARAMS[i % len(DEFAULT_REMINDER_PARAMS)] for i in range(count)]


def offset_rows(offsets: Sequence[int]) -> list[tuple[str, str]]:
    """MAX_REMINDERS (amount, unit) rows for the form: whole hours in hours, else minutes."""
    rows = [(str(m // 60), "h") if m % 60 == 0 else (str(m), "min") for m in offsets[:MAX_REMINDERS]]
    return rows + [("", "h")] * (MAX_REMINDERS - len(rows))


def parse_connection(values: Mapping[str, str], keys_prefix: str | None, *, app_name: str) -> ConnectionInput:
    """What an owner may change of an existing Gupshup connection: its business number and
    whether it is active. The app name cannot change (it is part of every conversation's key,
    of its webhook secret's name, and it routes callbacks to this business), and the key's SSM
    parameter is always `<stage's Gupshup keys prefix><app name>`: a business can never name
    another app's key. New connections are made by ops (`receptionist.ops.onboard`)."""
    try:
        number = normalize_phone(values.get("business_number", ""))
    except InvalidPhoneError as exc:
        raise InvalidSetting("set_bad_business_number") from exc
    return ConnectionInput(app_name, number, key_ref_for(app_name, keys_prefix), _checked(values, "active"))


def key_ref_for(app_name: str, keys_prefix: str | None) -> str:
    """The SSM parameter that holds an app's Gupshup key (checked like any key reference)."""
    return check_key_ref(f"{keys_prefix or ''}{app_name}", keys_prefix)


def valid_app_name(name: str) -> bool:
    """A Gupshup app name as conversation keys and SSM parameter names can carry it."""
    return bool(_APP_NAME.fullmatch(name))


def check_key_ref(ref: str, keys_prefix: str | None) -> str:
    """`ref` when it names a parameter under `keys_prefix` (e.g. /receptionist/prod/gupshup/)."""
    if not keys_prefix:
        raise InvalidSetting("set_keys_prefix_unknown")
    rest = ref[len(keys_prefix) :] if ref.startswith(keys_prefix) else ""
    if not rest or len(ref) > 1011 or not _PARAM_PATH.fullmatch(rest) or ".." in rest.split("/"):
        raise InvalidSetting("set_bad_key_ref")
    return ref


@contextmanager
def name_must_be_free(code: str) -> Iterator[None]:
    """A write whose unique name (a service's, a member's) is already taken raises InvalidSetting(code)."""
    try:
        yield
    except errors.UniqueViolation as exc:
        raise InvalidSetting(code) from exc


# -- persona ------------------------------------------------------------------------------------
_PERSONA_COLUMNS = (
    "assistant_name, tone, instructions, language, timezone, booking_lead_minutes, booking_horizon_days,"
    " slot_step_minutes, interactive_replies, emergency_number, disclosure_text, disclosure_after_days"
)


def persona(db: Database, organization_id: str) -> AgentSettings:
    row = db.fetch_one(f"select {_PERSONA_COLUMNS} from agent_settings where organization_id = %s", (organization_id,))
    return AgentSettings(**row) if row else DEFAULT_PERSONA


def save_persona(db: Database, organization_id: str, persona: AgentSettings) -> None:
    params = {"org": organization_id, **persona.__dict__}
    try:
        db.execute(
            f"""
            insert into agent_settings (organization_id, {_PERSONA_COLUMNS})
            values (%(org)s, %(assistant_name)s, %(tone)s, %(instructions)s, %(language)s, %(timezone)s,
                    %(booking_lead_minutes)s, %(booking_horizon_days)s, %(slot_step_minutes)s,
                    %(interactive_replies)s, %(emergency_number)s, %(disclosure_text)s,
                    %(disclosure_after_days)s)
            on conflict (organization_id) do update set
                assistant_name = excluded.assistant_name, tone = excluded.tone,
                instructions = excluded.instructions, language = excluded.language,
                timezone = excluded.timezone, booking_lead_minutes = excluded.booking_lead_minutes,
                booking_horizon_days = excluded.booking_horizon_days,
                slot_step_minutes = excluded.slot_step_minutes,
                interactive_replies = excluded.interactive_replies,
                emergency_number = excluded.emergency_number, disclosure_text = excluded.disclosure_text,
                disclosure_after_days = excluded.disclosure_after_days, updated_at = now()
            """,
            params,
        )
    except errors.CheckViolation as exc:
        if exc.diag.constraint_name == "agent_settings_emergency_number_check":
            raise InvalidSetting("set_bad_emergency_number") from exc
        if exc.diag.constraint_name == "agent_settings_disclosure_text_check":
            raise InvalidSetting("set_bad_disclosure_text") from exc
        if exc.diag.constraint_name == "agent_settings_disclosure_after_days_check":
            raise InvalidSetting("set_bad_disclosure_after_days") from exc
        # Otherwise the only check Python cannot see: PostgreSQL's own list of zones.
        raise InvalidSetting("set_bad_timezone") from exc


# -- retention (agent_settings; receptionist/retention/rules.py, docs/privacy.md) ------------------
RETENTION_ERRORS = {"text_months": "set_bad_text_months", "media_days": "set_bad_media_days",
                    "usage_months": "set_bad_usage_months"}  # fmt: skip


def parse_retention(values: Mapping[str, str]) -> Windows:
    """The retention form: each window a whole number within its bounds; empty, its default."""
    chosen: dict[str, int] = {}
    for name, (low, high) in RETENTION_BOUNDS.items():
        empty = not _text(values, name)
        chosen[name] = (
            getattr(DEFAULT_WINDOWS, name) if empty else _integer(values, name, low, high, RETENTION_ERRORS[name])
        )
    return Windows(**chosen)


def retention(db: Database, organization_id: str) -> Windows:
    columns = ", ".join(f"{column} as {name}" for name, column in RETENTION_COLUMNS.items())
    row = db.fetch_one(f"select {columns} from agent_settings where organization_id = %s", (organization_id,))
    return Windows(**row) if row else DEFAULT_WINDOWS


def save_retention(db: Database, organization_id: str, windows: Windows) -> None:
    names = ", ".join(RETENTION_COLUMNS.values())
    values = ", ".join(f"%({name})s" for name in RETENTION_COLUMNS)
    updates = ", ".join(f"{column} = excluded.{column}" for column in RETENTION_COLUMNS.values())
    try:
        db.execute(
            f"insert into agent_settings (organization_id, {names}) values (%(org)s, {values})"
            f" on conflict (organization_id) do update set {updates}, updated_at = now()",
            {"org": organization_id, **windows.__dict__},
        )
    except errors.CheckViolation as exc:
        for name, column in RETENTION_COLUMNS.items():
            if exc.diag.constraint_name == f"agent_settings_{column}_check":
                raise InvalidSetting(RETENTION_ERRORS[name]) from exc
        raise


def _zone_refused(exc: errors.Error) -> bool:
    """The database refused the time zone (a name PostgreSQL's own tz database lacks)."""
    return isinstance(exc, errors.CheckViolation) and exc.diag.constraint_name == "agent_settings_timezone_check"


# -- services and knowledge entries (written through receptionist.catalogue) ---------------------
def services(db: Database, organization_id: str) -> list[ServiceSetting]:
    rows = db.fetch_all(
        "select id::text as id, name, description, duration_minutes, price_cents, currency, bookable, active"
        " from services where organization_id = %s order by active desc, name",
        (organization_id,),
    )
    return [ServiceSetting(**r) for r in rows]


def service(db: Database, organization_id: str, service_id: str) -> ServiceSetting | None:
    if not is_id(service_id):
        return None
    return next((s for s in services_by_id(db, organization_id, [service_id])), None)


def services_by_id(db: Database, organization_id: str, ids: Sequence[str]) -> list[ServiceSetting]:
    rows = db.fetch_all(
        "select id::text as id, name, description, duration_minutes, price_cents, currency, bookable, active"
        " from services where organization_id = %s and id = any(%s::uuid[])",
        (organization_id, [i for i in ids if is_id(i)]),
    )
    return [ServiceSetting(**r) for r in rows]


def usual_currency(db: Database, organization_id: str) -> str:
    row = db.fetch_one(
        "select currency from services where organization_id = %s group by currency order by count(*) desc limit 1",
        (organization_id,),
    )
    return str(row["currency"]) if row else "EUR"


def set_service_active(db: Database, organization_id: str, service_id: str, active: bool) -> bool:
    """Services are never deleted (appointments keep pointing at them): a withdrawn service is
    inactive, which hides it from customers, the assistant and new bookings."""
    if not is_id(service_id):
        return False
    return (
        db.execute(
            "update services set active = %s where organization_id = %s and id = %s",
            (active, organization_id, service_id),
        )
        > 0
    )


def entries(db: Database, organization_id: str) -> list[KnowledgeEntry]:
    rows = db.fetch_all(
        "select id::text as id, title, body from knowledge_entries where organization_id = %s order by title",
        (organization_id,),
    )
    return [KnowledgeEntry(**r) for r in rows]


def entry(db: Database, organization_id: str, entry_id: str) -> KnowledgeEntry | None:
    if not is_id(entry_id):
        return None
    row = db.fetch_one(
        "select id::text as id, title, body from knowledge_entries where organization_id = %s and id = %s",
        (organization_id, entry_id),
    )
    return KnowledgeEntry(**row) if row else None


def delete_entry(db: Database, organization_id: str, entry_id: str) -> bool:
    if not is_id(entry_id):
        return False
    return (
        db.execute("delete from knowledge_entries where organization_id = %s and id = %s", (organization_id, entry_id))
        > 0
    )


# -- staff ----------------------------------------------------------------------------------------
_MEMBERS = """
    select m.id::text as id, m.name, m.active,
           coalesce(array(select ms.service_id::text from member_services ms
                          where ms.organization_id = m.organization_id and ms.member_id = m.id
                          order by ms.service_id), '{}') as service_ids
    from members m where m.organization_id = %(org)s
"""


def _member(row: Row) -> Member:
    return Member(row["id"], row["name"], row["active"], tuple(row["service_ids"]))


def members(db: Database, organization_id: str) -> list[Member]:
    return [_member(r) for r in db.fetch_all(_MEMBERS + " order by m.active desc, m.name", {"org": organization_id})]


def member(db: Database, organization_id: str, member_id: str) -> MemberDetail | None:
    """The member with their weekly hours and their time off (from 30 days ago on)."""
    if not is_id(member_id):
        return None
    row = db.fetch_one(_MEMBERS + " and m.id = %(id)s", {"org": organization_id, "id": member_id})
    if row is None:
        return None
    hours = db.fetch_all(
        "select id::text as id, weekday, to_char(starts, 'HH24:MI') as starts, to_char(ends, 'HH24:MI') as ends"
        " from member_hours where organization_id = %s and member_id = %s order by weekday, starts",
        (organization_id, member_id),
    )
    return MemberDetail(_member(row), [WeeklyHours(**h) for h in hours], time_off(db, organization_id, member_id))


def time_off(db: Database, organization_id: str, member_id: str | None) -> list[TimeOff]:
    """A member's time off, or the business's closures (member None), from 30 days ago on."""
    rows = db.fetch_all(
        "select id::text as id, member_id::text as member_id, starts_at, ends_at, reason from member_time_off"
        " where organization_id = %s and member_id is not distinct from %s::uuid"
        " and ends_at > now() - interval '30 days' order by starts_at limit 200",
        (organization_id, member_id),
    )
    return [TimeOff(**r) for r in rows]


def create_member(db: Database, organization_id: str, name: str) -> str:
    try:
        row = db.fetch_one(
            "insert into members (organization_id, name) values (%s, %s) returning id::text as id",
            (organization_id, name),
        )
    except errors.UniqueViolation as exc:
        raise InvalidSetting("set_member_name_taken") from exc
    assert row is not None
    return str(row["id"])


def update_member(db: Database, organization_id: str, member_id: str, name: str, active: bool) -> bool:
    """Members are never deleted (appointments keep pointing at them): an inactive member is
    offered for no new booking."""
    try:
        changed = db.execute(
            "update members set name = %s, active = %s where organization_id = %s and id = %s",
            (name, active, organization_id, member_id),
        )
    except errors.UniqueViolation as exc:
        raise InvalidSetting("set_member_name_taken") from exc
    return changed > 0


def set_member_services(db: Database, organization_id: str, member_id: str, service_ids: Sequence[str]) -> list[str]:
    """The member offers exactly these services (ids of other organizations are ignored). One
    statement. The services the member now offers."""
    row = db.fetch_one(
        """
        with wanted as (
            select s.id from services s where s.organization_id = %(org)s and s.id = any(%(ids)s::uuid[])
        ), removed as (
            delete from member_services ms
            where ms.organization_id = %(org)s and ms.member_id = %(member)s
              and ms.service_id not in (select id from wanted)
        ), added as (
            insert into member_services (organization_id, member_id, service_id)
            select %(org)s, %(member)s, id from wanted
            on conflict do nothing
        )
        select coalesce(array(select id::text from wanted order by id), '{}') as ids
        """,
        {"org": organization_id, "member": member_id, "ids": [i for i in service_ids if is_id(i)]},
    )
    assert row is not None
    return list(row["ids"])


def add_hours(db: Database, organization_id: str, member_id: str, weekday: int, starts: str, ends: str) -> str:
    try:
        row = db.fetch_one(
            "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
            " values (%s, %s, %s, %s::time, %s::time) returning id::text as id",
            (organization_id, member_id, weekday, starts, ends),
        )
    except errors.ExclusionViolation as exc:
        raise InvalidSetting("set_hours_overlap") from exc
    assert row is not None
    return str(row["id"])


def delete_hours(db: Database, organization_id: str, member_id: str, hours_id: str) -> bool:
    if not is_id(hours_id):
        return False
    return (
        db.execute(
            "delete from member_hours where organization_id = %s and member_id = %s and id = %s",
            (organization_id, member_id, hours_id),
        )
        > 0
    )


def add_time_off(
    db: Database, organization_id: str, member_id: str | None, starts: datetime, ends: datetime, reason: str | None
) -> str:
    row = db.fetch_one(
        "insert into member_time_off (organization_id, member_id, starts_at, ends_at, reason)"
        " values (%s, %s::uuid, %s, %s, %s) returning id::text as id",
        (organization_id, member_id, starts, ends, reason),
    )
    assert row is not None
    return str(row["id"])


def delete_time_off(db: Database, organization_id: str, member_id: str | None, time_off_id: str) -> bool:
    if not is_id(time_off_id):
        return False
    return (
        db.execute(
            "delete from member_time_off where organization_id = %s and member_id is not distinct from %s::uuid"
            " and id = %s",
            (organization_id, member_id, time_off_id),
        )
        > 0
    )


# -- notifications ------------------------------------------------------------------------------
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


# -- reminders ------------------------------------------------------------------------------------
_REMINDER_SAMPLES = {"es": ("Lucía", "Consulta", "Ana"), "en": ("Lucy", "Appointment", "Anna")}


def reminders(db: Database, organization_id: str) -> ReminderView:
    """The business's reminder settings and what a sample reminder is made of. One round trip."""
    row = db.fetch_one(
        """
        select o.name as business, st.reminder_template_id as template_id,
               coalesce(st.reminder_offsets_minutes, '{1440}') as offsets,
               coalesce(st.reminder_template_params, '{}') as params,
               coalesce(st.language, 'es') as language, coalesce(st.timezone, 'Europe/Madrid') as timezone,
               (select s.name from services s where s.organization_id = o.id and s.active
                order by s.name limit 1) as service,
               (select m.name from members m where m.organization_id = o.id and m.active
                order by m.name limit 1) as member
        from organizations o
        left join agent_settings st on st.organization_id = o.id
        where o.id = %s
        """,
        (organization_id,),
    )
    if row is None:
        return ReminderView(ReminderSettings(None, [1440], []), "", "es", "Europe/Madrid", None, None)
    settings = ReminderSettings(row["template_id"], list(row["offsets"]), list(row["params"]))
    return ReminderView(settings, row["business"], row["language"], row["timezone"], row["service"], row["member"])


def reminder_example(
    view: ReminderView, template: MessageTemplate, params: Sequence[str], now: datetime | None = None
) -> str | None:
    """The template as a customer would read it, filled the way the reminder pass fills it
    (ReminderContent) for a sample customer with an appointment tomorrow at 10:00, the business's
    time; None when its body does not take that many values."""
    zone = ZoneInfo(view.timezone)
    tomorrow = (now or datetime.now(zone)).astimezone(zone).date() + timedelta(days=1)
    customer, service, member = _REMINDER_SAMPLES[language_of(view.language)]
    sample = ReminderContent(
        organization_id="",
        appointment_id="",
        business=view.business,
        app_name="",
        customer_number="",
        customer_name=customer,
        service=view.service or service,
        member=view.member or member,
        starts_at=datetime.combine(tomorrow, time(10, 0), zone),
        status="pending",
        template_id=template.template_id,
        template_params=list(params),
        template_body=template.body,
        language=view.language,
    )
    try:
        return render_template(template.body, sample.params())
    except ValueError:
        return None


def save_reminders(db: Database, organization_id: str, wanted: ReminderSettings) -> None:
    """Reminders off (template None: the times and parameters stay stored), or on with these
    times, template and values: the template is read (locked against a change meanwhile) and
    checked, and the settings written, in one transaction. The table's checks stay the last word:
    a value they refuse is InvalidSetting, never a 500."""
    try:
        if wanted.template_id is None:
            db.execute(
                "insert into agent_settings (organization_id, reminder_template_id) values (%s, null)"
                " on conflict (organization_id) do update set reminder_template_id = null, updated_at = now()",
                (organization_id,),
            )
            return
        with db.transaction() as tx:
            row = tx.fetch_one(
                "select template_id, label, body, param_count from message_templates"
                " where organization_id = %s and template_id = %s for share",
                (organization_id, wanted.template_id),
            )
            check_reminder_template(wanted, MessageTemplate(**row) if row else None)
            tx.execute(
                """
                insert into agent_settings (organization_id, reminder_template_id, reminder_offsets_minutes,
                                            reminder_template_params)
                values (%s, %s, %s, %s)
                on conflict (organization_id) do update set
                    reminder_template_id = excluded.reminder_template_id,
                    reminder_offsets_minutes = excluded.reminder_offsets_minutes,
                    reminder_template_params = excluded.reminder_template_params, updated_at = now()
                """,
                (organization_id, wanted.template_id, wanted.offsets_minutes, wanted.template_params),
            )
    except errors.CheckViolation as exc:
        template = exc.diag.constraint_name == "agent_settings_reminder_template_check"
        raise InvalidSetting("set_bad_reminder_template" if template else "set_bad_reminder_time") from exc


# -- Gupshup connections ------------------------------------------------------------------------
_CONNECTION_COLUMNS = "id::text as id, app_name, business_number, api_key_ref, active"


def connections(db: Database, organization_id: str) -> list[Connection]:
    rows = db.fetch_all(
        f"select {_CONNECTION_COLUMNS} from platform_connections"
        " where organization_id = %s and provider = 'gupshup' order by created_at, app_name",
        (organization_id,),
    )
    return [Connection(**r) for r in rows]


def connection(db: Database, organization_id: str, connection_id: str) -> Connection | None:
    if not is_id(connection_id):
        return None
    row = db.fetch_one(
        f"select {_CONNECTION_COLUMNS} from platform_connections"
        " where organization_id = %s and provider = 'gupshup' and id = %s",
        (organization_id, connection_id),
    )
    return Connection(**row) if row else None


def update_connection(db: Database, organization_id: str, connection_id: str, wanted: ConnectionInput) -> bool:
    try:
        changed = db.execute(
            "update platform_connections set business_number = %s, api_key_ref = %s, active = %s"
            " where organization_id = %s and provider = 'gupshup' and id = %s",
            (wanted.business_number, wanted.api_key_ref, wanted.active, organization_id, connection_id),
        )
    except errors.CheckViolation as exc:
        raise InvalidSetting("set_bad_key_ref") from exc
    return changed > 0


# -- audit ----------------------------------------------------------------------------------------
def settings_changes(db: Database, organization_id: str, limit: int = 20) -> list[AuditLine]:
    """Who changed which setting, and when: the latest first."""
    rows = db.fetch_all(
        "select at, actor, action, target, details from audit_log"
        " where organization_id = %s and action like 'settings\\_%%' order by at desc, id desc limit %s",
        (organization_id, max(1, min(limit, 200))),
    )
    return [AuditLine(**r) for r in rows]


def changed_fields(before: object, after: object, *, long_fields: Sequence[str] = ()) -> dict[str, Any]:
    """What an edit changed, for the audit log: new values of short fields, "changed" for long texts."""
    old, new = before.__dict__, after.__dict__
    return {
        name: ("changed" if name in long_fields else value)
        for name, value in new.items()
        if name != "id" and old.get(name) != value
    }


# -- a new business (ops.onboard; as the tables' owner: these read and write across businesses) ---
def organization_of_app(db: Database, app_name: str) -> str | None:
    """The organization a Gupshup app is connected to, active or not."""
    row = db.fetch_one(
        "select organization_id::text as id from platform_connections where provider = 'gupshup' and app_name = %s",
        (app_name,),
    )
    return str(row["id"]) if row else None


def console_user_exists(db: Database, sub: str) -> bool:
    """Whether this Cognito user has a console account (of a business, or an operator's)."""
    return db.fetch_one("select 1 as found from console_users where sub = %s", (sub,)) is not None


def create_business(db: Database, business: NewBusiness, owner_sub: str, actor: str) -> str | None:
    """The organization, its assistant settings, Gupshup connection, notification settings, its
    owner's console account and the audit line (`business_onboarded` by `actor`, the values
    onboard_business() records from the console, and `via`), in one transaction; its id. None
    when the app name (or the owner's account) was taken meanwhile: nothing is written.
    InvalidSetting("set_bad_timezone") when the database does not know the time zone."""
    try:
        with db.transaction() as tx:
            row = tx.fetch_one(
                "insert into organizations (name) values (%s) returning id::text as id", (business.name,)
            )
            assert row is not None
            org = str(row["id"])
            tx.execute(
                "insert into agent_settings (organization_id, assistant_name, language, timezone, emergency_number)"
                " values (%s, %s, %s, %s, %s)",
                (org, business.assistant_name, business.language, business.timezone, business.emergency_number),
            )
            tx.execute(
                "insert into platform_connections (organization_id, provider, app_name, business_number, api_key_ref)"
                " values (%s, 'gupshup', %s, %s, %s)",
                (org, business.app_name, business.business_number, business.api_key_ref),
            )
            tx.execute(
                "insert into notification_settings (organization_id, staff_numbers) values (%s, %s)",
                (org, business.staff_numbers),
            )
            tx.execute(
                "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, 'owner')",
                (owner_sub, org, business.owner_email),
            )
            details = {
                "name": business.name,
                "app_name": business.app_name,
                "business_number": business.business_number,
                "api_key_ref": business.api_key_ref,
                "owner_email": business.owner_email,
                "via": "ops.onboard",
            }
            tx.execute(
                "insert into audit_log (organization_id, actor, action, target, details)"
                " values (%s, %s, 'business_onboarded', %s, %s)",
                (org, actor, org, Jsonb(details)),
            )
    except errors.UniqueViolation:
        return None
    except errors.CheckViolation as exc:
        if _zone_refused(exc):
            raise InvalidSetting("set_bad_timezone") from exc
        raise
    return org


# -- a new business from the console (as the console's role: through SECURITY DEFINER functions,
#    migration 20261202000400_operators.sql; each refuses anyone but an operator account) --------
class NotAnOperator(Exception):
    """onboard_business refused the caller (SQLSTATE RC403): not an operator account."""


_APP_TAKEN, _OWNER_TAKEN, _NOT_OPERATOR = "RC409", "RC410", "RC403"


@dataclass(frozen=True)
class BusinessLine:
    """A business as the operator's list shows it (one line per Gupshup app)."""

    id: str
    name: str
    app_name: str | None
    active: bool
    created_at: datetime


def gupshup_app_organization(db: Database, app_name: str) -> str | None:
    row = db.fetch_one("select public.gupshup_app_organization(%s)::text as id", (app_name,))
    return str(row["id"]) if row and row["id"] else None


def operator_businesses(db: Database, operator_sub: str) -> list[BusinessLine]:
    rows = db.fetch_all(
        "select id::text as id, name, app_name, active, created_at from public.operator_businesses(%s)",
        (operator_sub,),
    )
    return [BusinessLine(**r) for r in rows]


def onboard_business(db: Database, operator_sub: str, business: NewBusiness, owner_sub: str) -> str | None:
    """Every row of the new business, its owner's console account and the audit line (actor:
    the operator's e-mail), in one transaction; its id. None, with nothing written, when the app
    is onboarded or the owner's account linked meanwhile."""
    try:
        row = db.fetch_one(
            "select public.onboard_business(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)::text as id",
            (
                operator_sub,
                business.name,
                business.app_name,
                business.business_number,
                business.api_key_ref,
                business.timezone,
                business.language,
                business.assistant_name,
                business.staff_numbers,
                owner_sub,
                business.owner_email,
                business.emergency_number,
            ),
        )
    except errors.Error as exc:
        if exc.sqlstate in (_APP_TAKEN, _OWNER_TAKEN):
            return None
        if exc.sqlstate == _NOT_OPERATOR:
            raise NotAnOperator from exc
        if _zone_refused(exc):
            raise InvalidSetting("set_bad_timezone") from exc
        raise
    assert row is not None
    return str(row["id"])
