"""The waitlist's settings: on or off, how long an offer lasts, how many are offered a slot at
once, and the approved UTILITY template for outside the 24-hour window.

- GET/POST /console/settings/waitlist
- POST /console/settings/waitlist/languages: the template of one more language (its chooser)"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.template_languages import TemplateLanguageForm
from receptionist.console.forms.waitlist import WaitlistForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.template_languages import TemplateLanguagesService
from receptionist.console.services.settings.waitlist import WaitlistSettingsService
from receptionist.crm.settings import waitlist as waitlist_rows
from receptionist.crm.settings.waitlist import BATCH_SIZE, DEFAULT_WAITLIST_PARAMS, OFFER_MINUTES, WAITLIST_PARAM_NAMES

router = owners_router()


def waitlist_settings_service(db: Session, owner: Owner) -> WaitlistSettingsService:
    return WaitlistSettingsService(db, owner)


Settings = Annotated[WaitlistSettingsService, Depends(waitlist_settings_service)]


def waitlist_page(request: Request, owner: Owner, service: WaitlistSettingsService, **context: Any) -> HTMLResponse:
    return page(
        request,
        "settings_waitlist.html",
        owner,
        section="waitlist",
        view=service.view(),
        param_names=WAITLIST_PARAM_NAMES,
        minutes=OFFER_MINUTES,
        batch=BATCH_SIZE,
        languages=TemplateLanguagesService(service.db, owner).view("waitlist"),
        languages_url=f"{SETTINGS}/waitlist/languages",
        **context,
    )


@router.get("/waitlist")
def waitlist_settings(request: Request, owner: Owner, service: Settings) -> HTMLResponse:
    return waitlist_page(request, owner, service)


@router.post("/waitlist", dependencies=[CSRF])
def save_waitlist(
    request: Request, form: Annotated[WaitlistForm, Form()], typed: Typed, owner: Owner, service: Settings
) -> Response:
    again = partial(waitlist_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=f"{SETTINGS}/waitlist")


@router.post("/waitlist/languages", dependencies=[CSRF])
def save_waitlist_language(
    request: Request, form: Annotated[TemplateLanguageForm, Form()], typed: Typed, owner: Owner, service: Settings
) -> Response:
    again = partial(waitlist_page, request, owner, service)
    names = waitlist_rows.waitlist_settings(service.db, owner.organization_id).template_params
    languages = TemplateLanguagesService(service.db, owner)
    change = partial(languages.save, "waitlist", form, names, list(DEFAULT_WAITLIST_PARAMS))
    return settle(change, again, typed, then=f"{SETTINGS}/waitlist")
