"""The operator's costs page (operator accounts only, as every operator page: console/routers/operator.py).

- GET  /console/operator/costs?month=YYYY-MM: every business with its month's usage, cost, budget
  and state (no month: the console clock's current month; a month not written YYYY-MM: a 400
  with the sentence that says how)
- GET  /console/operator/costs.csv?month=YYYY-MM: the same lines as CSV (English column names)
- POST /console/operator/costs/budget: a business's monthly budget in USD (empty: none), audited"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from receptionist.console.dependencies import CSRF, Operator, Parts, operator_account
from receptionist.console.errors import ConsoleError
from receptionist.console.forms.budget import BudgetForm, InvalidBudget
from receptionist.console.services.operator_costs import CostsService, cents, csv_text
from receptionist.console.web import BASE, render
from receptionist.stats.budget import month_of, parse_month

router = APIRouter(prefix=BASE, dependencies=[Depends(operator_account)])


def costs_service(operator: Operator, parts: Parts) -> CostsService:
    return CostsService(parts.db, operator)


Costs = Annotated[CostsService, Depends(costs_service)]


def _month(parts: Parts, month: str | None) -> date:
    if not month:
        return month_of(parts.now().date())
    chosen = parse_month(month)
    if chosen is None:
        raise ConsoleError("op_bad_month")
    return chosen


def _page(request: Request, service: CostsService, month: date, *, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("error", None)
    context.setdefault("entered", {})
    return render(
        request,
        "operator_costs.html",
        status=status,
        account=service.operator,
        page=service.page(month),
        cents=cents,
        **context,
    )


@router.get("/operator/costs")
def costs_page(request: Request, service: Costs, parts: Parts, month: str | None = None) -> HTMLResponse:
    return _page(request, service, _month(parts, month), saved=request.query_params.get("saved"))


@router.get("/operator/costs.csv")
def costs_csv(service: Costs, parts: Parts, month: str | None = None) -> Response:
    chosen = _month(parts, month)
    return Response(
        csv_text(service.page(chosen)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="costs-{chosen:%Y-%m}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/operator/costs/budget", dependencies=[CSRF])
def set_budget(request: Request, form: Annotated[BudgetForm, Form()], service: Costs, parts: Parts) -> Response:
    month = form.shown_month() or month_of(parts.now().date())
    organization = form.business()
    try:
        amount = form.amount()
    except InvalidBudget as exc:
        entered = {"organization_id": organization or "", "budget": form.budget.strip()}
        return _page(request, service, month, status=400, error=exc.code, entered=entered)
    service.set_budget(organization, amount)
    query = urlencode({"month": f"{month:%Y-%m}", "saved": organization or ""})
    return RedirectResponse(f"{BASE}/operator/costs?{query}", status_code=303)
