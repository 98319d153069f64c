"""The operator pages (operator accounts only: console_users role 'operator', of no business;
anyone else gets a 403, and an operator gets a 403 on every page of a business).

- GET  /console/operator: the businesses, and the form to onboard one
- POST /console/operator/businesses: onboard it (services/operator.py); the owner's password is
  shown once, on this answer (not cached), and is never logged or audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Operator, Parts, operator_account
from receptionist.console.forms.operator import OnboardingForm
from receptionist.console.services.operator import OnboardingFailed, OperatorService
from receptionist.console.web import BASE, render
from receptionist.crm.settings.zones import zone_choices
from receptionist.i18n.locales import business_languages

router = APIRouter(prefix=BASE, dependencies=[Depends(operator_account)])


def operator_service(operator: Operator, parts: Parts) -> OperatorService:
    return OperatorService(parts.db, operator, parts.accounts, parts.keys_prefix)


Operations = Annotated[OperatorService, Depends(operator_service)]


def _list_page(request: Request, service: OperatorService, *, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("entered", {})
    context.setdefault("error", None)
    return render(
        request,
        "operator_businesses.html",
        status=status,
        account=service.operator,
        businesses=service.businesses(),
        zones=zone_choices(),
        languages=business_languages(),
        keys_prefix=service.keys_prefix or "",
        **context,
    )


@router.get("/operator")
def businesses_page(request: Request, service: Operations) -> HTMLResponse:
    return _list_page(request, service)


@router.post("/operator/businesses", dependencies=[CSRF])
def onboard_business(request: Request, form: Annotated[OnboardingForm, Form()], service: Operations) -> Response:
    try:
        business, outcome = service.onboard(form)
    except OnboardingFailed as exc:
        return _list_page(request, service, status=exc.status, error=exc.code, entered=form.typed())
    response = render(
        request,
        "operator_created.html",
        status=201,
        account=service.operator,
        business=business,
        organization_id=outcome.organization_id,
        password=outcome.password,
        secret_param=service.secret_param(business.app_name),
    )
    response.headers["Cache-Control"] = "no-store"  # the password is on this page, once
    return response
