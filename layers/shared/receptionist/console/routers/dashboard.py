"""The owner's dashboard (services/dashboard.py): the business's owner only (its staff get a 403
saying so; an operator has no business).

- GET /console/dashboard?days=7|30|90: the period's figures and charts (30 days unless asked)
- GET /console/dashboard.csv?days=7|30|90: the same days as CSV, one line per day (a download)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from receptionist.console.dependencies import OwnersOnly, Parts, Session, business_account
from receptionist.console.services.dashboard import PERIODS, DashboardService, csv_text, period_of, series
from receptionist.console.web import BASE, local_times, render
from receptionist.crm.inbox import StaffAccount

router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])

Owner = Annotated[StaffAccount, Depends(OwnersOnly("dash_owners_only"))]


def dashboard_service(db: Session, owner: Owner, parts: Parts) -> DashboardService:
    return DashboardService(db, owner, parts.now)


Dashboards = Annotated[DashboardService, Depends(dashboard_service)]


@router.get("/dashboard")
def dashboard_page(request: Request, service: Dashboards, days: str = "") -> Response:
    board = service.dashboard(period_of(days))
    when = local_times(request, service.account)
    chart = {"labels": [when.short_day(d.day) for d in board.days], "series": series(board.days)}
    return render(
        request, "dashboard.html", account=service.account, when=when, board=board, periods=PERIODS, chart=chart
    )


@router.get("/dashboard.csv")
def dashboard_csv(service: Dashboards, days: str = "") -> Response:
    board = service.dashboard(period_of(days))
    name = f"dashboard-{board.first.isoformat()}-{board.last.isoformat()}.csv"
    return Response(
        csv_text(board.days),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
