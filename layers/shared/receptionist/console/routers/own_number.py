"""A staff member's own WhatsApp number, for escalations in the conversations assigned to them
(services/own_number.py). Every signed-in account of a business, for itself only.

- GET/POST /console/my-number"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Account, Session, Typed, business_account
from receptionist.console.forms.handoff import OwnNumberForm
from receptionist.console.services.own_number import OwnNumberService
from receptionist.console.web import BASE, render, see_other
from receptionist.crm.settings.errors import InvalidSetting

router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])
MY_NUMBER = f"{BASE}/my-number"


def own_number_service(db: Session, account: Account) -> OwnNumberService:
    return OwnNumberService(db, account)


OwnNumber = Annotated[OwnNumberService, Depends(own_number_service)]


@router.get("/my-number")
def my_number_page(request: Request, account: Account, service: OwnNumber) -> HTMLResponse:
    saved = request.query_params.get("notice") == "saved"
    current = service.current()
    shown = f"+{current}" if current else ""
    return render(request, "own_number.html", account=account, number=shown, saved=saved, error=None)


@router.post("/my-number", dependencies=[CSRF])
def save_my_number(
    request: Request, form: Annotated[OwnNumberForm, Form()], typed: Typed, account: Account, service: OwnNumber
) -> Response:
    try:
        service.save(form)
    except InvalidSetting as exc:  # shown again with the sentence and what was typed; nothing written
        entered = typed.get("whatsapp_number", "")
        return render(
            request, "own_number.html", status=400, account=account, number=entered, saved=False, error=exc.code
        )
    return see_other(f"{MY_NUMBER}?notice=saved")
