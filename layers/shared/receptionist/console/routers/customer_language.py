"""Staff set a customer's language (app.create_app includes this before the inbox's routes: its
/conversations/<id>/<action> takes any action).

- POST /console/conversations/<identity id>/language   language ("" gives it back to detection)"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import RedirectResponse

from receptionist.console.dependencies import CSRF, Account, Parts, Session, business_account
from receptionist.console.forms.customer_language import CustomerLanguageForm
from receptionist.console.services.customer_language import SET, CustomerLanguageService
from receptionist.console.web import BASE, see_other

router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])


def customer_language_service(db: Session, account: Account, parts: Parts) -> CustomerLanguageService:
    return CustomerLanguageService(db, account, parts.now)


Languages = Annotated[CustomerLanguageService, Depends(customer_language_service)]


@router.post("/conversations/{identity_id}/language", dependencies=[CSRF])
def set_language(
    identity_id: str, form: Annotated[CustomerLanguageForm, Form()], service: Languages
) -> RedirectResponse:
    service.for_conversation(identity_id, form)
    return see_other(f"{BASE}/conversations/{identity_id}?{urlencode({'notice': SET})}#customer-language")
