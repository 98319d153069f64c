"""Appointment reminders (table appointment_reminders, migration 20261203000000_reminders.sql).

A reminder belongs to one start time of its appointment: its `due_at` is that start minus its
offset, and the key is (appointment, offset, due_at) (migration 20261207010000), so a moved
appointment is reminded again at its new time, and a reminder of an earlier time is `moved`.

- `due_reminders` lists what is due across businesses (a SECURITY DEFINER function: ids and
  times only, the one cross-tenant read, like resolve_gupshup_app). One round trip.
- `claim_reminder` writes the (appointment, offset, start) row at most once: INSERT ... ON
  CONFLICT DO NOTHING RETURNING, so of two overlapping passes exactly one gets the row (and its
  random token); the other gets None. One round trip.
- `reminder_content` reads what the template needs in one round trip; `mark_reminder` moves a
  row along claimed -> queued -> sent | skipped (never back); `record_failure` counts a failed
  try and gives the reminder up ('failed') at the last one. All but `due_reminders` and
  `unqueued_reminders` run inside `db.acting_for(organization)`: row level security scopes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database, Row
from receptionist.crm.models import ACTIVE_STATUSES_SQL, ReminderTiming, VoidReason
from receptionist.crm.settings.template_languages import choices_from, choices_sql, pick
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import locale_of

ReminderStatus = Literal["claimed", "queued", "sent", "skipped", "failed"]
# Why a reminder was not sent (appointment_reminders.skip_reason): void (outdated, gone, or its
# customer's reminder consent withdrawn), or the business dropped its template or app. NULL for the
# notifier's other skips (opted out, refused, no conversation).
SkipReason = Literal[VoidReason, "no_template", "no_app"]

# A status only moves forward: claimed -> queued -> sent | skipped (claimed -> sent/skipped too,
# when the notifier is faster than the pass's own update); claimed -> failed (given up). A job
# the notifier delivered is 'sent' even when the pass gave up marking it queued.
_EARLIER: dict[str, tuple[str, ...]] = {
    "claimed": (),
    "queued": ("claimed",),
    "sent": ("claimed", "queued", "failed"),
    "skipped": ("claimed", "queued"),
    "failed": (),  # only through record_failure
}


@dataclass(frozen=True)
class DueReminder:
    organization_id: str
    appointment_id: str
    offset_minutes: int
    due_at: datetime


@dataclass(frozen=True)
class Reminder:
    id: str
    organization_id: str
    appointment_id: str
    offset_minutes: int
    due_at: datetime
    token: str
    status: str
    created_at: datetime
    attempts: int = 0  # failed tries so far (record_failure)

    @property
    def starts_at(self) -> datetime:
        """The appointment's start this reminder is for (a move makes it another reminder's)."""
        return self.due_at + timedelta(minutes=self.offset_minutes)


@dataclass(frozen=True)
class ReminderContent:
    """What the reminder template needs; its values in the business's time zone (`timezone`;
    None: `starts_at` is local already)."""

    organization_id: str
    appointment_id: str
    business: str
    app_name: str  # the business's active Gupshup app ("" when it has none)
    customer_number: str
    customer_name: str | None
    service: str
    member: str
    starts_at: datetime  # the appointment's start now
    status: str  # the appointment's
    template_id: str | None
    template_params: list[str]  # names of the values, in order
    template_body: str | None  # the approved text (message_templates), for the preview
    # The business's (agent_settings.language): the language of its approved template, so of `when`
    language: str = "es"
    timezone: str | None = None  # the business's (agent_settings.timezone)
    consented: bool = True  # the customer has reminder consent and has not opted out (consent register)
    # The template is one of the business's, approved and still listed by Gupshup (message_templates)
    template_usable: bool = True
    customer_language: str | None = None  # the customer's (chat_identities.language); None: not known
    # The locale of the per-language template chosen for the customer (template_choices); None: the
    # business's own template, in its language. The template's values are worded in the template's.
    template_language: str | None = None

    @property
    def conversation(self) -> str:
        return str(ConversationKey(self.app_name, self.customer_number))

    def values(self) -> dict[str, str]:
        """The template's values. Converting to the business's zone happens here, in the pass's
        per-reminder work: a zone that cannot be read fails this reminder only."""
        local = self.starts_at.astimezone(ZoneInfo(self.timezone)) if self.timezone else self.starts_at
        date = local.strftime("%d/%m/%Y")
        time = local.strftime("%H:%M")
        return {
            "customer_name": self.customer_name or f"+{self.customer_number}",
            "service": self.service,
            "member": self.member,
            "date": date,
            "time": time,
            "when": message(locale_of(self.template_language or self.language), "template_when", date=date, time=time),
            "business": self.business,
        }

    def params(self) -> list[str]:
        """The template's parameters in the business's configured order ("-" for an unknown name)."""
        values = self.values()
        return [values.get(name, "-") for name in self.template_params]


# Whether the appointment's customer may get a reminder now: the contact's phone is a chat identity
# of the business, not opted out, whose latest 'reminders' consent event grants it (crm/consent.py).
_CONSENTED = """coalesce((
    select not ci.opted_out and public.consent_granted(ci.organization_id, ci.id, 'reminders')
    from chat_identities ci join contacts c on c.organization_id = ci.organization_id and c.phone = ci.customer_number
    where c.organization_id = a.organization_id and c.id = a.contact_id
), false)"""


def reminder_timing(db: Database, organization_id: str, reminder_id: str) -> ReminderTiming | None:
    """What says whether a reminder is still current, and whether its customer still has reminder
    consent (None: the reminder or its appointment is gone). One round trip, by primary keys."""
    row = db.fetch_one(
        "select r.due_at + make_interval(mins => r.offset_minutes) as reminded_starts_at, a.status, a.starts_at,"
        f" {_CONSENTED} as consented"
        " from appointment_reminders r"
        " join appointments a on a.organization_id = r.organization_id and a.id = r.appointment_id"
        " where r.organization_id = %s and r.id = %s",
        (organization_id, reminder_id),
    )
    if row is None:
        return None
    return ReminderTiming(row["reminded_starts_at"], row["status"], row["starts_at"], row["consented"])


_REMINDER_COLUMNS = (
    "id::text, organization_id::text, appointment_id::text, offset_minutes, due_at, token, status, created_at, attempts"
)


def _reminder(row: Row) -> Reminder:
    return Reminder(
        id=row["id"],
        organization_id=row["organization_id"],
        appointment_id=row["appointment_id"],
        offset_minutes=row["offset_minutes"],
        due_at=row["due_at"],
        token=row["token"],
        status=row["status"],
        created_at=row["created_at"],
        attempts=row["attempts"],
    )


def due_reminders(db: Database, at: datetime, lookback: timedelta) -> list[DueReminder]:
    """Every reminder due at `at` not claimed yet, across businesses (reminder time in
    (at - lookback, at])."""
    rows = db.fetch_all(
        "select organization_id::text, appointment_id::text, offset_minutes, due_at from public.due_reminders(%s, %s)",
        (at, lookback),
    )
    return [DueReminder(r["organization_id"], r["appointment_id"], r["offset_minutes"], r["due_at"]) for r in rows]


def unqueued_reminders(db: Database, before: datetime) -> list[tuple[str, str]]:
    """(organization, reminder id) of claims made before `before` whose job never reached the queue."""
    rows = db.fetch_all("select organization_id::text, reminder_id::text from public.unqueued_reminders(%s)", (before,))
    return [(r["organization_id"], r["reminder_id"]) for r in rows]


def claim_reminder(
    db: Database, organization_id: str, appointment_id: str, offset_minutes: int, due_at: datetime
) -> Reminder | None:
    """The new reminder row (with its random token), or None when this offset of this start time
    was claimed before."""
    row = db.fetch_one(
        "insert into appointment_reminders (organization_id, appointment_id, offset_minutes, due_at)"
        " values (%s, %s, %s, %s)"
        " on conflict (organization_id, appointment_id, offset_minutes, due_at) do nothing"
        f" returning {_REMINDER_COLUMNS}",
        (organization_id, appointment_id, offset_minutes, due_at),
    )
    return _reminder(row) if row else None


def get_reminder(db: Database, organization_id: str, reminder_id: str) -> Reminder | None:
    row = db.fetch_one(
        f"select {_REMINDER_COLUMNS} from appointment_reminders where organization_id = %s and id = %s",
        (organization_id, reminder_id),
    )
    return _reminder(row) if row else None


def find_by_token(db: Database, organization_id: str, token: str) -> Reminder | None:
    """The organization's reminder behind a button's token (None for another business's token)."""
    row = db.fetch_one(
        f"select {_REMINDER_COLUMNS} from appointment_reminders where organization_id = %s and token = %s",
        (organization_id, token),
    )
    return _reminder(row) if row else None


def mark_reminder(
    db: Database, organization_id: str, reminder_id: str, status: ReminderStatus, reason: SkipReason | None = None
) -> bool:
    """Move a reminder forward to `status` (`reason`: why it is skipped); whether it changed
    (never backwards)."""
    earlier = list(_EARLIER[status])
    if not earlier:
        return False
    changed = db.execute(
        "update appointment_reminders set status = %s, skip_reason = %s, updated_at = now()"
        " where organization_id = %s and id = %s and status = any(%s)",
        (status, reason, organization_id, reminder_id, earlier),
    )
    return changed > 0


def record_failure(
    db: Database, organization_id: str, reminder_id: str, error: str, give_up_after: int
) -> ReminderStatus | None:
    """Count a failed try of a claimed reminder and keep why (`error`: no personal data); at the
    `give_up_after`-th it is given up ('failed'). Its status after, or None when it was no longer
    claimed (sent or skipped meanwhile). One round trip."""
    row = db.fetch_one(
        "update appointment_reminders set attempts = attempts + 1, last_error = left(%s, 300), updated_at = now(),"
        " status = case when attempts + 1 >= %s then 'failed' else status end"
        " where organization_id = %s and id = %s and status = 'claimed' returning status",
        (error, give_up_after, organization_id, reminder_id),
    )
    return row["status"] if row else None


def reminder_content(db: Database, organization_id: str, appointment_id: str) -> ReminderContent | None:
    """What the reminder template needs for one appointment (None when it is not this business's)."""
    row = db.fetch_one(
        f"""
        select a.organization_id::text, a.id::text as appointment_id, o.name as business,
               coalesce(pc.app_name, '') as app_name, c.phone, coalesce(c.name, ci.display_name) as customer_name,
               s.name as service, m.name as member, a.starts_at, a.status, st.timezone, st.language,
               st.reminder_template_id, st.reminder_template_params, t.body,
               coalesce(t.status = 'APPROVED' and t.removed_at is null, false) as template_usable,
               coalesce(not ci.opted_out and public.consent_granted(ci.organization_id, ci.id, 'reminders'), false)
                 as consented, ci.language as customer_language,
               {choices_sql("reminder", "a.organization_id")} as template_choices
        from appointments a
        join organizations o on o.id = a.organization_id
        join agent_settings st on st.organization_id = a.organization_id
        join contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
        join services s on s.organization_id = a.organization_id and s.id = a.service_id
        join members m on m.organization_id = a.organization_id and m.id = a.member_id
        left join chat_identities ci on ci.organization_id = a.organization_id and ci.customer_number = c.phone
        left join lateral (
            select p.app_name from platform_connections p
            where p.organization_id = a.organization_id and p.provider = 'gupshup' and p.active
            order by p.created_at limit 1
        ) pc on true
        left join message_templates t
          on t.organization_id = a.organization_id and t.template_id = st.reminder_template_id
        where a.organization_id = %s and a.id = %s
        """,
        (organization_id, appointment_id),
    )
    if row is None:
        return None
    # The customer's language's template when the business chose a usable one, else the default.
    chosen = pick(choices_from(row["template_choices"]), row["customer_language"], row["language"])
    return ReminderContent(
        organization_id=row["organization_id"],
        appointment_id=row["appointment_id"],
        business=row["business"],
        app_name=row["app_name"],
        customer_number=row["phone"],
        customer_name=row["customer_name"],
        service=row["service"],
        member=row["member"],
        starts_at=row["starts_at"],
        status=row["status"],
        template_id=chosen.template_id if chosen else row["reminder_template_id"],
        template_params=chosen.params if chosen else list(row["reminder_template_params"]),
        template_body=chosen.body if chosen else row["body"],
        language=row["language"],
        timezone=row["timezone"],
        consented=row["consented"],
        template_usable=chosen.usable if chosen else row["template_usable"],
        customer_language=row["customer_language"],
        template_language=chosen.locale if chosen else None,
    )


# -- the customer's answer ----------------------------------------------------------------------
ReminderAnswer = Literal["confirmed", "cancelled", "change", "typed"]


@dataclass(frozen=True)
class AnsweredReminder:
    """A reminder the customer answers, with its appointment (times in the business's zone)."""

    reminder_id: str
    appointment_id: str
    contact_id: str
    service: str
    member: str
    starts_at: datetime  # the appointment's start now, local
    status: str  # the appointment's
    timezone: str
    answer: str | None  # the reminder's first answer so far
    reminded_starts_at: datetime  # the start the reminder was for, local

    @property
    def moved(self) -> bool:
        """The appointment is no longer at the time this reminder was for: its buttons change nothing."""
        return self.reminded_starts_at != self.starts_at


_ANSWERED_SELECT = """
    select r.id::text as reminder_id, r.appointment_id::text, a.contact_id::text, s.name as service,
           m.name as member, a.starts_at, a.status, st.timezone, r.answer,
           r.due_at + make_interval(mins => r.offset_minutes) as reminded_starts_at
    from appointment_reminders r
    join appointments a on a.organization_id = r.organization_id and a.id = r.appointment_id
    join contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
    join services s on s.organization_id = a.organization_id and s.id = a.service_id
    join members m on m.organization_id = a.organization_id and m.id = a.member_id
    join agent_settings st on st.organization_id = a.organization_id
"""


def _answered(row: Row) -> AnsweredReminder:
    zone = ZoneInfo(row["timezone"])
    return AnsweredReminder(
        reminder_id=row["reminder_id"],
        appointment_id=row["appointment_id"],
        contact_id=row["contact_id"],
        service=row["service"],
        member=row["member"],
        starts_at=row["starts_at"].astimezone(zone),
        status=row["status"],
        timezone=row["timezone"],
        answer=row["answer"],
        reminded_starts_at=row["reminded_starts_at"].astimezone(zone),
    )


def reminder_for_customer(
    db: Database, organization_id: str, customer_number: str, token: str
) -> AnsweredReminder | None:
    """The reminder behind a button's token, only when it is this organization's and its
    appointment is this customer's (another business's or another customer's token: None)."""
    row = db.fetch_one(
        _ANSWERED_SELECT + " where r.organization_id = %s and r.token = %s and c.phone = %s",
        (organization_id, token, customer_number),
    )
    return _answered(row) if row else None


def awaiting_answer(
    db: Database, organization_id: str, customer_number: str, now: datetime, turn_id: str
) -> AnsweredReminder | None:
    """The customer's latest reminder that went out and has no answer yet (or one this very turn
    recorded: a retry), for an appointment still to come, active and still at the reminder's time:
    a written reply answers it."""
    row = db.fetch_one(
        _ANSWERED_SELECT + " where r.organization_id = %s and c.phone = %s and r.status in ('queued', 'sent')"
        f" and (r.answer is null or r.answer_turn = %s) and a.status in {ACTIVE_STATUSES_SQL} and a.starts_at > %s"
        " and r.due_at + make_interval(mins => r.offset_minutes) = a.starts_at"
        " order by r.created_at desc limit 1",
        (organization_id, customer_number, turn_id, now),
    )
    return _answered(row) if row else None


def record_answer(db: Database, organization_id: str, reminder_id: str, answer: ReminderAnswer, turn_id: str) -> bool:
    """Record the customer's answer given in `turn_id` (whether it changed anything). A tap is the
    customer's latest word and replaces an earlier one (Confirmar, then Cancelar: cancelled); a
    written reply only counts when there was no answer yet."""
    only_if_unanswered = answer == "typed"
    changed = db.execute(
        "update appointment_reminders set answer = %s, answered_at = now(), answer_turn = %s, updated_at = now()"
        " where organization_id = %s and id = %s and answer is distinct from %s and (answer is null or not %s)",
        (answer, turn_id, organization_id, reminder_id, answer, only_if_unanswered),
    )
    return changed > 0


@dataclass(frozen=True)
class AppliedAnswer:
    """What a Confirmar / Cancelar tap did: the appointment's status after it, and why it was
    refused (BookingResult's failure: not_active, not_found..., or "moved": the appointment is no
    longer at the reminder's time) or None; `starts_at`: the appointment's start now (local),
    when known."""

    status: str
    error: str | None = None
    starts_at: datetime | None = None
