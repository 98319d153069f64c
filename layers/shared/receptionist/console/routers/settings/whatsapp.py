"""The business's Gupshup connections and their webhook secrets (docs/security.md).

- GET /console/settings/whatsapp; POST /console/settings/whatsapp/<connection id>
- POST /console/settings/whatsapp/<connection id>/app-id: the Gupshup app id the template API needs
- POST /console/settings/whatsapp/<connection id>/secret/start: a new secret, shown in this
  response only (never in a URL, a log or the audit), or again to the same form sent twice; while
  another is pending, the page as it is (409)
- POST /console/settings/whatsapp/<connection id>/secret/finish | cancel: the pending rotation
  the page named by its fingerprint; sent twice, the second changes nothing"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Parts, Session, Typed
from receptionist.console.errors import Conflict, NotFound
from receptionist.console.forms.settings import ConnectionForm, RotationEndForm, RotationStartForm
from receptionist.console.forms.templates import AppIdForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, saved, settle
from receptionist.console.services.settings.connections import ConnectionsService

router = owners_router()
WHATSAPP = f"{SETTINGS}/whatsapp"


def connections_service(db: Session, owner: Owner, parts: Parts) -> ConnectionsService:
    return ConnectionsService(
        db, owner, keys_prefix=parts.keys_prefix, webhook_secrets=parts.webhook_secrets, rotation_key=parts.csrf_secret
    )


Connections = Annotated[ConnectionsService, Depends(connections_service)]


def whatsapp_page(
    request: Request, owner: Owner, service: ConnectionsService, failed: str = "", **context: Any
) -> HTMLResponse:
    found = service.connections()
    return page(
        request,
        "settings_whatsapp.html",
        owner,
        section="whatsapp",
        connections=found,
        pending=service.pending_rotations([c.app_name for c in found]),
        rotation_token=secrets.token_urlsafe(32),  # a start form's own secret (ConnectionsService._secret_for)
        keys_prefix=service.keys_prefix,
        failed=failed,
        **context,
    )


@router.get("/whatsapp")
def whatsapp_settings(request: Request, owner: Owner, service: Connections) -> HTMLResponse:
    return whatsapp_page(request, owner, service)


@router.post("/whatsapp/{connection_id}", dependencies=[CSRF])
def update_connection(
    request: Request,
    connection_id: str,
    form: Annotated[ConnectionForm, Form()],
    typed: Typed,
    owner: Owner,
    service: Connections,
) -> Response:
    again = partial(whatsapp_page, request, owner, service, connection_id)
    return settle(lambda: service.update(connection_id, form), again, typed, then=WHATSAPP)


@router.post("/whatsapp/{connection_id}/app-id", dependencies=[CSRF])
def set_app_id(
    request: Request,
    connection_id: str,
    form: Annotated[AppIdForm, Form()],
    typed: Typed,
    owner: Owner,
    service: Connections,
) -> Response:
    again = partial(whatsapp_page, request, owner, service, connection_id)
    return settle(lambda: service.set_app_id(connection_id, form), again, typed, then=WHATSAPP)


@router.post("/whatsapp/{connection_id}/secret/start", dependencies=[CSRF])
def start_secret_rotation(
    request: Request, connection_id: str, form: Annotated[RotationStartForm, Form()], owner: Owner, service: Connections
) -> HTMLResponse:
    try:
        new_secret = service.start_secret_rotation(connection_id, form.rotation_token)
    except Conflict as exc:
        return whatsapp_page(request, owner, service, connection_id, error=exc.code, status=exc.status)
    response = whatsapp_page(request, owner, service, new_secret=new_secret, rotated=connection_id)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/whatsapp/{connection_id}/secret/{step}", dependencies=[CSRF])
def end_secret_rotation(
    request: Request,
    connection_id: str,
    step: str,
    form: Annotated[RotationEndForm, Form()],
    owner: Owner,
    service: Connections,
) -> Response:
    if step not in ("finish", "cancel"):
        raise NotFound("set_not_found")
    end = service.finish_secret_rotation if step == "finish" else service.cancel_secret_rotation
    try:
        end(connection_id, form.fingerprint)
    except Conflict as exc:
        return whatsapp_page(request, owner, service, connection_id, error=exc.code, status=exc.status)
    return saved(WHATSAPP)
