"""The kind of business and its no-show policy (docs/noshow.md).

- GET/POST /console/settings/noshow"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.noshow import NoShowForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.noshow import NoShowSettingsService
from receptionist.crm.noshow import KINDS, LIMITS, MONTHS

router = owners_router()


def noshow_service(db: Session, owner: Owner) -> NoShowSettingsService:
    return NoShowSettingsService(db, owner)


NoShow = Annotated[NoShowSettingsService, Depends(noshow_service)]


def noshow_page(request: Request, owner: Owner, service: NoShowSettingsService, **context: Any) -> HTMLResponse:
    return page(
        request,
        "settings_noshow.html",
        owner,
        section="noshow",
        view=service.view(),
        kinds=KINDS,
        limits=LIMITS,
        months=MONTHS,
        **context,
    )


@router.get("/noshow")
def noshow_settings(request: Request, owner: Owner, service: NoShow) -> HTMLResponse:
    return noshow_page(request, owner, service)


@router.post("/noshow", dependencies=[CSRF])
def save_noshow(
    request: Request, form: Annotated[NoShowForm, Form()], typed: Typed, owner: Owner, service: NoShow
) -> Response:
    again = partial(noshow_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=f"{SETTINGS}/noshow")
