"""Recalls (docs/recalls.md): on or off, and the approved marketing template.

- GET/POST /console/settings/recalls"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.recalls import RecallsForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.recalls import RecallsService

router = owners_router()


def recalls_service(db: Session, owner: Owner) -> RecallsService:
    return RecallsService(db, owner)


Recalls = Annotated[RecallsService, Depends(recalls_service)]


def recalls_page(request: Request, owner: Owner, service: RecallsService, **context: Any) -> HTMLResponse:
    return page(request, "settings_recalls.html", owner, section="recalls", view=service.view(), **context)


@router.get("/recalls")
def recalls_settings(request: Request, owner: Owner, service: Recalls) -> HTMLResponse:
    return recalls_page(request, owner, service)


@router.post("/recalls", dependencies=[CSRF])
def save_recalls(
    request: Request, form: Annotated[RecallsForm, Form()], typed: Typed, owner: Owner, service: Recalls
) -> Response:
    again = partial(recalls_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=f"{SETTINGS}/recalls")
