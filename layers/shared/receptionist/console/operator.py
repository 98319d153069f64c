"""The console's operator pages (an APIRouter under BASE, included by app.create_app): the list of
businesses and onboarding a new one end to end, for operator accounts only (console_users role
'operator', of no business; anyone else gets a 403, and an operator gets a 403 on every page of a
business).

Onboarding is ops.onboard's flow with the same checks (`ops.onboard.checked`): the owner's
Cognito user is created (or reused when it belongs to no business yet) with a generated password,
then the SECURITY DEFINER function `onboard_business` writes the organization, its assistant
settings, Gupshup connection, notification settings, the owner's console account and the audit
line (`business_onboarded`, actor the operator's e-mail) in one transaction. The Gupshup key is
never a form field: its SSM parameter is always `<stage's Gupshup keys prefix><app name>`. The
password is shown once, on the answer to the post (not cached), and is never logged or audited."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from botocore.exceptions import ClientError
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.settings_service import gupshup_keys_prefix
from receptionist.console.web import BASE, Forbidden, any_account_of, check_csrf, deps_of, render
from receptionist.crm import inbox
from receptionist.crm import settings as crm
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount
from receptionist.crm.settings import NewBusiness, valid_timezone
from receptionist.languages import LANGUAGES
from receptionist.ops.onboard import InvalidBusiness, Onboarded, checked, onboard_with

router = APIRouter(prefix=BASE)

OPERATOR = f"{BASE}/operator"
FIELDS = (
    "name",
    "app_name",
    "business_number",
    "timezone",
    "language",
    "owner_email",
    "staff_number",
    "emergency_number",
)


class OnboardingFailed(Exception):
    """A refusal the operator reads on the form (`code` is the sentence's key), nothing created."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


@dataclass
class ConsoleBusinesses:
    """ops.onboard's Businesses for the console: as the console's role, through the SECURITY
    DEFINER functions of migration 20261202000400_operators.sql, for this operator."""

    db: Database
    operator_sub: str

    def app_organization(self, app_name: str) -> str | None:
        return crm.gupshup_app_organization(self.db, app_name)

    def account_taken(self, sub: str) -> bool:
        return inbox.staff_account(self.db, sub) is not None

    def create(self, business: NewBusiness, owner_sub: str) -> str | None:
        return crm.onboard_business(self.db, self.operator_sub, business, owner_sub)


def operator_of(request: Request) -> StaffAccount:
    """The signed-in operator (anyone else: 403)."""
    account = any_account_of(request)
    if not account.is_operator:
        raise Forbidden("op_operators_only")
    return account


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z and valid_timezone(z)))


def _keys_prefix() -> str | None:
    return gupshup_keys_prefix(os.environ)


def _list_page(request: Request, account: StaffAccount, *, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("entered", {})
    context.setdefault("error", None)
    return render(
        request,
        "operator_businesses.html",
        status=status,
        account=account,
        businesses=crm.operator_businesses(deps_of(request).service.db, account.sub),
        zones=_zones(),
        languages=LANGUAGES,
        keys_prefix=_keys_prefix() or "",
        **context,
    )


@router.get("/operator")
async def businesses_page(request: Request) -> HTMLResponse:
    return _list_page(request, operator_of(request))


@router.post("/operator/businesses")
async def onboard_business(request: Request) -> Response:
    account = any_account_of(request)
    await check_csrf(request)
    if not account.is_operator:
        raise Forbidden("op_operators_only")
    form = await request.form()
    values = {k: v.strip() if isinstance(v := form.get(k), str) else "" for k in FIELDS}
    try:
        business, outcome = _onboard(request, account, values)
    except OnboardingFailed as exc:
        return _list_page(request, account, status=exc.status, error=exc.code, entered=values)
    prefix = _keys_prefix() or ""
    secret_param = f"{prefix.removesuffix('gupshup/')}webhook-secrets/{business.app_name}" if prefix else ""
    response = render(
        request,
        "operator_created.html",
        status=201,
        account=account,
        business=business,
        organization_id=outcome.organization_id,
        password=outcome.password,
        secret_param=secret_param if prefix.endswith("/gupshup/") else "",
    )
    response.headers["Cache-Control"] = "no-store"  # the password is on this page, once
    return response


def _onboard(request: Request, account: StaffAccount, values: dict[str, str]) -> tuple[NewBusiness, Onboarded]:
    deps = deps_of(request)
    if deps.accounts is None:
        raise OnboardingFailed("op_no_pool", 503)
    prefix = _keys_prefix()
    try:
        business = checked(
            name=values["name"],
            app_name=values["app_name"],
            business_number=values["business_number"],
            api_key_ref=f"{prefix or ''}{values['app_name']}",
            keys_prefix=prefix,
            timezone=values["timezone"],
            language=values["language"],
            owner_email=values["owner_email"],
            staff_numbers=[values["staff_number"]] if values["staff_number"] else [],
            emergency_number=values["emergency_number"] or None,  # empty: the time zone's default
        )
    except InvalidBusiness as exc:
        raise OnboardingFailed(f"op_bad_{exc.field}") from exc
    try:
        outcome = onboard_with(ConsoleBusinesses(deps.service.db, account.sub), deps.accounts, business)
    except crm.NotAnOperator as exc:
        raise Forbidden("op_operators_only") from exc
    except InvalidBusiness as exc:  # the database refused a value the checks above let through
        raise OnboardingFailed(f"op_bad_{exc.field}") from exc
    except ClientError as exc:
        raise OnboardingFailed("op_cognito_refused", 502) from exc
    if outcome.result == "exists":
        raise OnboardingFailed("op_app_taken")
    if outcome.result == "owner_taken":
        raise OnboardingFailed("op_owner_taken")
    return business, outcome
