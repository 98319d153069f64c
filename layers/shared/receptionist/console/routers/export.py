"""An owner's download of a customer's data (services/exports.py).

- POST /console/exports/<conversation id>: owners only (staff get a 403; an operator has no
  business); answered with a redirect to the archive's short-lived link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse

from receptionist.console.dependencies import CSRF, OwnersOnly, Parts, Session, business_account
from receptionist.console.errors import ConsoleError
from receptionist.console.services.exports import ExportService
from receptionist.console.web import BASE, see_other
from receptionist.crm.inbox import StaffAccount

router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])

Owner = Annotated[StaffAccount, Depends(OwnersOnly("export_owners_only"))]


def export_service(db: Session, owner: Owner, parts: Parts) -> ExportService:
    if parts.exports is None:
        raise ConsoleError("export_unavailable")
    return ExportService(db, owner, parts.exports, parts.now)


Exports = Annotated[ExportService, Depends(export_service)]


@router.post("/exports/{identity_id}", dependencies=[CSRF])
def export_customer(identity_id: str, service: Exports) -> RedirectResponse:
    return see_other(service.export(identity_id))
