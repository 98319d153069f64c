"""An owner blocks or erases a customer from their conversation's page (services/privacy.py;
app.create_app includes this before the inbox's routes, whose /conversations/<id>/<action> would
take /forget for an action).

- POST /console/conversations/<id>/forget: `mode` (block | erase), `reason`, `until`, `confirm`.
  Owners only (403 for staff). A value to correct shows the conversation again with a sentence
  (400) and nothing is removed; a run that stops midway says so (503) and the same form sent
  again finishes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from receptionist.console.dependencies import CSRF, OwnersOnly, Parts, Session, business_account
from receptionist.console.forms.privacy import ForgetForm
from receptionist.console.routers.inbox import Conversations
from receptionist.console.services.privacy import AskAgain, PrivacyService
from receptionist.console.web import BASE, render
from receptionist.crm.inbox import StaffAccount

router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])

Owner = Annotated[StaffAccount, Depends(OwnersOnly("privacy_owners_only"))]


def privacy_service(db: Session, owner: Owner, parts: Parts) -> PrivacyService:
    return PrivacyService(db, owner, parts.forget)


Privacy = Annotated[PrivacyService, Depends(privacy_service)]


@router.post("/conversations/{identity_id}/forget", dependencies=[CSRF])
def forget_customer(
    request: Request,
    identity_id: str,
    form: Annotated[ForgetForm, Form()],
    owner: Owner,
    service: Privacy,
    conversations: Conversations,
) -> HTMLResponse:
    try:
        outcome = service.forget_customer(identity_id, form)
    except AskAgain as again:  # the conversation again, with the sentence and what was typed
        view = conversations.conversation(identity_id)
        typed = {"mode": form.mode, "reason": form.reason, "until": form.until, "confirm": form.confirm}
        return render(
            request,
            "conversation.html",
            status=again.status,
            account=owner,
            view=view,
            forget_error=again.code,
            forget=typed,
        )
    return render(request, "privacy_done.html", account=owner, outcome=outcome)
