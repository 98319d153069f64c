"""What staff do with their business's appointments: the day or ISO week of every member (or
one) in the business's time zone, with the reminder metrics and no-show rates of a period
(crm.outcomes); one appointment with its history and its contact's consent; and booking, moving,
confirming, cancelling, completed and no-show, through the CRM's own functions (the assistant's
rules, the database's exclusion constraint). Another business's appointment is not found; every
change writes its audit line with it, in one transaction, and doing what is already so records
nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from receptionist.calendar.slot_guard import SlotGuard
from receptionist.console.errors import ConsoleError, NotFound
from receptionist.console.forms.appointments import BookingForm, MoveForm, parse_day
from receptionist.console.services.consent import ConsentView, consent_view
from receptionist.console.services.noshow import NoShowPanel, customer_no_shows, noshow_panel
from receptionist.crm import appointments, calendar_busy, catalogue, outcomes, schedule
from receptionist.crm.availability import BookingWindow, local_day_bounds
from receptionist.crm.connection import Database
from receptionist.crm.consent import identity_of_contact
from receptionist.crm.contacts import InvalidPhoneError, find_or_create_contact
from receptionist.crm.inbox import StaffAccount, record_audit
from receptionist.crm.models import Appointment, BookingResult, Member, Service
from receptionist.crm.noshow import NoShowStanding
from receptionist.crm.schedule import ContactChoice, HistoryEntry, MemberSchedule, StaffAppointment, View
from receptionist.crm.settings.staff import members

METRICS_DAYS = (7, 30, 90)  # the panel's periods, in days up to today
StatusChange = Literal["confirm", "cancel", "completed", "no_show"]

# What a refusal of the CRM tells staff (ids of the console catalogue).
_REFUSALS = {
    "slot_taken": "appt_slot_taken",
    "not_available": "appt_not_available",
    "not_found": "appt_invalid_choice",
    "not_bookable": "appt_invalid_choice",
    "not_active": "appt_not_active",
    "not_started": "appt_not_started",
    "invalid": "appt_invalid_choice",
}
_CALENDAR_REFUSALS = {
    appointments.CALENDAR_TAKEN: "appt_calendar_taken",
    appointments.CALENDAR_BROKEN: "appt_calendar_broken",
}


@dataclass(frozen=True)
class GridView:
    """A day or a week of the business's appointments, and what the page needs around it."""

    window: BookingWindow
    today: date
    day: date
    view: View
    first: date
    last: date
    grid: list[MemberSchedule]
    members: list[Member]
    member: str  # the member shown alone ("": everyone)
    services: list[Service]
    contacts: list[ContactChoice]
    metrics: Any  # crm.outcomes.reminder_metrics
    metrics_days: int
    metrics_first: date
    noshow: NoShowPanel | None = None  # the no-show rate before and after the policy (same days)
    recall_metrics: Any = None  # crm.outcomes.recall_metrics, the same days (docs/recalls.md)
    waitlist: Any = None  # crm.outcomes.waitlist_metrics, same period


@dataclass(frozen=True)
class DetailView:
    window: BookingWindow
    appointment: StaffAppointment
    history: list[HistoryEntry]
    members: list[Member]
    consent: ConsentView
    no_shows: NoShowStanding | None = None  # the customer's, under the no-show policy


@dataclass(frozen=True)
class _StatusChange:
    audit_action: str
    apply: Callable[[Database, str, StaffAppointment, str, datetime, str], BookingResult]


_STATUS_CHANGES: dict[StatusChange, _StatusChange] = {
    "confirm": _StatusChange(
        "appointment_confirm",
        lambda db, org, a, tz, now, actor: appointments.confirm(db, org, a.contact_id, a.id, tz, actor=actor),
    ),
    "cancel": _StatusChange(
        "appointment_cancel",
        lambda db, org, a, tz, now, actor: appointments.cancel(db, org, a.contact_id, a.id, tz, actor=actor),
    ),
    "completed": _StatusChange(
        "appointment_completed",
        lambda db, org, a, tz, now, actor: appointments.mark_completed(db, org, a.id, tz, now=now, actor=actor),
    ),
    "no_show": _StatusChange(
        "appointment_no_show",
        lambda db, org, a, tz, now, actor: appointments.mark_no_show(db, org, a.id, tz, now=now, actor=actor),
    ),
}


