"""The front desk records a customer's consent (app.create_app includes this before the inbox's
routes: its /conversations/<id>/<action> takes any action).

- POST /console/conversations/<identity id>/consent   purpose, state
- POST /console/appointments/<appointment id>/consent  purpose, state: for the appointment's contact"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse

from receptionist.console.dependencies import CSRF, Account, Parts, Session, business_account
from receptionist.console.forms.consent import ConsentForm
from receptionist.console.services.consent import RECORDED, ConsentService
from receptionist.console.web import BASE, see_other

router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])


def consent_service(db: Session, account: Account, parts: Parts) -> ConsentService:
    return ConsentService(db, account, parts.now)


Consent = Annotated[ConsentService, Depends(consent_service)]


@router.post("/conversations/{identity_id}/consent", dependencies=[CSRF])
def record_for_conversation(
    identity_id: str, form: Annotated[ConsentForm, Form()], service: Consent
) -> RedirectResponse:
    service.for_conversation(identity_id, form)
    return _back(f"{BASE}/conversations/{identity_id}")


@router.post("/appointments/{appointment_id}/consent", dependencies=[CSRF])
def record_for_appointment(
    appointment_id: str, form: Annotated[ConsentForm, Form()], service: Consent
) -> RedirectResponse:
    return _back(f"{BASE}/appointments/{service.for_appointment(appointment_id, form)}")


def _back(page: str) -> RedirectResponse:
    return see_other(f"{page}?{urlencode({'notice': RECORDED})}#consent")
