"""What the staff console reads about a business's appointments: its booking rules, the
appointments of a day or a week (every contact, every status), one appointment with its history,
and contacts to book for (its members are crm.settings.staff.members). Staff act for the
business, so nothing here is limited to one contact; every statement names the organization (and
row level security holds it to it). Ids that are not UUIDs are simply not found.

Changes go through receptionist.crm.appointments (book, reschedule, confirm, cancel,
mark_completed, mark_no_show): the same functions, rules and exclusion constraint as the
assistant's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from receptionist.crm.availability import BookingWindow, Interval, is_uuid, local_day_bounds
from receptionist.crm.connection import Database, Row
from receptionist.crm.models import ACTIVE_STATUSES, COMPLETABLE_STATUSES, NO_SHOW_STATUSES, Member

View = Literal["day", "week"]
VIEWS: tuple[View, ...] = ("day", "week")
STAFF_HORIZON_DAYS = 365  # the most agent_settings allows


@dataclass(frozen=True)
class StaffAppointment:
    """An appointment as staff see it: whose, what, with whom, when (in the business's zone)."""

    id: str
    contact_id: str
    contact_name: str | None
    contact_phone: str
    service_id: str
    service_name: str
    member_id: str
    member_name: str
    starts_at: datetime
    ends_at: datetime
    status: str

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def can_be_marked(self, now: datetime) -> tuple[bool, bool]:
        """Whether staff may mark it completed, and no-show: only once it has started."""
        started = self.starts_at <= now
        return started and self.status in COMPLETABLE_STATUSES, started and self.status in NO_SHOW_STATUSES


@dataclass(frozen=True)
class HistoryEntry:
    """One line of appointment_history: what happened, when, by whom (None: the customer through
    the assistant), and from where to where for a reschedule."""

    action: str
    at: datetime
    actor: str | None
    old_starts_at: datetime | None
    new_starts_at: datetime | None
    old_member_name: str | None
    new_member_name: str | None


@dataclass(frozen=True)
class ContactChoice:
    id: str
    name: str | None
    phone: str


@dataclass(frozen=True)
class MemberDay:
    day: date
    appointments: list[StaffAppointment]
    # Busy time in the member's own calendar that day (local, cut to the day): times only, never
    # what the event is (docs/calendar.md).
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class MemberSchedule:
    """One member's column of the grid: every day of the period, with its appointments."""

    member: Member
    days: list[MemberDay] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(d.appointments) for d in self.days)


# -- the business's rules ----------------------------------------------------------------------
def booking_window(db: Database, organization_id: str) -> BookingWindow:
    """The organization's booking rules (agent_settings; the table's defaults when it has none)."""
    row = db.fetch_one(
        """
        select coalesce(s.timezone, 'Europe/Madrid') as timezone,
               coalesce(s.booking_lead_minutes, 60) as lead, coalesce(s.booking_horizon_days, 60) as horizon,
               coalesce(s.slot_step_minutes, 15) as step
        from (select 1) one
        left join agent_settings s on s.organization_id = %s
        """,
        (organization_id,),
    )
    assert row is not None
    return BookingWindow(str(row["timezone"]), int(row["lead"]), int(row["horizon"]), int(row["step"]))


def staff_window(window: BookingWindow) -> BookingWindow:
    """What staff may book: the business's hours, time off and slot grid, but not the customers'
    lead time and horizon (staff book from now on, up to a year ahead)."""
    return BookingWindow(window.timezone, 0, max(window.horizon_days, STAFF_HORIZON_DAYS), window.step_minutes)


def period(day: date, view: View) -> tuple[date, date]:
    """The first and last day shown: the day itself, or its ISO week (Monday to Sunday)."""
    if view == "day":
        return day, day
    monday = day - timedelta(days=day.isoweekday() - 1)
    return monday, monday + timedelta(days=6)


# -- appointments ------------------------------------------------------------------------------
_APPOINTMENT = """
select a.id::text as id, a.contact_id::text as contact_id, c.name as contact_name, c.phone as contact_phone,
       a.service_id::text as service_id, s.name as service_name, a.member_id::text as member_id,
       m.name as member_name, a.starts_at, a.ends_at, a.status
from appointments a
join contacts c on c.organization_id = a.organization_id and c.id = a.contact_id
join services s on s.organization_id = a.organization_id and s.id = a.service_id
join members m on m.organization_id = a.organization_id and m.id = a.member_id
where a.organization_id = %(org)s
"""


def _staff_appointment(row: Row, tz: ZoneInfo) -> StaffAppointment:
    return StaffAppointment(
        id=str(row["id"]),
        contact_id=str(row["contact_id"]),
        contact_name=row["contact_name"],
        contact_phone=str(row["contact_phone"]),
        service_id=str(row["service_id"]),
        service_name=str(row["service_name"]),
        member_id=str(row["member_id"]),
        member_name=str(row["member_name"]),
        starts_at=row["starts_at"].astimezone(tz),
        ends_at=row["ends_at"].astimezone(tz),
        status=str(row["status"]),
    )


