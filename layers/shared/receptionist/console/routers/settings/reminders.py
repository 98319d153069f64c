"""Appointment reminders: when, with which approved template, and what one would read like.

- GET/POST /console/settings/reminders; POST /console/settings/reminders/preview (the page again
  with what was entered and the message it would send; nothing is saved)
- POST /console/settings/reminders/languages: the template of one more language (its chooser)"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.settings import REMINDER_UNITS, RemindersForm
from receptionist.console.forms.template_languages import TemplateLanguageForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.reminders import RemindersService
from receptionist.console.services.settings.template_languages import TemplateLanguagesService
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.reminders import DEFAULT_REMINDER_PARAMS, REMINDER_PARAM_NAMES

router = owners_router()


def reminders_service(db: Session, owner: Owner) -> RemindersService:
    return RemindersService(db, owner)


Reminders = Annotated[RemindersService, Depends(reminders_service)]


def reminders_page(request: Request, owner: Owner, service: RemindersService, **context: Any) -> HTMLResponse:
    view = service.view()
    context.setdefault("example", view.example)
    context.setdefault("previewed", False)
    return page(
        request,
        "settings_reminders.html",
        owner,
        section="reminders",
        view=view,
        param_names=REMINDER_PARAM_NAMES,
        units=tuple(REMINDER_UNITS),
        languages=TemplateLanguagesService(service.db, owner).view("reminder"),
        languages_url=f"{SETTINGS}/reminders/languages",
        **context,
    )


@router.get("/reminders")
def reminders_settings(request: Request, owner: Owner, service: Reminders) -> HTMLResponse:
    return reminders_page(request, owner, service)


@router.post("/reminders", dependencies=[CSRF])
def save_reminders(
    request: Request, form: Annotated[RemindersForm, Form()], typed: Typed, owner: Owner, service: Reminders
) -> Response:
    again = partial(reminders_page, request, owner, service)
    return settle(lambda: service.save(form), again, typed, then=f"{SETTINGS}/reminders")


@router.post("/reminders/preview", dependencies=[CSRF])
def preview_reminders(
    request: Request, form: Annotated[RemindersForm, Form()], typed: Typed, owner: Owner, service: Reminders
) -> HTMLResponse:
    try:
        example = service.preview(form)
    except InvalidSetting as exc:
        return reminders_page(request, owner, service, error=exc.code, entered=typed, example=None, status=400)
    return reminders_page(request, owner, service, entered=typed, example=example, previewed=True)


@router.post("/reminders/languages", dependencies=[CSRF])
def save_reminder_language(
    request: Request, form: Annotated[TemplateLanguageForm, Form()], typed: Typed, owner: Owner, service: Reminders
) -> Response:
    again = partial(reminders_page, request, owner, service)
    names = service.view().settings.template_params
    languages = TemplateLanguagesService(service.db, owner)
    change = partial(languages.save, "reminder", form, names, list(DEFAULT_REMINDER_PARAMS))
    return settle(change, again, typed, then=f"{SETTINGS}/reminders")
