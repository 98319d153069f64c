"""When a business's customers are reminded of an appointment, and with which of its approved
templates (agent_settings, migration 20261203000000_reminders.sql), and what such a reminder
reads like. At most MAX_REMINDERS per appointment, each 15 minutes to 7 days before it; the values
a reminder template is filled with are those the reminder pass knows
(crm.reminders.ReminderContent.values())."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.models import MessageTemplate
from receptionist.crm.reminders import ReminderContent
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.templates import SELECT_TEMPLATE, render_template, template_from
from receptionist.i18n.locales import Locale, locale_of

MAX_REMINDERS = 5
REMINDER_MINUTES = (15, 10080)
REMINDER_PARAM_NAMES = ("customer_name", "service", "member", "date", "time", "when", "business")
# What each {{n}} of a template gets until the owner says otherwise.
DEFAULT_REMINDER_PARAMS = ("customer_name", "when", "service", "member", "business", "date", "time")


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


# A sample customer, service and member per language, for the preview (staff's console).
_SAMPLES: dict[Locale, tuple[str, str, str]] = {
    "es": ("Lucía", "Consulta", "Ana"),
    "en": ("Lucy", "Appointment", "Anna"),
    "pt_BR": ("Luísa", "Consulta", "Ana"),
    "ca": ("Laia", "Consulta", "Anna"),
}


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
    customer, service, member = _SAMPLES.get(locale_of(view.language), _SAMPLES["es"])
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


def default_reminder_params(count: int) -> list[str]:
    return [DEFAULT_REMINDER_PARAMS[i % len(DEFAULT_REMINDER_PARAMS)] for i in range(count)]


def check_reminder_template(wanted: ReminderSettings, template: MessageTemplate | None) -> None:
    """The chosen template is one of the business's (read under its row level security: another
    business's id finds nothing), approved and still listed by Gupshup, and takes exactly as many
    values as were chosen."""
    if wanted.template_id is None:
        return
    if template is None:
        raise InvalidSetting("set_bad_reminder_template")
    if not template.usable:  # pending, rejected, paused, or no longer in Gupshup
        raise InvalidSetting("set_reminder_template_not_approved")
    if template.param_count != len(wanted.template_params):
        raise InvalidSetting("set_reminder_params_count")


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
                f"{SELECT_TEMPLATE} where organization_id = %s and template_id = %s for share",
                (organization_id, wanted.template_id),
            )
            check_reminder_template(wanted, template_from(row) if row else None)
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
