"""Services and knowledge entries.

- GET/POST /console/settings/services, GET/POST /console/settings/services/<id>,
  POST /console/settings/services/<id>/active (withdraw or restore)
- GET/POST /console/settings/knowledge, GET/POST /console/settings/knowledge/<id>,
  POST /console/settings/knowledge/<id>/delete"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, Session, Typed
from receptionist.console.forms.settings import ActiveForm, EntryForm, ServiceForm
from receptionist.console.routers.settings import SETTINGS, Owner, owners_router, page, settle
from receptionist.console.services.settings.catalogue import CatalogueService

router = owners_router()
SERVICES, KNOWLEDGE = f"{SETTINGS}/services", f"{SETTINGS}/knowledge"


def catalogue_service(db: Session, owner: Owner) -> CatalogueService:
    return CatalogueService(db, owner)


Catalogue = Annotated[CatalogueService, Depends(catalogue_service)]


# -- services ----------------------------------------------------------------------------------
def services_page(request: Request, owner: Owner, service: CatalogueService, **context: Any) -> HTMLResponse:
    services, currency = service.services()
    return page(
        request, "settings_services.html", owner, section="services", services=services, currency=currency, **context
    )


def service_page(
    request: Request, owner: Owner, service: CatalogueService, service_id: str, **context: Any
) -> HTMLResponse:
    found = service.service(service_id)
    return page(request, "settings_service.html", owner, section="services", service=found, **context)


@router.get("/services")
def services_settings(request: Request, owner: Owner, service: Catalogue) -> HTMLResponse:
    return services_page(request, owner, service)


@router.post("/services", dependencies=[CSRF])
def create_service(
    request: Request, form: Annotated[ServiceForm, Form()], typed: Typed, owner: Owner, service: Catalogue
) -> Response:
    again = partial(services_page, request, owner, service)
    return settle(lambda: service.save_service(form), again, typed, then=SERVICES)


@router.get("/services/{service_id}")
def service_settings(request: Request, service_id: str, owner: Owner, service: Catalogue) -> HTMLResponse:
    return service_page(request, owner, service, service_id)


@router.post("/services/{service_id}", dependencies=[CSRF])
def update_service(
    request: Request,
    service_id: str,
    form: Annotated[ServiceForm, Form()],
    typed: Typed,
    owner: Owner,
    service: Catalogue,
) -> Response:
    again = partial(service_page, request, owner, service, service_id)
    return settle(lambda: service.save_service(form, service_id), again, typed, then=f"{SERVICES}/{service_id}")


@router.post("/services/{service_id}/active", dependencies=[CSRF])
def service_active(
    request: Request,
    service_id: str,
    form: Annotated[ActiveForm, Form()],
    typed: Typed,
    owner: Owner,
    service: Catalogue,
) -> Response:
    again = partial(services_page, request, owner, service)
    return settle(lambda: service.set_service_active(service_id, form.on), again, typed, then=SERVICES)


# -- knowledge entries -------------------------------------------------------------------------
def knowledge_page(request: Request, owner: Owner, service: CatalogueService, **context: Any) -> HTMLResponse:
    return page(request, "settings_knowledge.html", owner, section="knowledge", entries=service.entries(), **context)


def entry_page(
    request: Request, owner: Owner, service: CatalogueService, entry_id: str, **context: Any
) -> HTMLResponse:
    found = service.entry(entry_id)
    return page(request, "settings_entry.html", owner, section="knowledge", entry=found, **context)


@router.get("/knowledge")
def knowledge_settings(request: Request, owner: Owner, service: Catalogue) -> HTMLResponse:
    return knowledge_page(request, owner, service)


@router.post("/knowledge", dependencies=[CSRF])
def create_entry(
    request: Request, form: Annotated[EntryForm, Form()], typed: Typed, owner: Owner, service: Catalogue
) -> Response:
    again = partial(knowledge_page, request, owner, service)
    return settle(lambda: service.save_entry(form), again, typed, then=KNOWLEDGE)


@router.get("/knowledge/{entry_id}")
def entry_settings(request: Request, entry_id: str, owner: Owner, service: Catalogue) -> HTMLResponse:
    return entry_page(request, owner, service, entry_id)


@router.post("/knowledge/{entry_id}", dependencies=[CSRF])
def update_entry(
    request: Request, entry_id: str, form: Annotated[EntryForm, Form()], typed: Typed, owner: Owner, service: Catalogue
) -> Response:
    again = partial(entry_page, request, owner, service, entry_id)
    return settle(lambda: service.save_entry(form, entry_id), again, typed, then=f"{KNOWLEDGE}/{entry_id}")


@router.post("/knowledge/{entry_id}/delete", dependencies=[CSRF])
def delete_entry(request: Request, entry_id: str, typed: Typed, owner: Owner, service: Catalogue) -> Response:
    again = partial(knowledge_page, request, owner, service)
    return settle(lambda: service.delete_entry(entry_id), again, typed, then=KNOWLEDGE, notice="deleted")
