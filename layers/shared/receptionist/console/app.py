"""The console's HTTP surface (FastAPI; Mangum puts it behind API Gateway in functions/console):
server-rendered pages, their form posts, and a small JSON API, one router per section (routers/),
as FastAPI's "bigger applications" lay an app out. Every page and API call needs a verified
session whose account belongs to a business (dependencies.py); a conversation of another business
is "not found", by URL or through the API."""

from __future__ import annotations

from fastapi import FastAPI

from receptionist.console.dependencies import ConsoleParts
from receptionist.console.errors import ConsoleError, CsrfRefused, SignInNeeded
from receptionist.console.routers import (
    account,
    appointments,
    calendar,
    consent,
    customer_language,
    dashboard,
    export,
    inbox,
    mfa,
    operator,
    operator_costs,
    own_number,
    password,
    privacy,
    sign_in,
    static,
    team,
    waitlist,
)
from receptionist.console.routers.settings import (
    catalogue,
    handoff,
    noshow,
    notifications,
    persona,
    recalls,
    reminders,
    staff,
    templates,
    whatsapp,
)
from receptionist.console.routers.settings import waitlist as waitlist_settings
from receptionist.console.web import console_error, csrf_refused, sign_in_needed

__all__ = ["ConsoleParts", "create_app"]


def create_app(parts: ConsoleParts) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.parts = parts
    app.include_router(static.router)  # scripts the pages load (console/assets.py): no session
    app.include_router(sign_in.router)
    app.include_router(account.router)
    app.include_router(mfa.router)
    app.include_router(password.router)
    app.include_router(team.router)
    # Before the inbox's: its POST /conversations/{id}/{action} would take /consent and /forget.
    app.include_router(consent.router)
    app.include_router(customer_language.router)
    app.include_router(privacy.router)
    app.include_router(inbox.router)
    app.include_router(inbox.fragments)
    app.include_router(appointments.router)
    app.include_router(own_number.router)
    app.include_router(calendar.router)
    app.include_router(waitlist.router)
    app.include_router(dashboard.router)
    for area in (
        persona,
        catalogue,
        staff,
        notifications,
        handoff,
        reminders,
        noshow,
        waitlist_settings,
        recalls,
        templates,
        whatsapp,
    ):
        app.include_router(area.router)
    app.include_router(operator.router)
    app.include_router(operator_costs.router)
    app.include_router(export.router)
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(ConsoleError, console_error)
    return app
