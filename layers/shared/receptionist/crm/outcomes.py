"""Appointment outcomes and reminder metrics per business (issue 17); recall metrics (issue 29).

`reminder_metrics` counts, for the appointments that start in a period [since, until), what their
reminders did and how the appointments ended: one SQL statement (one round trip), run inside
`db.acting_for(organization)` so row level security scopes it to that business. Counts only:
never a customer's name, number or words.

What each number means (docs/reminders.md, "Outcomes and metrics"):

- reminders: rows of appointment_reminders of those appointments, by status (`sent`, `skipped`,
  `pending` = claimed or queued, still on its way) and by the customer's first answer
  (`confirmed`, `cancelled`, `change`, `typed`).
- `rescheduled`: reminders answered `change` or `typed` whose appointment was moved afterwards
  (an appointment_history 'rescheduled' row after the answer), by the assistant or by staff.
- appointments: all of them, `cancelled`, `completed`, `no_show`; each outcome split by whether
  the appointment had a reminder sent (`with_reminder`) or not.
- no-show rate: no_show / (completed + no_show), None when no appointment has an outcome yet;
  also with and without a reminder, the figure that tells whether reminders pay.

The period is by the appointment's current start time: a moved appointment counts where it now
is; a reminder counts with its appointment, not when it was sent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from receptionist.crm.availability import is_uuid
from receptionist.crm.connection import Database

# One statement: the period's appointments (with whether a reminder reached the customer), their
# reminders (with whether a 'change' / typed answer was followed by a move), then both counted.
_METRICS = """
with appts as (
    select a.id, a.status,
           exists (
               select 1 from appointment_reminders r
               where r.organization_id = a.organization_id and r.appointment_id = a.id and r.status = 'sent'
           ) as reminded
    from appointments a
    where a.organization_id = %(org)s and a.starts_at >= %(since)s and a.starts_at < %(until)s
), reminders as (
    select r.status, r.answer,
           r.answer in ('change', 'typed') and exists (
               select 1 from appointment_history h
               where h.organization_id = r.organization_id and h.appointment_id = r.appointment_id
                 and h.action = 'rescheduled' and h.at > r.answered_at
           ) as rescheduled
    from appointment_reminders r
    join appts a on a.id = r.appointment_id
    where r.organization_id = %(org)s
), reminder_counts as (
    select count(*) filter (where status = 'sent') as sent,
           count(*) filter (where status = 'skipped') as skipped,
           count(*) filter (where status in ('claimed', 'queued')) as pending,
           count(*) filter (where answer = 'confirmed') as confirmed,
           count(*) filter (where answer = 'cancelled') as cancelled_by_reminder,
           count(*) filter (where answer = 'change') as change_asked,
           count(*) filter (where answer = 'typed') as typed,
           count(*) filter (where rescheduled) as rescheduled
    from reminders
), appointment_counts as (
    select count(*) as appointments,
           count(*) filter (where status = 'cancelled') as cancelled,
           count(*) filter (where status = 'completed' and reminded) as completed_with_reminder,
           count(*) filter (where status = 'completed' and not reminded) as completed_without_reminder,
           count(*) filter (where status = 'no_show' and reminded) as no_show_with_reminder,
           count(*) filter (where status = 'no_show' and not reminded) as no_show_without_reminder
    from appts
)
select * from reminder_counts cross join appointment_counts
"""

_BUSINESSES = """
select o.id::text as id, o.name, coalesce(s.timezone, 'Europe/Madrid') as timezone
from organizations o
left join agent_settings s on s.organization_id = o.id
"""


@dataclass(frozen=True)
class Business:
    """What a report names a business by (never a customer's data)."""

    id: str
    name: str
    timezone: str


@dataclass(frozen=True)
class ReminderMetrics:
    organization_id: str
    since: datetime
    until: datetime
    # reminders of the period's appointments
    sent: int
    skipped: int
    pending: int  # claimed or queued: still on their way
    confirmed: int
    cancelled_by_reminder: int
    change_asked: int
    typed: int
    rescheduled: int  # answered change / typed, then moved
    # the period's appointments
    appointments: int
    cancelled: int
    completed_with_reminder: int
    completed_without_reminder: int
    no_show_with_reminder: int
    no_show_without_reminder: int

    @property
    def completed(self) -> int:
        return self.completed_with_reminder + self.completed_without_reminder

    @property
    def no_show(self) -> int:
        return self.no_show_with_reminder + self.no_show_without_reminder

    @property
    def no_show_rate(self) -> float | None:
        return _rate(self.no_show, self.completed)

    @property
    def no_show_rate_with_reminder(self) -> float | None:
        return _rate(self.no_show_with_reminder, self.completed_with_reminder)

    @property
    def no_show_rate_without_reminder(self) -> float | None:
        return _rate(self.no_show_without_reminder, self.completed_without_reminder)

    def as_dict(self) -> dict[str, Any]:
        """Every count and rate, times as ISO strings (the CLI's --json)."""
        values = asdict(self)
        values["since"], values["until"] = self.since.isoformat(), self.until.isoformat()
        values.update(
            completed=self.completed,
            no_show=self.no_show,
            no_show_rate=self.no_show_rate,
            no_show_rate_with_reminder=self.no_show_rate_with_reminder,
            no_show_rate_without_reminder=self.no_show_rate_without_reminder,
        )
        return values


def _rate(no_show: int, completed: int) -> float | None:
    """no_show / (completed + no_show); None when nothing has an outcome (0% would be a claim)."""
    total = no_show + completed
    return no_show / total if total else None


def reminder_metrics(db: Database, organization_id: str, since: datetime, until: datetime) -> ReminderMetrics:
    """The business's reminder and outcome counts for appointments starting in [since, until)
    (aware datetimes). One round trip, under row level security."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("since and until must be aware datetimes")
    counts: dict[str, Any] = {}
    if is_uuid(organization_id):
        with db.acting_for(organization_id):
            row = db.fetch_one(_METRICS, {"org": organization_id, "since": since, "until": until})
        counts = dict(row or {})
    names = [f.name for f in fields(ReminderMetrics) if f.name not in ("organization_id", "since", "until")]
    return ReminderMetrics(organization_id, since, until, **{n: int(counts.get(n) or 0) for n in names})


# Recalls (docs/recalls.md): those sent in the period (Gupshup took them: sent_at), and of them
# those an appointment was booked after within BOOKING_DAYS (the appointments' recall_booking
# trigger keeps it on the recall; its creation time decides); the taps too. One statement.
BOOKING_DAYS = 14
_RECALLS = """
select count(*) as sent,
       count(*) filter (where b.created_at is not null
                          and b.created_at <= r.sent_at + make_interval(days => %(days)s)) as booked,
       count(*) filter (where r.answer = 'book') as book_taps,
       count(*) filter (where r.answer = 'no') as declined
from recalls r
left join appointments b on b.organization_id = r.organization_id and b.id = r.booked_appointment_id
where r.organization_id = %(org)s and r.sent_at >= %(since)s and r.sent_at < %(until)s
"""


@dataclass(frozen=True)
class RecallMetrics:
    organization_id: str
    since: datetime
    until: datetime
    sent: int  # recalls Gupshup took in the period
    booked: int  # of those, followed by a booking of the customer within BOOKING_DAYS
    book_taps: int  # "Reservar" tapped
    declined: int  # "No, gracias" tapped

    @property
    def booking_rate(self) -> float | None:
        return self.booked / self.sent if self.sent else None

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["since"], values["until"] = self.since.isoformat(), self.until.isoformat()
        values["booking_rate"] = self.booking_rate
        return values


def recall_metrics(db: Database, organization_id: str, since: datetime, until: datetime) -> RecallMetrics:
    """The business's recalls sent in [since, until) and the bookings within BOOKING_DAYS of them.
    One round trip, under row level security."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("since and until must be aware datetimes")
    counts: dict[str, Any] = {}
    if is_uuid(organization_id):
        with db.acting_for(organization_id):
            row = db.fetch_one(_RECALLS, {"org": organization_id, "since": since, "until": until, "days": BOOKING_DAYS})
        counts = dict(row or {})
    names = ("sent", "booked", "book_taps", "declined")
    return RecallMetrics(organization_id, since, until, **{n: int(counts.get(n) or 0) for n in names})


def local_period(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """The instants from the start of `first` to the end of `last` (inclusive days) in the
    business's time zone: what [since, until) is for a report by days."""
    tz = ZoneInfo(timezone)
    return datetime.combine(first, time(), tzinfo=tz), datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)


def business(db: Database, organization_id: str) -> Business | None:
    """The business's name and time zone (None when it is not one, or not visible to this role)."""
    if not is_uuid(organization_id):
        return None
    with db.acting_for(organization_id):
        row = db.fetch_one(_BUSINESSES + " where o.id = %s", (organization_id,))
    return Business(row["id"], row["name"], row["timezone"]) if row else None


def businesses(db: Database) -> list[Business]:
    """Every business this connection sees, by name: all of them as the tables' owner; none as
    the console's role (row level security, no organization set)."""
    rows = db.fetch_all(_BUSINESSES + " order by o.name, o.id")
    return [Business(r["id"], r["name"], r["timezone"]) for r in rows]


# -- the no-show policy, before and after (issue 29, point 4) ------------------------------------
# The latest time the policy came on (a history row in force after one that was not, or the first
# one) before `until`, when it went off again if it did; then the outcomes of the appointments that
# started in the same span before it came on, and of those of the period while it was on.
_NOSHOW_METRICS = """
with h as (
    select at, enabled, lag(enabled) over (order by at, id) as was
    from noshow_policy_history where organization_id = %(org)s and at < %(until)s
), switched as (
    select max(at) as on_at from h where enabled and not coalesce(was, false)
), span as (
    select s.on_at, (select min(h.at) from h where not h.enabled and h.at > s.on_at) as off_at,
           (select enabled from h order by at desc limit 1) as in_force
    from switched s
), windows as (
    select on_at, off_at, coalesce(in_force, false) as in_force,
           on_at - make_interval(secs => %(span)s) as before_from,
           -- greatest() and least() skip NULLs: never on, no "after" either
           case when on_at is not null then greatest(%(since)s::timestamptz, on_at) end as after_from,
           least(%(until)s::timestamptz, coalesce(off_at, %(until)s::timestamptz)) as after_until
    from span
)
select w.on_at, w.off_at, w.in_force,
       count(a.id) filter (where a.status = 'completed' and a.starts_at >= w.before_from
                           and a.starts_at < w.on_at) as completed_before,
       count(a.id) filter (where a.status = 'no_show' and a.starts_at >= w.before_from
                           and a.starts_at < w.on_at) as no_show_before,
       count(a.id) filter (where a.status = 'completed' and a.starts_at >= w.after_from
                           and a.starts_at < w.after_until) as completed_after,
       count(a.id) filter (where a.status = 'no_show' and a.starts_at >= w.after_from
                           and a.starts_at < w.after_until) as no_show_after
from windows w
left join appointments a
  on a.organization_id = %(org)s and a.status in ('completed', 'no_show')
 and a.starts_at >= least(w.before_from, w.after_from) and a.starts_at < %(until)s
group by w.on_at, w.off_at, w.in_force
"""


@dataclass(frozen=True)
class NoShowMetrics:
    """The no-show rate before and after the no-show policy came on, for a period [since, until):
    `after` counts the period's appointments that started while the policy was on (from `on_at`,
    until `off_at` if it went off again), `before` those of a span as long as the period just
    before `on_at`. No `on_at` (the policy was never on before `until`): no comparison."""

    organization_id: str
    since: datetime
    until: datetime
    on_at: datetime | None  # when the policy last came on before `until`
    off_at: datetime | None  # when it went off again after that, if it did
    in_force: bool  # on at `until` (as the history says)
    completed_before: int
    no_show_before: int
    completed_after: int
    no_show_after: int

    @property
    def rate_before(self) -> float | None:
        return _rate(self.no_show_before, self.completed_before)

    @property
    def rate_after(self) -> float | None:
        return _rate(self.no_show_after, self.completed_after)

    @property
    def span(self) -> timedelta:
        """The period's length in elapsed time (a day of a clock change is 23 or 25 hours)."""
        return self.until.astimezone(UTC) - self.since.astimezone(UTC)

    @property
    def before_from(self) -> datetime | None:
        return self.on_at - self.span if self.on_at else None

    def as_dict(self) -> dict[str, Any]:
        """Every count and rate, times as ISO strings (the CLI's --json)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        values = asdict(self)
        values.update(
            since=iso(self.since),
            until=iso(self.until),
            on_at=iso(self.on_at),
            off_at=iso(self.off_at),
            before_from=iso(self.before_from),
            rate_before=self.rate_before,
            rate_after=self.rate_after,
        )
        return values


def noshow_metrics(db: Database, organization_id: str, since: datetime, until: datetime) -> NoShowMetrics:
    """The business's no-show rate before and after its no-show policy came on, for the period
    [since, until) (aware datetimes). One round trip, under row level security."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("since and until must be aware datetimes")
    row: dict[str, Any] = {}
    if is_uuid(organization_id):
        with db.acting_for(organization_id):
            span = (until.astimezone(UTC) - since.astimezone(UTC)).total_seconds()
            found = db.fetch_one(
                _NOSHOW_METRICS, {"org": organization_id, "since": since, "until": until, "span": span}
            )
        row = dict(found or {})
    counts = ("completed_before", "no_show_before", "completed_after", "no_show_after")
    return NoShowMetrics(
        organization_id,
        since,
        until,
        on_at=row.get("on_at"),
        off_at=row.get("off_at"),
        in_force=bool(row.get("in_force")),
        **{n: int(row.get(n) or 0) for n in counts},
    )


# -- the waitlist (issue 29; docs/waitlist.md, "Measured") ------------------------------------------
# One statement: the offers made in the period (by when they were claimed) counted by what became
# of them, the slots they filled, and the time from the opening (when the slot freed) to the
# accepting tap, its median in seconds.
_WAITLIST = """
with offers as (
    select o.status, o.opening_id, o.answered_at, coalesce(op.created_at, o.created_at) as freed_at
    from waitlist_offers o
    left join waitlist_openings op on op.organization_id = o.organization_id and op.id = o.opening_id
    where o.organization_id = %(org)s and o.created_at >= %(since)s and o.created_at < %(until)s
)
select count(*) filter (where status not in ('claimed', 'skipped')) as offers,
       count(*) filter (where status = 'accepted') as fills,
       count(*) filter (where status = 'declined') as declined,
       count(*) filter (where status = 'expired') as expired,
       count(*) filter (where status = 'lost') as lost,
       count(*) filter (where status = 'skipped') as skipped,
       count(*) filter (where status = 'failed') as failed,
       count(distinct opening_id) filter (where opening_id is not null and status not in ('claimed', 'skipped'))
         as slots_offered,
       percentile_cont(0.5) within group (order by extract(epoch from answered_at - freed_at))
         filter (where status = 'accepted' and answered_at is not null) as median_seconds_to_fill
from offers
"""


@dataclass(frozen=True)
class WaitlistMetrics:
    """A business's waitlist offers claimed in [since, until) and what became of them."""

    organization_id: str
    since: datetime
    until: datetime
    offers: int  # offers that went out (queued or further), whatever the answer
    fills: int  # accepted: the customer got the slot
    declined: int
    expired: int
    lost: int  # accepted too late: someone else got the slot first
    skipped: int  # not sent (no template outside the window, no app, opted out...)
    failed: int  # given up, or refused / undelivered by WhatsApp
    slots_offered: int  # distinct freed slots (openings) offered
    median_seconds_to_fill: float | None  # from the slot freeing to the accepting tap; None: no fill

    @property
    def fill_rate(self) -> float | None:
        """Fills per slot offered (None when no slot was offered)."""
        return self.fills / self.slots_offered if self.slots_offered else None

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["since"], values["until"] = self.since.isoformat(), self.until.isoformat()
        values["fill_rate"] = self.fill_rate
        return values


def waitlist_metrics(db: Database, organization_id: str, since: datetime, until: datetime) -> WaitlistMetrics:
    """The business's waitlist offers, fills and median time to fill for offers claimed in
    [since, until) (aware datetimes). One round trip, under row level security."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("since and until must be aware datetimes")
    counts: dict[str, Any] = {}
    if is_uuid(organization_id):
        with db.acting_for(organization_id):
            row = db.fetch_one(_WAITLIST, {"org": organization_id, "since": since, "until": until})
        counts = dict(row or {})
    median = counts.get("median_seconds_to_fill")
    names = [
        f.name
        for f in fields(WaitlistMetrics)
        if f.name not in ("organization_id", "since", "until", "median_seconds_to_fill")
    ]
    return WaitlistMetrics(
        organization_id,
        since,
        until,
        **{n: int(counts.get(n) or 0) for n in names},
        median_seconds_to_fill=None if median is None else float(median),
    )
