"""The console's settings pages (an APIRouter under BASE, included by app.create_app): the
assistant's persona and how long the business's data is kept, services, knowledge entries, staff
with their services, hours and time off, staff notifications, appointment reminders, and the
Gupshup connections. Owners only (anyone else gets a 403). Routes parse the form, call
SettingsService (settings_service.py) and render; every post checks its CSRF token first. A value
the owner must correct re-renders the page with the sentence and what was typed (400), and nothing
is written."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from receptionist import disclosure
from receptionist.console.settings_service import (
    RotationConflict,
    SettingNotFound,
    SettingsService,
    gupshup_keys_prefix,
)
from receptionist.console.web import BASE, account_of, check_csrf, deps_of, render
from receptionist.crm.inbox import StaffAccount
from receptionist.crm.settings import (
    REMINDER_PARAM_NAMES,
    REMINDER_UNITS,
    TEMPLATE_PARAM_NAMES,
    InvalidSetting,
    valid_timezone,
)
from receptionist.languages import LANGUAGES
from receptionist.retention.rules import BOUNDS as RETENTION_BOUNDS
from receptionist.retention.rules import cutoffs

router = APIRouter(prefix=BASE)

SETTINGS = f"{BASE}/settings"
NOTICES = ("saved", "deleted")
Page = Callable[..., HTMLResponse]


def _service(request: Request) -> SettingsService:
    deps = deps_of(request)
    return SettingsService(
        deps.service.db,
        gupshup_keys_prefix(os.environ),
        webhook_secrets=deps.webhook_secrets,
        rotation_key=deps.csrf_secret,
    )


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z and valid_timezone(z)))


def _page(request: Request, name: str, account: StaffAccount, *, section: str, **context: Any) -> HTMLResponse:
    notice = request.query_params.get("notice")
    context.setdefault("entered", {})
    context.setdefault("error", None)
    status = context.pop("status", 200)
    return render(
        request,
        name,
        status=status,
        account=account,
        section=section,
        notice=notice if notice in NOTICES else None,
        **context,
    )


async def _change(
    request: Request,
    action: Callable[[StaffAccount, dict[str, str], list[str]], str],
    page: Page,
    *,
    notice: str = "saved",
) -> Response:
    """A settings post: signed in, CSRF checked before anything, then the change; a value to
    correct re-renders `page` (400) with what was typed; done, back to the page `action` names."""
    account = account_of(request)
    await check_csrf(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    chosen = [v for v in form.getlist("service_id") if isinstance(v, str)]
    try:
        then = action(account, values, chosen)
    except InvalidSetting as exc:
        return page(request, account, error=exc.code, entered=values, status=400)
    return RedirectResponse(f"{then}?notice={notice}", status_code=303)


# -- persona -----------------------------------------------------------------------------------
def _persona_page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
    service = _service(request)
    overview = service.overview(account)
    windows = service.retention(account)
    context.setdefault("retention_entered", {})
    return _page(
        request,
        "settings_persona.html",
        account,
        section="persona",
        persona=overview.persona,
        changes=overview.changes,
        zone=ZoneInfo(overview.persona.timezone),
        zones=_zones(),
        languages=LANGUAGES,
        default_disclosure=disclosure.default_text(
            overview.persona.assistant_name, account.organization_name, overview.persona.language
        ),
        retention=windows,
        retention_bounds=RETENTION_BOUNDS,
        # Who would be deleted today (the CRM decides with its own clock; this is what the numbers mean).
        retention_since=cutoffs(windows, datetime.now(UTC)).text.astimezone(ZoneInfo(overview.persona.timezone)),
        **context,
    )


def _retention_refused(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
    """A retention value to correct: the persona page with the sentence, what was typed in the
    retention form (the persona form shows what is stored)."""
    return _persona_page(request, account, retention_entered=context.pop("entered", {}), **context)


@router.get("/settings")
async def persona_page(request: Request) -> HTMLResponse:
    return _persona_page(request, account_of(request))


@router.post("/settings")
async def save_persona(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_persona(account, values)
        return SETTINGS

    return await _change(request, act, _persona_page)


@router.post("/settings/retention")
async def save_retention(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_retention(account, values)
        return SETTINGS

    return await _change(request, act, _retention_refused)


# -- services ----------------------------------------------------------------------------------
def _services_page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
    services, currency = _service(request).services(account)
    return _page(
        request, "settings_services.html", account, section="services", services=services, currency=currency, **context
    )


def _service_page(service_id: str) -> Page:
    def page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
        found = _service(request).service(account, service_id)
        return _page(request, "settings_service.html", account, section="services", service=found, **context)

    return page


@router.get("/settings/services")
async def services_page(request: Request) -> HTMLResponse:
    return _services_page(request, account_of(request))


@router.post("/settings/services")
async def create_service(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_service(account, values)
        return f"{SETTINGS}/services"

    return await _change(request, act, _services_page)


@router.get("/settings/services/{service_id}")
async def service_page(request: Request, service_id: str) -> HTMLResponse:
    return _service_page(service_id)(request, account_of(request))


@router.post("/settings/services/{service_id}")
async def update_service(request: Request, service_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_service(account, values, service_id)
        return f"{SETTINGS}/services/{service_id}"

    return await _change(request, act, _service_page(service_id))


@router.post("/settings/services/{service_id}/active")
async def service_active(request: Request, service_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).set_service_active(account, service_id, values.get("active") == "on")
        return f"{SETTINGS}/services"

    return await _change(request, act, _services_page)


# -- knowledge entries -------------------------------------------------------------------------
def _knowledge_page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
    found = _service(request).entries(account)
    return _page(request, "settings_knowledge.html", account, section="knowledge", entries=found, **context)


def _entry_page(entry_id: str) -> Page:
    def page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
        found = _service(request).entry(account, entry_id)
        return _page(request, "settings_entry.html", account, section="knowledge", entry=found, **context)

    return page


@router.get("/settings/knowledge")
async def knowledge_page(request: Request) -> HTMLResponse:
    return _knowledge_page(request, account_of(request))


@router.post("/settings/knowledge")
async def create_entry(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_entry(account, values)
        return f"{SETTINGS}/knowledge"

    return await _change(request, act, _knowledge_page)


@router.get("/settings/knowledge/{entry_id}")
async def entry_page(request: Request, entry_id: str) -> HTMLResponse:
    return _entry_page(entry_id)(request, account_of(request))


@router.post("/settings/knowledge/{entry_id}")
async def update_entry(request: Request, entry_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_entry(account, values, entry_id)
        return f"{SETTINGS}/knowledge/{entry_id}"

    return await _change(request, act, _entry_page(entry_id))


@router.post("/settings/knowledge/{entry_id}/delete")
async def delete_entry(request: Request, entry_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).delete_entry(account, entry_id)
        return f"{SETTINGS}/knowledge"

    return await _change(request, act, _knowledge_page, notice="deleted")


# -- staff ---------------------------------------------------------------------------------------
def _staff_page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
    staff = _service(request).staff(account)
    return _page(
        request, "settings_staff.html", account, section="staff", staff=staff, zone=ZoneInfo(staff.timezone), **context
    )


def _member_page(member_id: str) -> Page:
    def page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
        view = _service(request).member(account, member_id)
        return _page(
            request,
            "settings_member.html",
            account,
            section="staff",
            view=view,
            zone=ZoneInfo(view.timezone),
            **context,
        )

    return page


@router.get("/settings/staff")
async def staff_page(request: Request) -> HTMLResponse:
    return _staff_page(request, account_of(request))


@router.post("/settings/staff")
async def create_member(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        return f"{SETTINGS}/staff/{_service(request).create_member(account, values)}"

    return await _change(request, act, _staff_page)


@router.post("/settings/staff/closures")
async def add_closure(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).add_time_off(account, None, values)
        return f"{SETTINGS}/staff"

    return await _change(request, act, _staff_page)


@router.post("/settings/staff/closures/{time_off_id}/delete")
async def delete_closure(request: Request, time_off_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).delete_time_off(account, None, time_off_id)
        return f"{SETTINGS}/staff"

    return await _change(request, act, _staff_page, notice="deleted")


@router.get("/settings/staff/{member_id}")
async def member_page(request: Request, member_id: str) -> HTMLResponse:
    return _member_page(member_id)(request, account_of(request))


@router.post("/settings/staff/{member_id}")
async def update_member(request: Request, member_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).update_member(account, member_id, values)
        return f"{SETTINGS}/staff/{member_id}"

    return await _change(request, act, _member_page(member_id))


@router.post("/settings/staff/{member_id}/services")
async def member_services(request: Request, member_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], chosen: list[str]) -> str:
        _service(request).set_member_services(account, member_id, chosen)
        return f"{SETTINGS}/staff/{member_id}"

    return await _change(request, act, _member_page(member_id))


@router.post("/settings/staff/{member_id}/hours")
async def add_hours(request: Request, member_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).add_hours(account, member_id, values)
        return f"{SETTINGS}/staff/{member_id}"

    return await _change(request, act, _member_page(member_id))


@router.post("/settings/staff/{member_id}/hours/{hours_id}/delete")
async def delete_hours(request: Request, member_id: str, hours_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).delete_hours(account, member_id, hours_id)
        return f"{SETTINGS}/staff/{member_id}"

    return await _change(request, act, _member_page(member_id), notice="deleted")


@router.post("/settings/staff/{member_id}/time-off")
async def add_time_off(request: Request, member_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).add_time_off(account, member_id, values)
        return f"{SETTINGS}/staff/{member_id}"

    return await _change(request, act, _member_page(member_id))


@router.post("/settings/staff/{member_id}/time-off/{time_off_id}/delete")
async def delete_time_off(request: Request, member_id: str, time_off_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).delete_time_off(account, member_id, time_off_id)
        return f"{SETTINGS}/staff/{member_id}"

    return await _change(request, act, _member_page(member_id), notice="deleted")


# -- notifications -------------------------------------------------------------------------------
def _notifications_page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
    current = _service(request).notifications(account)
    return _page(
        request,
        "settings_notifications.html",
        account,
        section="notifications",
        current=current,
        param_names=TEMPLATE_PARAM_NAMES,
        **context,
    )


@router.get("/settings/notifications")
async def notifications_page(request: Request) -> HTMLResponse:
    return _notifications_page(request, account_of(request))


@router.post("/settings/notifications")
async def save_notifications(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_notifications(account, values)
        return f"{SETTINGS}/notifications"

    return await _change(request, act, _notifications_page)


# -- reminders -----------------------------------------------------------------------------------
def _reminders_page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
    view = _service(request).reminders(account)
    context.setdefault("example", view.example)
    context.setdefault("previewed", False)
    return _page(
        request,
        "settings_reminders.html",
        account,
        section="reminders",
        view=view,
        param_names=REMINDER_PARAM_NAMES,
        units=tuple(REMINDER_UNITS),
        **context,
    )


@router.get("/settings/reminders")
async def reminders_page(request: Request) -> HTMLResponse:
    return _reminders_page(request, account_of(request))


@router.post("/settings/reminders")
async def save_reminders(request: Request) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).save_reminders(account, values)
        return f"{SETTINGS}/reminders"

    return await _change(request, act, _reminders_page)


@router.post("/settings/reminders/preview")
async def preview_reminders(request: Request) -> HTMLResponse:
    """The page again with what was entered and the message it would send; nothing is saved."""
    account = account_of(request)
    await check_csrf(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        example = _service(request).preview_reminders(account, values)
    except InvalidSetting as exc:
        return _reminders_page(request, account, error=exc.code, entered=values, example=None, status=400)
    return _reminders_page(request, account, entered=values, example=example, previewed=True)


# -- Gupshup connections -------------------------------------------------------------------------
def _whatsapp_page(failed: str = "") -> Page:
    def page(request: Request, account: StaffAccount, **context: Any) -> HTMLResponse:
        service = _service(request)
        found = service.connections(account)
        return _page(
            request,
            "settings_whatsapp.html",
            account,
            section="whatsapp",
            connections=found,
            pending=service.pending_rotations(account, [c.app_name for c in found]),
            rotation_token=secrets.token_urlsafe(32),  # a start form's own secret (SettingsService._secret_for)
            keys_prefix=service.keys_prefix,
            failed=failed,
            **context,
        )

    return page


@router.get("/settings/whatsapp")
async def whatsapp_page(request: Request) -> HTMLResponse:
    return _whatsapp_page()(request, account_of(request))


@router.post("/settings/whatsapp/{connection_id}")
async def update_connection(request: Request, connection_id: str) -> Response:
    def act(account: StaffAccount, values: dict[str, str], _: list[str]) -> str:
        _service(request).update_connection(account, connection_id, values)
        return f"{SETTINGS}/whatsapp"

    return await _change(request, act, _whatsapp_page(connection_id))


async def _rotation_form(request: Request, field: str) -> tuple[StaffAccount, str]:
    account = account_of(request)
    await check_csrf(request)
    value = (await request.form()).get(field)
    return account, value if isinstance(value, str) else ""


@router.post("/settings/whatsapp/{connection_id}/secret/start")
async def start_secret_rotation(request: Request, connection_id: str) -> HTMLResponse:
    """A new webhook secret, shown in this response only (never in a URL, a log or the audit), or
    again to the same form sent twice. While another is pending: the page as it is (409)."""
    account, token = await _rotation_form(request, "rotation_token")
    try:
        new_secret = _service(request).start_secret_rotation(account, connection_id, token)
    except RotationConflict as exc:
        return _whatsapp_page(connection_id)(request, account, error=exc.code, status=exc.status)
    response = _whatsapp_page()(request, account, new_secret=new_secret, rotated=connection_id)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/settings/whatsapp/{connection_id}/secret/{step}")
async def end_secret_rotation(request: Request, connection_id: str, step: str) -> Response:
    """Finish (the new secret only) or cancel (the old one only) the pending rotation the page
    named by its fingerprint; sent twice, the second changes nothing."""
    account, fingerprint = await _rotation_form(request, "fingerprint")
    if step not in ("finish", "cancel"):
        raise SettingNotFound("set_not_found")
    service = _service(request)
    end = service.finish_secret_rotation if step == "finish" else service.cancel_secret_rotation
    try:
        end(account, connection_id, fingerprint)
    except RotationConflict as exc:
        return _whatsapp_page(connection_id)(request, account, error=exc.code, status=exc.status)
    return RedirectResponse(f"{SETTINGS}/whatsapp?notice=saved", status_code=303)
