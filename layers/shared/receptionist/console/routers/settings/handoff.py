"""The business's hours for people and what happens outside them (services/settings/handoff.py).

- GET/POST /console/settings/handoff, POST /console/settings/handoff/hours,
  POST /console/settings/handoff/hours/<id>/delete"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.handoff import HandoffForm
from receptionist.console.forms.settings import HoursForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.handoff import HandoffSettingsService

router = owners_router()
HANDOFF = f"{SETTINGS}/handoff"


def handoff_service(db: Session, owner: Owner) -> HandoffSettingsService:
    return HandoffSettingsService(db, owner)


Handoff = Annotated[HandoffSettingsService, Depends(handoff_service)]


def handoff_page(request: Request, owner: Owner, service: HandoffSettingsService, **context: Any) -> HTMLResponse:
    return page(request, "settings_handoff.html", owner, section="handoff", view=service.view(), **context)


@router.get("/handoff")
def handoff_settings(request: Request, owner: Owner, service: Handoff) -> HTMLResponse:
    return handoff_page(request, owner, service)


@router.post("/handoff", dependencies=[CSRF])
def save_handoff(
    request: Request, form: Annotated[HandoffForm, Form()], typed: Typed, owner: Owner, service: Handoff
) -> Response:
    again = partial(handoff_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=HANDOFF)


@router.post("/handoff/hours", dependencies=[CSRF])
def add_opening_hours(
    request: Request, form: Annotated[HoursForm, Form()], typed: Typed, owner: Owner, service: Handoff
) -> Response:
    again = partial(handoff_page, request, owner, service)
    return settle(lambda: service.add_hours(form), again, typed, then=HANDOFF)


@router.post("/handoff/hours/{hours_id}/delete", dependencies=[CSRF])
def delete_opening_hours(request: Request, hours_id: str, typed: Typed, owner: Owner, service: Handoff) -> Response:
    again = partial(handoff_page, request, owner, service)
    return settle(partial(service.delete_hours, hours_id), again, typed, then=HANDOFF, notice="deleted")