def appointments_between(
    db: Database, organization_id: str, first_day: date, last_day: date, timezone: str, *, member_id: str | None = None
) -> list[StaffAppointment]:
    """Every appointment (any status) starting on the local days [first_day, last_day], of one
    member or all, by start time."""
    if member_id is not None and not is_uuid(member_id):
        return []
    tz = ZoneInfo(timezone)
    since, _ = local_day_bounds(first_day, tz)
    _, until = local_day_bounds(last_day, tz)
    rows = db.fetch_all(
        _APPOINTMENT
        + " and a.starts_at >= %(since)s and a.starts_at < %(until)s"
        + " and (%(member)s::uuid is null or a.member_id = %(member)s::uuid)"
        + " order by a.starts_at, m.name, a.id",
        {"org": organization_id, "since": since, "until": until, "member": member_id},
    )
    return [_staff_appointment(r, tz) for r in rows]


def appointment(db: Database, organization_id: str, appointment_id: str, timezone: str) -> StaffAppointment | None:
    """One appointment of the organization (None for another's, or no such id)."""
    if not is_uuid(appointment_id):
        return None
    row = db.fetch_one(_APPOINTMENT + " and a.id = %(id)s", {"org": organization_id, "id": appointment_id})
    return _staff_appointment(row, ZoneInfo(timezone)) if row else None


def history(db: Database, organization_id: str, appointment_id: str, timezone: str) -> list[HistoryEntry]:
    """The appointment's changes, oldest first."""
    if not is_uuid(appointment_id):
        return []
    tz = ZoneInfo(timezone)
    rows = db.fetch_all(
        """
        select h.action, h.at, h.actor, h.old_starts_at, h.new_starts_at,
               om.name as old_member_name, nm.name as new_member_name
        from appointment_history h
        left join members om on om.organization_id = h.organization_id and om.id = h.old_member_id
        left join members nm on nm.organization_id = h.organization_id and nm.id = h.new_member_id
        where h.organization_id = %s and h.appointment_id = %s
        order by h.at, h.id
        """,
        (organization_id, appointment_id),
    )

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(tz) if value is not None else None

    return [
        HistoryEntry(
            str(r["action"]),
            r["at"].astimezone(tz),
            r["actor"],
            local(r["old_starts_at"]),
            local(r["new_starts_at"]),
            r["old_member_name"],
            r["new_member_name"],
        )
        for r in rows
    ]


def arrange(
    all_members: list[Member],
    found: list[StaffAppointment],
    first_day: date,
    last_day: date,
    *,
    busy: Mapping[str, Sequence[Interval]] | None = None,
    tz: ZoneInfo | None = None,
) -> list[MemberSchedule]:
    """The grid: one column per member (active ones, and any other with appointments in the
    period), each with every day of the period, that day's appointments and, with `busy` (member
    id -> calendar busy intervals) and the business's `tz`, that day's busy time in the member's
    own calendar (an interval over midnight shows on each day, cut to it). Pure."""
    by_member: dict[str, dict[date, list[StaffAppointment]]] = defaultdict(lambda: defaultdict(list))
    for a in found:
        by_member[a.member_id][a.starts_at.date()].append(a)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]

    def busy_on(member_id: str, day: date) -> list[tuple[datetime, datetime]]:
        if not busy or tz is None or member_id not in busy:
            return []
        since, until = local_day_bounds(day, tz)
        cut = [(max(s, since), min(e, until)) for s, e in busy[member_id] if s < until and e > since]
        return [(s.astimezone(tz), e.astimezone(tz)) for s, e in sorted(cut)]

    return [
        MemberSchedule(m, [MemberDay(d, by_member[m.id][d], busy_on(m.id, d)) for d in days])
        for m in all_members
        if m.active or m.id in by_member
    ]


# -- contacts ----------------------------------------------------------------------------------
def find_contacts(db: Database, organization_id: str, search: str = "", *, limit: int = 50) -> list[ContactChoice]:
    """Contacts to book for: matching `search` by name or number when given, newest first."""
    term = " ".join(search.split())[:100]
    digits = "".join(ch for ch in term if ch.isdigit())
    rows = db.fetch_all(
        """
        select id::text as id, name, phone from contacts
        where organization_id = %(org)s
          and (%(term)s = '' or name ilike %(like)s or (%(digits)s <> '' and phone like %(digits_like)s))
        order by created_at desc, id
        limit %(limit)s
        """,
        {
            "org": organization_id,
            "term": term,
            "like": f"%{_escape_like(term)}%",
            "digits": digits,
            "digits_like": f"%{digits}%",
            "limit": max(1, min(limit, 200)),
        },
    )
    return [ContactChoice(str(r["id"]), r["name"], str(r["phone"])) for r in rows]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