@dataclass
class AppointmentService:
    db: Database  # acting for the account's organization
    account: StaffAccount
    now: Callable[[], datetime]
    slot_guard: SlotGuard | None = None  # the member's own calendar, re-checked at booking

    @property
    def _org(self) -> str:
        return self.account.organization_id

    @property
    def _actor(self) -> str:
        """Who made a change, as appointment_history records it (chat_messages.sent_by's form)."""
        return f"staff:{self.account.email}"

    # -- pages -------------------------------------------------------------------------------------
    def grid(self, day: str, view: View, member: str, search: str, metrics_days: str) -> GridView:
        db, org = self.db, self._org
        window = schedule.booking_window(db, org)
        today = self.now().astimezone(ZoneInfo(window.timezone)).date()
        shown = parse_day(day) or today
        first, last = schedule.period(shown, view)
        staff = members(db, org)
        member_id = member if any(m.id == member for m in staff) else ""
        found = schedule.appointments_between(db, org, first, last, window.timezone, member_id=member_id or None)
        tz = ZoneInfo(window.timezone)
        busy = calendar_busy.busy_blocks(
            db, org, local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1], member_id=member_id or None
        )
        shown_members = [m for m in staff if m.id == member_id or not member_id]
        grid = schedule.arrange(shown_members, found, first, last, busy=busy, tz=tz)
        days = next((d for d in METRICS_DAYS if str(d) == metrics_days), 30)
        metrics_first = date.fromordinal(today.toordinal() - days + 1)
        period = outcomes.local_period(metrics_first, today, window.timezone)
        metrics = outcomes.reminder_metrics(db, org, *period)
        waitlist = outcomes.waitlist_metrics(db, org, *period)
        return GridView(
            window=window,
            today=today,
            day=shown,
            view=view,
            first=first,
            last=last,
            grid=grid,
            members=staff,
            member=member_id,
            services=catalogue.list_services(db, org),
            contacts=schedule.find_contacts(db, org, search),
            metrics=metrics,
            metrics_days=days,
            metrics_first=metrics_first,
            noshow=noshow_panel(db, org, metrics_first, today, window.timezone),
            recall_metrics=outcomes.recall_metrics(db, org, *period),
            waitlist=waitlist,
        )

    def detail(self, appointment_id: str) -> DetailView:
        db, org = self.db, self._org
        window = schedule.booking_window(db, org)
        found = self._existing(appointment_id, window)
        return DetailView(
            window=window,
            appointment=found,
            history=schedule.history(db, org, found.id, window.timezone),
            members=members(db, org),
            consent=consent_view(db, org, identity_of_contact(db, org, found.contact_id)),
            no_shows=customer_no_shows(db, org, found.contact_id, self.now(), window.timezone),
        )

    def _existing(self, appointment_id: str, window: BookingWindow) -> StaffAppointment:
        found = schedule.appointment(self.db, self._org, appointment_id, window.timezone)
        if found is None:  # another organization's, or none: the same answer
            raise NotFound("appt_not_found")
        return found

    # -- changes -----------------------------------------------------------------------------------
    def book(self, form: BookingForm) -> Appointment:
        """Within the member's hours, time off, closures, services and the slot grid, from now on up
        to a year ahead (not the customers' lead time and horizon), services customers may not
        book over WhatsApp included. A new customer's contact is kept when the booking is refused:
        it is who they are, not an appointment."""
        db, org = self.db, self._org
        window = schedule.booking_window(db, org)
        start = form.start(window.timezone)
        contact = self._contact_for(form)
        with db.transaction():
            booked = _required(
                appointments.book(
                    db,
                    org,
                    contact,
                    form.service_id.strip(),
                    form.member_id.strip(),
                    start,
                    schedule.staff_window(window),
                    now=self.now(),
                    actor=self._actor,
                    allow_unbookable=True,  # staff book what customers may not book over WhatsApp
                    slot_guard=self.slot_guard,
                )
            )
            details = {
                "contact_id": booked.contact_id,
                "service": booked.service_name,
                "member": booked.member_name,
                "starts_at": booked.starts_at.isoformat(),
            }
            self._audit("appointment_create", booked.id, details)
        return booked

    def _contact_for(self, form: BookingForm) -> str:
        """The chosen contact, or the one of this phone number (found or created, the name filled in)."""
        if form.contact_id.strip():
            return form.contact_id.strip()  # book() refuses one that is not the organization's
        if not form.phone.strip():
            raise ConsoleError("appt_contact_needed")
        try:
            return find_or_create_contact(self.db, self._org, form.phone, form.name or None).id
        except InvalidPhoneError as exc:
            raise ConsoleError("appt_bad_phone") from exc

    def move(self, appointment_id: str, form: MoveForm) -> Appointment:
        db, org = self.db, self._org
        window = schedule.booking_window(db, org)
        current = self._existing(appointment_id, window)
        start = form.start(window.timezone)
        with db.transaction():
            moved = _required(
                appointments.reschedule(
                    db,
                    org,
                    current.contact_id,
                    current.id,
                    start,
                    schedule.staff_window(window),
                    now=self.now(),
                    member_id=form.member_id.strip() or None,
                    actor=self._actor,
                    slot_guard=self.slot_guard,
                )
            )
            if (moved.starts_at, moved.member_id) != (current.starts_at, current.member_id):
                details = {
                    "from": current.starts_at.isoformat(),
                    "to": moved.starts_at.isoformat(),
                    "from_member": current.member_name,
                    "to_member": moved.member_name,
                }
                self._audit("appointment_move", current.id, details)
        return moved

    def change_status(self, appointment_id: str, kind: StatusChange) -> Appointment:
        change = _STATUS_CHANGES[kind]
        db, org = self.db, self._org
        window = schedule.booking_window(db, org)
        current = self._existing(appointment_id, window)
        with db.transaction():
            changed = _required(change.apply(db, org, current, window.timezone, self.now(), self._actor))
            if changed.status != current.status:  # doing it again changes (and records) nothing
                self._audit(change.audit_action, current.id, {"from": current.status, "to": changed.status})
        return changed

    def _audit(self, action: str, appointment_id: str, details: dict[str, Any]) -> None:
        record_audit(self.db, self._org, self.account.email, action, appointment_id, details)


def _required(result: BookingResult) -> Appointment:
    if result.failure is not None or result.appointment is None:
        if result.detail in _CALENDAR_REFUSALS:  # the member's own calendar said no
            raise ConsoleError(_CALENDAR_REFUSALS[result.detail])
        raise ConsoleError(_REFUSALS.get(result.failure or "invalid", "appt_invalid_choice"))
    return result.appointment
