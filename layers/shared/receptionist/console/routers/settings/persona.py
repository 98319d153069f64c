"""The assistant's settings and how long the business's data is kept (one page, two forms).

- GET /console/settings; POST /console/settings; POST /console/settings/retention"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist import disclosure
from receptionist.console.dependencies import CSRF, Parts, Session, Typed
from receptionist.console.forms.settings import PersonaForm, RetentionForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.persona import PersonaService
from receptionist.crm.settings.zones import zone_choices
from receptionist.i18n.locales import business_languages
from receptionist.retention.rules import BOUNDS as RETENTION_BOUNDS

router = owners_router()


def persona_service(db: Session, owner: Owner, parts: Parts) -> PersonaService:
    return PersonaService(db, owner, parts.now)


Persona = Annotated[PersonaService, Depends(persona_service)]


def persona_page(request: Request, owner: Owner, service: PersonaService, **context: Any) -> HTMLResponse:
    overview = service.overview()
    context.setdefault("retention_entered", {})
    return page(
        request,
        "settings_persona.html",
        owner,
        section="persona",
        persona=overview.persona,
        changes=overview.changes,
        zones=zone_choices(),
        languages=business_languages(),
        default_disclosure=disclosure.default_text(
            overview.persona.assistant_name, owner.organization_name, overview.persona.language
        ),
        retention=overview.retention,
        retention_bounds=RETENTION_BOUNDS,
        retention_since=overview.retention_since,  # shown as the business's day (console/times.py)
        **context,
    )


@router.get("")
def persona_settings(request: Request, owner: Owner, service: Persona) -> HTMLResponse:
    return persona_page(request, owner, service)


@router.post("", dependencies=[CSRF])
def save_persona(
    request: Request, form: Annotated[PersonaForm, Form()], typed: Typed, owner: Owner, service: Persona
) -> Response:
    again = partial(persona_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=SETTINGS)


@router.post("/retention", dependencies=[CSRF])
def save_retention(
    request: Request, form: Annotated[RetentionForm, Form()], typed: Typed, owner: Owner, service: Persona
) -> Response:
    def again(entered: dict[str, str], **context: Any) -> HTMLResponse:
        """The persona page with the sentence and what was typed in the retention form (the
        persona form shows what is stored)."""
        return persona_page(request, owner, service, retention_entered=entered, **context)

    return settle(lambda: service.save_retention(form), again, typed, then=SETTINGS)
