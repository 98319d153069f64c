"""The waitlist section (services/waitlist.py): every signed-in account of a business.

- GET  /console/waitlist: the waiting entries, in the order they asked, with their offers
- POST /console/waitlist/<entry id>/withdraw: take an entry off the list"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from receptionist.console.dependencies import CSRF, Account, Parts, Session, business_account
from receptionist.console.errors import ConsoleError
from receptionist.console.services.waitlist import LIVE_OFFERS, WITHDRAWN, WaitlistService
from receptionist.console.web import BASE, render, see_other

router = APIRouter(prefix=f"{BASE}/waitlist", dependencies=[Depends(business_account)])
PAGE = f"{BASE}/waitlist"
NOTICES = (WITHDRAWN,)


def waitlist_service(db: Session, account: Account, parts: Parts) -> WaitlistService:
    return WaitlistService(db, account, parts.now)


Waitlist = Annotated[WaitlistService, Depends(waitlist_service)]


def _page(
    request: Request, service: WaitlistService, *, status: int = 200, error: str = "", notice: str = ""
) -> Response:
    return render(
        request,
        "waitlist.html",
        status=status,
        account=service.account,
        view=service.view(),
        live=LIVE_OFFERS,
        error=error,
        notice=notice if notice in NOTICES else "",
    )


@router.get("")
def waitlist_page(request: Request, service: Waitlist, notice: str = "") -> Response:
    return _page(request, service, notice=notice)


@router.post("/{entry_id}/withdraw", dependencies=[CSRF])
def withdraw(request: Request, entry_id: str, service: Waitlist) -> Response:
    try:
        service.withdraw(entry_id)
    except ConsoleError as exc:
        return _page(request, service, status=exc.status, error=exc.code)
    return see_other(f"{PAGE}?{urlencode({'notice': WITHDRAWN})}")
