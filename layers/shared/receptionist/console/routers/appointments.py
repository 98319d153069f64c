"""The appointments pages (docs/console.md, "Appointments"):

- GET  /console/appointments?day=YYYY-MM-DD&view=day|week&member=<id>&q=<contact search>
       &metrics_days=7|30|90: the day or ISO week of every staff member (or one), in the
       business's time zone, a form to book, and the reminder metrics and no-show rates.
- GET  /console/appointments/<id>: one appointment, its actions, its history, its contact's consent.
- POST /console/appointments: book; /console/appointments/<id>/move | confirm | cancel |
       completed | no-show."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from receptionist.console.dependencies import CSRF, Account, Parts, Session, business_account
from receptionist.console.forms.appointments import BookingForm, MoveForm, ReturnTo
from receptionist.console.services.appointments import METRICS_DAYS, AppointmentService
from receptionist.console.web import BASE, render, see_other
from receptionist.crm.availability import is_uuid
from receptionist.crm.models import Appointment
from receptionist.crm.schedule import VIEWS, View

router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])

PAGE = f"{BASE}/appointments"
NOTICES = (
    "appt_created",
    "appt_moved",
    "appt_confirmed",
    "appt_cancelled",
    "appt_marked_completed",
    "appt_marked_no_show",
    "consent_recorded",  # routers/consent.py
)


def appointment_service(db: Session, account: Account, parts: Parts) -> AppointmentService:
    return AppointmentService(db, account, parts.now, parts.slot_guard)


Appointments = Annotated[AppointmentService, Depends(appointment_service)]


# -- pages -------------------------------------------------------------------------------------
@router.get("/appointments")
def appointments_page(
    request: Request,
    account: Account,
    service: Appointments,
    parts: Parts,
    day: str = "",
    view: str = "day",
    member: str = "",
    q: str = "",
    notice: str = "",
    metrics_days: str = "",
) -> HTMLResponse:
    chosen: View = "week" if view == "week" else "day"
    page = service.grid(day, chosen, member, q, metrics_days)
    step = 1 if chosen == "day" else 7
    return render(
        request,
        "appointments.html",
        account=account,
        mode="grid",
        grid=page.grid,
        day=page.day,
        view=chosen,
        views=VIEWS,
        first=page.first,
        last=page.last,
        previous=date.fromordinal(page.day.toordinal() - step),
        following=date.fromordinal(page.day.toordinal() + step),
        today=page.today,
        members=page.members,
        member=page.member,
        services=page.services,
        contacts=page.contacts,
        q=q[:100],
        notice=notice if notice in NOTICES else None,
        now=parts.now(),
        window=page.window,
        metrics=page.metrics,
        metrics_days=page.metrics_days,
        metrics_choices=METRICS_DAYS,
        metrics_first=page.metrics_first,
        noshow=page.noshow,
        recall_metrics=page.recall_metrics,
        waitlist=page.waitlist,
    )


@router.get("/appointments/{appointment_id}")
def appointment_page(
    request: Request, appointment_id: str, account: Account, service: Appointments, parts: Parts, notice: str = ""
) -> HTMLResponse:
    page = service.detail(appointment_id)
    return render(
        request,
        "appointments.html",
        account=account,
        mode="detail",
        appointment=page.appointment,
        history=page.history,
        members=page.members,
        view="detail",
        member="",
        notice=notice if notice in NOTICES else None,
        now=parts.now(),
        window=page.window,
        consent=page.consent,
        consent_action=f"{PAGE}/{page.appointment.id}/consent",
        no_shows=page.no_shows,
    )


# -- changes -----------------------------------------------------------------------------------
@router.post("/appointments", dependencies=[CSRF])
def create_appointment(form: Annotated[BookingForm, Form()], service: Appointments) -> RedirectResponse:
    return _back(service.book(form), form, "appt_created")


@router.post("/appointments/{appointment_id}/move", dependencies=[CSRF])
def move_appointment(appointment_id: str, form: Annotated[MoveForm, Form()], service: Appointments) -> RedirectResponse:
    return _back(service.move(appointment_id, form), form, "appt_moved")


@router.post("/appointments/{appointment_id}/confirm", dependencies=[CSRF])
def confirm_appointment(
    appointment_id: str, form: Annotated[ReturnTo, Form()], service: Appointments
) -> RedirectResponse:
    return _back(service.change_status(appointment_id, "confirm"), form, "appt_confirmed")


@router.post("/appointments/{appointment_id}/cancel", dependencies=[CSRF])
def cancel_appointment(
    appointment_id: str, form: Annotated[ReturnTo, Form()], service: Appointments
) -> RedirectResponse:
    return _back(service.change_status(appointment_id, "cancel"), form, "appt_cancelled")


@router.post("/appointments/{appointment_id}/completed", dependencies=[CSRF])
def complete_appointment(
    appointment_id: str, form: Annotated[ReturnTo, Form()], service: Appointments
) -> RedirectResponse:
    return _back(service.change_status(appointment_id, "completed"), form, "appt_marked_completed")


@router.post("/appointments/{appointment_id}/no-show", dependencies=[CSRF])
def no_show_appointment(
    appointment_id: str, form: Annotated[ReturnTo, Form()], service: Appointments
) -> RedirectResponse:
    return _back(service.change_status(appointment_id, "no_show"), form, "appt_marked_no_show")


def _back(appointment: Appointment, to: ReturnTo, notice: str) -> RedirectResponse:
    """Where a change returns: the appointment's page, or the day or week it now falls on."""
    if to.view == "detail":
        return see_other(f"{PAGE}/{appointment.id}?{urlencode({'notice': notice})}")
    query = {
        "day": appointment.starts_at.date().isoformat(),  # local: Appointment times are in the business's zone
        "view": to.view if to.view in VIEWS else "day",
        "member": to.member if is_uuid(to.member) else "",
        "notice": notice,
    }
    return see_other(f"{PAGE}?{urlencode(query)}#appt-{appointment.id}")
