"""Staff: members with the services each offers, weekly hours and time off, and the days the whole
business is closed.

- GET/POST /console/settings/staff (a new member), POST /console/settings/staff/closures,
  POST /console/settings/staff/closures/<id>/delete
- GET/POST /console/settings/staff/<member id>, POST .../services, POST .../hours,
  POST .../hours/<id>/delete, POST .../time-off, POST .../time-off/<id>/delete"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.settings import HoursForm, MemberForm, MemberServicesForm, TimeOffForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, saved, settle
from receptionist.console.services.settings.staff import StaffService
from receptionist.crm.settings.errors import InvalidSetting

router = owners_router()
STAFF = f"{SETTINGS}/staff"


def staff_service(db: Session, owner: Owner) -> StaffService:
    return StaffService(db, owner)


Staff = Annotated[StaffService, Depends(staff_service)]


def staff_page(request: Request, owner: Owner, service: StaffService, **context: Any) -> HTMLResponse:
    staff = service.staff()
    return page(request, "settings_staff.html", owner, section="staff", staff=staff, **context)


def member_page(request: Request, owner: Owner, service: StaffService, member_id: str, **context: Any) -> HTMLResponse:
    view = service.member(member_id)
    return page(request, "settings_member.html", owner, section="staff", view=view, **context)


@router.get("/staff")
def staff_settings(request: Request, owner: Owner, service: Staff) -> HTMLResponse:
    return staff_page(request, owner, service)


@router.post("/staff", dependencies=[CSRF])
def create_member(
    request: Request, form: Annotated[MemberForm, Form()], typed: Typed, owner: Owner, service: Staff
) -> Response:
    try:
        created = service.create_member(form)
    except InvalidSetting as exc:
        return staff_page(request, owner, service, error=exc.code, entered=typed, status=400)
    return saved(f"{STAFF}/{created}")


@router.post("/staff/closures", dependencies=[CSRF])
def add_closure(
    request: Request, form: Annotated[TimeOffForm, Form()], typed: Typed, owner: Owner, service: Staff
) -> Response:
    again = partial(staff_page, request, owner, service)
    return settle(lambda: service.add_time_off(None, form), again, typed, then=STAFF)


@router.post("/staff/closures/{time_off_id}/delete", dependencies=[CSRF])
def delete_closure(request: Request, time_off_id: str, typed: Typed, owner: Owner, service: Staff) -> Response:
    again = partial(staff_page, request, owner, service)
    return settle(lambda: service.delete_time_off(None, time_off_id), again, typed, then=STAFF, notice="deleted")


@router.get("/staff/{member_id}")
def member_settings(request: Request, member_id: str, owner: Owner, service: Staff) -> HTMLResponse:
    return member_page(request, owner, service, member_id)


@router.post("/staff/{member_id}", dependencies=[CSRF])
def update_member(
    request: Request, member_id: str, form: Annotated[MemberForm, Form()], typed: Typed, owner: Owner, service: Staff
) -> Response:
    again = partial(member_page, request, owner, service, member_id)
    return settle(lambda: service.update_member(member_id, form), again, typed, then=f"{STAFF}/{member_id}")


@router.post("/staff/{member_id}/services", dependencies=[CSRF])
def member_services(
    request: Request,
    member_id: str,
    form: Annotated[MemberServicesForm, Form()],
    typed: Typed,
    owner: Owner,
    service: Staff,
) -> Response:
    again = partial(member_page, request, owner, service, member_id)
    change = partial(service.set_member_services, member_id, form.service_id)
    return settle(change, again, typed, then=f"{STAFF}/{member_id}")


@router.post("/staff/{member_id}/hours", dependencies=[CSRF])
def add_hours(
    request: Request, member_id: str, form: Annotated[HoursForm, Form()], typed: Typed, owner: Owner, service: Staff
) -> Response:
    again = partial(member_page, request, owner, service, member_id)
    return settle(lambda: service.add_hours(member_id, form), again, typed, then=f"{STAFF}/{member_id}")


@router.post("/staff/{member_id}/hours/{hours_id}/delete", dependencies=[CSRF])
def delete_hours(
    request: Request, member_id: str, hours_id: str, typed: Typed, owner: Owner, service: Staff
) -> Response:
    again = partial(member_page, request, owner, service, member_id)
    change = partial(service.delete_hours, member_id, hours_id)
    return settle(change, again, typed, then=f"{STAFF}/{member_id}", notice="deleted")


@router.post("/staff/{member_id}/time-off", dependencies=[CSRF])
def add_time_off(
    request: Request, member_id: str, form: Annotated[TimeOffForm, Form()], typed: Typed, owner: Owner, service: Staff
) -> Response:
    again = partial(member_page, request, owner, service, member_id)
    return settle(lambda: service.add_time_off(member_id, form), again, typed, then=f"{STAFF}/{member_id}")


@router.post("/staff/{member_id}/time-off/{time_off_id}/delete", dependencies=[CSRF])
def delete_time_off(
    request: Request, member_id: str, time_off_id: str, typed: Typed, owner: Owner, service: Staff
) -> Response:
    again = partial(member_page, request, owner, service, member_id)
    change = partial(service.delete_time_off, member_id, time_off_id)
    return settle(change, again, typed, then=f"{STAFF}/{member_id}", notice="deleted")
