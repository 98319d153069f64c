"""The settings pages (docs/console.md, "Settings"), one router per area: persona.py (the
assistant and how long data is kept), catalogue.py (services and knowledge entries), staff.py
(members, hours, time off, closures), notifications.py, reminders.py, templates.py (WhatsApp
templates from Gupshup), whatsapp.py (connections and webhook secrets). Owners only: every route of
each router checks it first (a 403 saying so), then a post's CSRF token. A value the owner must
correct shows the page again with the sentence and what was typed (400), and nothing is written; a
change redirects with `?notice=saved`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from receptionist.console.dependencies import OwnersOnly
from receptionist.console.web import BASE, render, see_other
from receptionist.crm.inbox import StaffAccount
from receptionist.crm.settings.errors import InvalidSetting

SETTINGS = f"{BASE}/settings"
NOTICES = ("saved", "deleted", "synced", "submitted")
OWNERS_ONLY = OwnersOnly("set_owners_only")
Owner = Annotated[StaffAccount, Depends(OWNERS_ONLY)]
Page = Callable[..., HTMLResponse]  # a settings page: its context (error, entered, status) as keywords


def owners_router() -> APIRouter:
    """An area's router: owners only, on every route."""
    return APIRouter(prefix=SETTINGS, dependencies=[Depends(OWNERS_ONLY)])


def page(request: Request, name: str, owner: StaffAccount, *, section: str, **context: Any) -> HTMLResponse:
    notice = request.query_params.get("notice")
    context.setdefault("entered", {})
    context.setdefault("error", None)
    status = context.pop("status", 200)
    return render(
        request,
        name,
        status=status,
        account=owner,
        section=section,
        notice=notice if notice in NOTICES else None,
        **context,
    )


def settle(
    change: Callable[[], object], again: Page, typed: dict[str, str], *, then: str, notice: str = "saved"
) -> Response:
    """A settings post's answer: done, back to `then` with the notice; a value to correct, `again`
    (400) with the sentence and what was typed (nothing was written)."""
    try:
        change()
    except InvalidSetting as exc:
        return again(error=exc.code, entered=typed, status=400)
    return saved(then, notice)


def saved(url: str, notice: str = "saved") -> RedirectResponse:
    return see_other(f"{url}?notice={notice}")
