"""The calendar section (services/calendar.py): every signed-in account of a business; an owner
manages every member's calendar, anyone else only the member their own account is linked to.

- GET  /console/calendar: the members' calendars (connected, broken, none) and open conflicts
- POST /console/calendar/<member>/connect: to Google's consent page (the flow in a sealed cookie)
- GET  /console/calendar/callback: Google's answer (state and PKCE checked; the token stored)
- POST /console/calendar/<member>/disconnect
- POST /console/calendar/conflicts/<id>/resolve: "Resuelto"

The flow's cookie is HttpOnly, Secure, on the callback's path only, and SameSite=Lax: the
callback is a top-level navigation coming from Google's site, which a Strict cookie would miss
(as the session cookies, also Lax, must reach it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from receptionist.console import oauth
from receptionist.console.dependencies import CSRF, Account, CurrentSession, Parts, Session, business_account
from receptionist.console.errors import ConsoleError
from receptionist.console.services.calendar import CalendarService
from receptionist.console.web import BASE, render, see_other

router = APIRouter(prefix=f"{BASE}/calendar", dependencies=[Depends(business_account)])
PAGE = f"{BASE}/calendar"
NOTICES = ("connected", "disconnected", "resolved")


def calendar_service(db: Session, account: Account, parts: Parts) -> CalendarService:
    return CalendarService(db, account, parts.calendar, parts.now)


Calendars = Annotated[CalendarService, Depends(calendar_service)]


def _page(
    request: Request, service: CalendarService, *, status: int = 200, error: str = "", notice: str = ""
) -> Response:
    return render(
        request,
        "calendar.html",
        status=status,
        account=service.account,
        cards=service.cards(),
        own_member=service.own_member(),
        configured=service.access is not None,
        error=error,
        notice=notice if notice in NOTICES else "",
    )


@router.get("")
def calendar_page(request: Request, service: Calendars, notice: str = "") -> Response:
    return _page(request, service, notice=notice)


@router.post("/{member_id}/connect", dependencies=[CSRF])
def connect(request: Request, member_id: str, service: Calendars, session: CurrentSession, parts: Parts) -> Response:
    try:
        url, sealed = service.start(member_id, session.session_id, parts.csrf_secret(), parts.session_now().timestamp())
    except ConsoleError as exc:
        return _page(request, service, status=exc.status, error=exc.code)
    response = see_other(url)
    response.set_cookie(
        oauth.FLOW_COOKIE,
        sealed,
        max_age=oauth.FLOW_SECONDS,
        httponly=True,
        secure=parts.secure_cookies,
        samesite="lax",
        path=oauth.CALLBACK_PATH,
    )
    return response


@router.get("/callback")
def callback(
    request: Request,
    service: Calendars,
    session: CurrentSession,
    parts: Parts,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    """Google's redirect back: the flow must be this session's, for this business, with this
    state, and recent; refused, nothing is exchanged or stored. The flow cookie is spent either way."""
    flow = oauth.checked_flow(
        parts.csrf_secret(),
        request.cookies.get(oauth.FLOW_COOKIE),
        parts.session_now().timestamp(),  # real time, as the sessions' (tests move it)
        state=state,
        session_id=session.session_id,
        organization_id=service.account.organization_id,
    )
    try:
        if isinstance(flow, str):
            raise ConsoleError(flow)
        if error:  # the person did not grant access (access_denied) or Google refused the request
            raise ConsoleError("calendar_denied")
        service.finish(flow, code)
    except ConsoleError as exc:
        response = _page(request, service, status=exc.status, error=exc.code)
    else:
        response = see_other(f"{PAGE}?notice=connected")
    response.delete_cookie(oauth.FLOW_COOKIE, path=oauth.CALLBACK_PATH)
    return response


@router.post("/{member_id}/disconnect", dependencies=[CSRF])
def disconnect(request: Request, member_id: str, service: Calendars) -> Response:
    try:
        service.disconnect(member_id)
    except ConsoleError as exc:
        return _page(request, service, status=exc.status, error=exc.code)
    return see_other(f"{PAGE}?notice=disconnected")


@router.post("/conflicts/{conflict_id}/resolve", dependencies=[CSRF])
def resolve(request: Request, conflict_id: str, service: Calendars) -> Response:
    try:
        service.resolve(conflict_id)
    except ConsoleError as exc:
        return _page(request, service, status=exc.status, error=exc.code)
    return see_other(f"{PAGE}?notice=resolved")
