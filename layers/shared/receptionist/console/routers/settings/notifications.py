"""Staff notifications: the numbers told of an escalation, and the escalation template.

- GET/POST /console/settings/notifications"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.settings import NotificationsForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.notifications import NotificationsService
from receptionist.crm.settings.notifications import TEMPLATE_PARAM_NAMES

router = owners_router()


def notifications_service(db: Session, owner: Owner) -> NotificationsService:
    return NotificationsService(db, owner)


Notifications = Annotated[NotificationsService, Depends(notifications_service)]


def notifications_page(request: Request, owner: Owner, service: NotificationsService, **context: Any) -> HTMLResponse:
    return page(
        request,
        "settings_notifications.html",
        owner,
        section="notifications",
        current=service.current(),
        templates=service.templates(),
        param_names=TEMPLATE_PARAM_NAMES,
        **context,
    )


@router.get("/notifications")
def notifications_settings(request: Request, owner: Owner, service: Notifications) -> HTMLResponse:
    return notifications_page(request, owner, service)


@router.post("/notifications", dependencies=[CSRF])
def save_notifications(
    request: Request, form: Annotated[NotificationsForm, Form()], typed: Typed, owner: Owner, service: Notifications
) -> Response:
    again = partial(notifications_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=f"{SETTINGS}/notifications")
