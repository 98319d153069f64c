"""Recalls (docs/recalls.md): on or off, and the approved marketing template.

- GET/POST /console/settings/recalls
- POST /console/settings/recalls/languages: the template of one more language (its chooser)"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.recalls import RecallsForm
from receptionist.console.forms.template_languages import TemplateLanguageForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.recalls import RecallsService
from receptionist.console.services.settings.template_languages import TemplateLanguagesService
from receptionist.crm.recalls import RECALL_PARAM_NAMES

router = owners_router()


def recalls_service(db: Session, owner: Owner) -> RecallsService:
    return RecallsService(db, owner)


Recalls = Annotated[RecallsService, Depends(recalls_service)]


def recalls_page(request: Request, owner: Owner, service: RecallsService, **context: Any) -> HTMLResponse:
    languages = TemplateLanguagesService(service.db, owner).view("recall")
    return page(
        request,
        "settings_recalls.html",
        owner,
        section="recalls",
        view=service.view(),
        languages=languages,
        languages_url=f"{SETTINGS}/recalls/languages",
        **context,
    )


@router.get("/recalls")
def recalls_settings(request: Request, owner: Owner, service: Recalls) -> HTMLResponse:
    return recalls_page(request, owner, service)


@router.post("/recalls", dependencies=[CSRF])
def save_recalls(
    request: Request, form: Annotated[RecallsForm, Form()], typed: Typed, owner: Owner, service: Recalls
) -> Response:
    again = partial(recalls_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=f"{SETTINGS}/recalls")


@router.post("/recalls/languages", dependencies=[CSRF])
def save_recall_language(
    request: Request, form: Annotated[TemplateLanguageForm, Form()], typed: Typed, owner: Owner, service: Recalls
) -> Response:
    again = partial(recalls_page, request, owner, service)
    # A recall's values follow its placeholders in RECALL_PARAM_NAMES' order, whatever the language.
    languages = TemplateLanguagesService(service.db, owner)
    change = partial(languages.save, "recall", form, [], list(RECALL_PARAM_NAMES))
    return settle(change, again, typed, then=f"{SETTINGS}/recalls")
