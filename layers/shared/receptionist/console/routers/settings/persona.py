"""The assistant's settings and how long the business's data is kept (one page, two forms).

- GET /console/settings; POST /console/settings; POST /console/settings/retention"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist import disclosure
from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.settings import PersonaForm, RetentionForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.persona import PersonaService
from receptionist.console.services.settings.retention import RetentionService
from receptionist.crm.settings.zones import zone_choices
from receptionist.languages import LANGUAGES
from receptionist.retention.rules import BOUNDS as RETENTION_BOUNDS
from receptionist.retention.rules import cutoffs

router = owners_router()


def persona_service(db: Session, owner: Owner) -> PersonaService:
    return PersonaService(db, owner)


def retention_service(db: Session, owner: Owner) -> RetentionService:
    return RetentionService(db, owner)


Persona = Annotated[PersonaService, Depends(persona_service)]
Retention = Annotated[RetentionService, Depends(retention_service)]


def persona_page(
    request: Request, owner: Owner, persona: PersonaService, retention: RetentionService, **context: Any
) -> HTMLResponse:
    overview = persona.overview()
    windows = retention.windows()
    zone = ZoneInfo(overview.persona.timezone)
    context.setdefault("retention_entered", {})
    return page(
        request,
        "settings_persona.html",
        owner,
        section="persona",
        persona=overview.persona,
        changes=overview.changes,
        zone=zone,
        zones=zone_choices(),
        languages=LANGUAGES,
        default_disclosure=disclosure.default_text(
            overview.persona.assistant_name, owner.organization_name, overview.persona.language
        ),
        retention=windows,
        retention_bounds=RETENTION_BOUNDS,
        # Who would be deleted today (the CRM decides with its own clock; this is what the numbers mean).
        retention_since=cutoffs(windows, datetime.now(UTC)).text.astimezone(zone),
        **context,
    )


@router.get("")
def persona_settings(request: Request, owner: Owner, persona: Persona, retention: Retention) -> HTMLResponse:
    return persona_page(request, owner, persona, retention)


@router.post("", dependencies=[CSRF])
def save_persona(
    request: Request,
    form: Annotated[PersonaForm, Form()],
    typed: Typed,
    owner: Owner,
    persona: Persona,
    retention: Retention,
) -> Response:
    again = partial(persona_page, request, owner, persona, retention)
    return settle(lambda: persona.save(form), again, typed, then=SETTINGS)


@router.post("/retention", dependencies=[CSRF])
def save_retention(
    request: Request,
    form: Annotated[RetentionForm, Form()],
    typed: Typed,
    owner: Owner,
    persona: Persona,
    retention: Retention,
) -> Response:
    def again(entered: dict[str, str], **context: Any) -> HTMLResponse:
        """The persona page with the sentence and what was typed in the retention form (the
        persona form shows what is stored)."""
        return persona_page(request, owner, persona, retention, retention_entered=entered, **context)

    return settle(lambda: retention.save(form), again, typed, then=SETTINGS)
