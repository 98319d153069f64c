"""The console's appointments pages (an APIRouter under BASE, included by app.create_app).

- GET  /console/appointments?day=YYYY-MM-DD&view=day|week&member=<id>&q=<contact search>: the
  day or ISO week of every staff member (or one), in the business's time zone, and a form to book;
  with the business's reminder metrics and no-show rates of the last `metrics_days` days
  (7, 30 or 90; default 30; crm.outcomes).
- GET  /console/appointments/<id>: one appointment, its actions and its history (who, when).
- POST /console/appointments: book (crm.appointments.book).
- POST /console/appointments/<id>/move | confirm | cancel | completed | no-show.

Routes parse and map; reads are crm.schedule's, changes the CRM's own functions (the assistant's
rules, the database's exclusion constraint). Every post checks its CSRF token before anything
else, runs for the account's organization only (another business's appointment is a 404), and
writes the audit log when it changed something."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from receptionist.console.service import ConsoleError, NotFound, consent_view
from receptionist.console.web import BASE, account_of, check_csrf, deps_of, render
from receptionist.crm import appointments, catalogue, outcomes, schedule
from receptionist.crm.availability import BookingWindow, is_uuid
from receptionist.crm.connection import Database
from receptionist.crm.consent import identity_of_contact
from receptionist.crm.contacts import InvalidPhoneError, find_or_create_contact
from receptionist.crm.inbox import StaffAccount, record_audit
from receptionist.crm.models import Appointment, BookingResult
from receptionist.crm.schedule import VIEWS, StaffAppointment, View

router = APIRouter(prefix=BASE)

PAGE = f"{BASE}/appointments"

# What a refusal of the CRM tells staff (keys of console/i18n_appointments.py).
_REFUSALS = {
    "slot_taken": "appt_slot_taken",
    "not_available": "appt_not_available",
    "not_found": "appt_invalid_choice",
    "not_bookable": "appt_invalid_choice",
    "not_active": "appt_not_active",
    "not_started": "appt_not_started",
    "invalid": "appt_invalid_choice",
}
_FIRST_DAY, _LAST_DAY = date(1970, 1, 1), date(9000, 12, 31)
NOTICES = (
    "appt_created",
    "appt_moved",
    "appt_confirmed",
    "appt_cancelled",
    "appt_marked_completed",
    "appt_marked_no_show",
    "consent_recorded",  # console/consent.py
)
METRICS_DAYS = (7, 30, 90)  # the panel's periods, in days up to today


# -- pages -------------------------------------------------------------------------------------
@router.get("/appointments")
async def appointments_page(
    request: Request,
    day: str = "",
    view: str = "day",
    member: str = "",
    q: str = "",
    notice: str = "",
    metrics_days: str = "",
) -> HTMLResponse:
    account = account_of(request)
    db, now = _db(request), _now(request)
    org = account.organization_id
    chosen: View = "week" if view == "week" else "day"
    with db.acting_for(org):
        window = schedule.booking_window(db, org)
        today = now.astimezone(ZoneInfo(window.timezone)).date()
        shown = _parse_day(day) or today
        first, last = schedule.period(shown, chosen)
        staff = schedule.members(db, org)
        member_id = member if any(m.id == member for m in staff) else ""
        found = schedule.appointments_between(db, org, first, last, window.timezone, member_id=member_id or None)
        grid = schedule.arrange([m for m in staff if m.id == member_id or not member_id], found, first, last)
        services = catalogue.list_services(db, org)
        contacts = schedule.find_contacts(db, org, q)
        days = next((d for d in METRICS_DAYS if str(d) == metrics_days), 30)
        metrics_first = date.fromordinal(today.toordinal() - days + 1)
        metrics = outcomes.reminder_metrics(db, org, *outcomes.local_period(metrics_first, today, window.timezone))
    step = 1 if chosen == "day" else 7
    return render(
        request,
        "appointments.html",
        account=account,
        mode="grid",
        grid=grid,
        day=shown,
        view=chosen,
        views=VIEWS,
        first=first,
        last=last,
        previous=date.fromordinal(shown.toordinal() - step),
        following=date.fromordinal(shown.toordinal() + step),
        today=today,
        members=staff,
        member=member_id,
        services=services,
        contacts=contacts,
        q=q[:100],
        notice=notice if notice in NOTICES else None,
        now=now,
        window=window,
        metrics=metrics,
        metrics_days=days,
        metrics_choices=METRICS_DAYS,
        metrics_first=metrics_first,
    )


@router.get("/appointments/{appointment_id}")
async def appointment_page(request: Request, appointment_id: str, notice: str = "") -> HTMLResponse:
    account = account_of(request)
    db, now = _db(request), _now(request)
    org = account.organization_id
    with db.acting_for(org):
        window = schedule.booking_window(db, org)
        found = _existing(db, org, appointment_id, window)
        entries = schedule.history(db, org, found.id, window.timezone)
        staff = schedule.members(db, org)
        consent = consent_view(db, org, identity_of_contact(db, org, found.contact_id), window.timezone)
    return render(
        request,
        "appointments.html",
        account=account,
        mode="detail",
        appointment=found,
        history=entries,
        members=staff,
        view="detail",
        member="",
        notice=notice if notice in NOTICES else None,
        now=now,
        window=window,
        consent=consent,
        consent_action=f"{PAGE}/{found.id}/consent",
    )


# -- changes -----------------------------------------------------------------------------------
@router.post("/appointments")
async def create_appointment(
    request: Request,
    contact_id: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    service_id: Annotated[str, Form()] = "",
    member_id: Annotated[str, Form()] = "",
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "",
    member: Annotated[str, Form()] = "",
) -> RedirectResponse:
    account = account_of(request)
    await check_csrf(request)
    db, now = _db(request), _now(request)
    org = account.organization_id
    with db.acting_for(org):
        window = schedule.booking_window(db, org)
        start = _local_start(start_date, start_time, window)
        contact = _contact_for(db, org, contact_id.strip(), phone, name)
        result = appointments.book(
            db,
            org,
            contact,
            service_id.strip(),
            member_id.strip(),
            start,
            schedule.staff_window(window),
            now=now,
            actor=_actor(account),
            allow_unbookable=True,  # staff book what customers may not book over WhatsApp
        )
        booked = _required(result)
        record_audit(
            db,
            org,
            account.email,
            "appointment_create",
            booked.id,
            {
                "contact_id": booked.contact_id,
                "service": booked.service_name,
                "member": booked.member_name,
                "starts_at": booked.starts_at.isoformat(),
            },
        )
    return _back(booked, view, member, "appt_created")


@router.post("/appointments/{appointment_id}/move")
async def move_appointment(
    request: Request,
    appointment_id: str,
    start_date: Annotated[str, Form()] = "",
    start_time: Annotated[str, Form()] = "",
    member_id: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "",
    member: Annotated[str, Form()] = "",
) -> RedirectResponse:
    account = account_of(request)
    await check_csrf(request)
    db, now = _db(request), _now(request)
    org = account.organization_id
    with db.acting_for(org):
        window = schedule.booking_window(db, org)
        current = _existing(db, org, appointment_id, window)
        start = _local_start(start_date, start_time, window)
        result = appointments.reschedule(
            db,
            org,
            current.contact_id,
            current.id,
            start,
            schedule.staff_window(window),
            now=now,
            member_id=member_id.strip() or None,
            actor=_actor(account),
        )
        moved = _required(result)
        if (moved.starts_at, moved.member_id) != (current.starts_at, current.member_id):
            record_audit(
                db,
                org,
                account.email,
                "appointment_move",
                current.id,
                {
                    "from": current.starts_at.isoformat(),
                    "to": moved.starts_at.isoformat(),
                    "from_member": current.member_name,
                    "to_member": moved.member_name,
                },
            )
    return _back(moved, view, member, "appt_moved")


@dataclass(frozen=True)
class _StatusChange:
    audit_action: str
    notice: str
    apply: Callable[[Database, str, StaffAppointment, str, datetime, str], BookingResult]


_STATUS_CHANGES = {
    "confirm": _StatusChange(
        "appointment_confirm",
        "appt_confirmed",
        lambda db, org, a, tz, now, actor: appointments.confirm(db, org, a.contact_id, a.id, tz, actor=actor),
    ),
    "cancel": _StatusChange(
        "appointment_cancel",
        "appt_cancelled",
        lambda db, org, a, tz, now, actor: appointments.cancel(db, org, a.contact_id, a.id, tz, actor=actor),
    ),
    "completed": _StatusChange(
        "appointment_completed",
        "appt_marked_completed",
        lambda db, org, a, tz, now, actor: appointments.mark_completed(db, org, a.id, tz, now=now, actor=actor),
    ),
    "no_show": _StatusChange(
        "appointment_no_show",
        "appt_marked_no_show",
        lambda db, org, a, tz, now, actor: appointments.mark_no_show(db, org, a.id, tz, now=now, actor=actor),
    ),
}


@router.post("/appointments/{appointment_id}/confirm")
async def confirm_appointment(request: Request, appointment_id: str) -> RedirectResponse:
    return await _change_status(request, appointment_id, "confirm")


@router.post("/appointments/{appointment_id}/cancel")
async def cancel_appointment(request: Request, appointment_id: str) -> RedirectResponse:
    return await _change_status(request, appointment_id, "cancel")


@router.post("/appointments/{appointment_id}/completed")
async def complete_appointment(request: Request, appointment_id: str) -> RedirectResponse:
    return await _change_status(request, appointment_id, "completed")


@router.post("/appointments/{appointment_id}/no-show")
async def no_show_appointment(request: Request, appointment_id: str) -> RedirectResponse:
    return await _change_status(request, appointment_id, "no_show")


async def _change_status(request: Request, appointment_id: str, kind: str) -> RedirectResponse:
    account = account_of(request)
    await check_csrf(request)
    form = await request.form()
    change = _STATUS_CHANGES[kind]
    db, now = _db(request), _now(request)
    org = account.organization_id
    with db.acting_for(org):
        window = schedule.booking_window(db, org)
        current = _existing(db, org, appointment_id, window)
        changed = _required(change.apply(db, org, current, window.timezone, now, _actor(account)))
        if changed.status != current.status:  # doing it again changes (and records) nothing
            record_audit(
                db, org, account.email, change.audit_action, current.id, {"from": current.status, "to": changed.status}
            )
    return _back(changed, _field(form, "view"), _field(form, "member"), change.notice)


# -- helpers -----------------------------------------------------------------------------------
def _db(request: Request) -> Database:
    return deps_of(request).service.db


def _now(request: Request) -> datetime:
    return deps_of(request).service.now()


def _actor(account: StaffAccount) -> str:
    """Who made a change, as appointment_history records it (chat_messages.sent_by's form)."""
    return f"staff:{account.email}"


def _existing(db: Database, organization_id: str, appointment_id: str, window: BookingWindow) -> StaffAppointment:
    found = schedule.appointment(db, organization_id, appointment_id, window.timezone)
    if found is None:  # another organization's, or none: the same answer
        raise NotFound("appt_not_found")
    return found


def _required(result: BookingResult) -> Appointment:
    if result.failure is not None or result.appointment is None:
        raise ConsoleError(_REFUSALS.get(result.failure or "invalid", "appt_invalid_choice"))
    return result.appointment


def _parse_day(value: str) -> date | None:
    """A YYYY-MM-DD day within reason (a week or a day past year 9999 cannot be computed)."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if _FIRST_DAY <= day <= _LAST_DAY else None


def _local_start(day: str, at: str, window: BookingWindow) -> datetime:
    """A date and a wall time in the business's zone (what staff type) as an aware datetime."""
    parsed_day = _parse_day(day)
    try:
        parsed_time = time.fromisoformat(at.strip())
    except ValueError:
        parsed_time = None
    if parsed_day is None or parsed_time is None or parsed_time.tzinfo is not None:
        raise ConsoleError("appt_bad_time")
    return datetime.combine(parsed_day, parsed_time.replace(second=0, microsecond=0), tzinfo=ZoneInfo(window.timezone))


def _contact_for(db: Database, organization_id: str, contact_id: str, phone: str, name: str) -> str:
    """The chosen contact, or the one of this phone number (found or created, the name filled in)."""
    if contact_id:
        return contact_id  # book() refuses one that is not the organization's
    if not phone.strip():
        raise ConsoleError("appt_contact_needed")
    try:
        return find_or_create_contact(db, organization_id, phone, name or None).id
    except InvalidPhoneError as exc:
        raise ConsoleError("appt_bad_phone") from exc


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _back(appointment: Appointment, view: str, member: str, notice: str) -> RedirectResponse:
    """Where a change returns: the appointment's page, or the day or week it now falls on."""
    if view == "detail":
        return RedirectResponse(f"{PAGE}/{appointment.id}?{urlencode({'notice': notice})}", status_code=303)
    query = {
        "day": appointment.starts_at.date().isoformat(),  # local: Appointment times are in the business's zone
        "view": view if view in VIEWS else "day",
        "member": member if is_uuid(member) else "",
        "notice": notice,
    }
    return RedirectResponse(f"{PAGE}?{urlencode(query)}#appt-{appointment.id}", status_code=303)
