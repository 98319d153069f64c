"""The business's WhatsApp templates, as Gupshup has them (docs/console.md, "Templates").

- GET /console/settings/templates: every template with its status (only approved ones can be
  chosen elsewhere), each connection's app id and last read from Gupshup
- POST /console/settings/templates/sync: read Gupshup's list now; a failure is the page again with
  why (502), the templates as they were
- POST /console/settings/templates: submit a new template for approval (PENDING until the sync
  reads Meta's answer)"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Parts, Session, Typed
from receptionist.console.forms.templates import TEMPLATE_CATEGORIES, TEMPLATE_LANGUAGES, SubmitTemplateForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, saved, settle
from receptionist.console.services.settings.templates import TemplatesService

router = owners_router()
TEMPLATES = f"{SETTINGS}/templates"


def templates_service(db: Session, owner: Owner, parts: Parts) -> TemplatesService:
    return TemplatesService(
        db, owner, api=parts.template_api, app_key=parts.app_key, keys_prefix=parts.keys_prefix, now=parts.now
    )


Templates = Annotated[TemplatesService, Depends(templates_service)]


def templates_page(request: Request, owner: Owner, service: TemplatesService, **context: Any) -> HTMLResponse:
    return page(
        request,
        "settings_templates.html",
        owner,
        section="templates",
        view=service.view(),
        languages=TEMPLATE_LANGUAGES,
        categories=TEMPLATE_CATEGORIES,
        **context,
    )


@router.get("/templates")
def templates_settings(request: Request, owner: Owner, service: Templates) -> HTMLResponse:
    return templates_page(request, owner, service)


@router.post("/templates/sync", dependencies=[CSRF])
def sync_templates(request: Request, owner: Owner, service: Templates) -> Response:
    result = service.sync_now()
    if not result.ok:
        return templates_page(request, owner, service, error=f"tpl_sync_{result.error}", status=502)
    return saved(TEMPLATES, "synced")


@router.post("/templates", dependencies=[CSRF])
def submit_template(
    request: Request, form: Annotated[SubmitTemplateForm, Form()], typed: Typed, owner: Owner, service: Templates
) -> Response:
    again = partial(templates_page, request, owner, service)
    return settle(lambda: service.submit(form), again, typed, then=TEMPLATES, notice="submitted")
