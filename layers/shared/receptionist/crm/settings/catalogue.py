"""Services and knowledge entries as the owner's settings pages list and change them (written
through receptionist.catalogue, which keeps their search text and embeddings). One round trip
each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from receptionist.crm.connection import Database
from receptionist.crm.inbox import is_id
from receptionist.crm.models import KnowledgeEntry, Service

_SERVICE_COLUMNS = (
    "id::text as id, name, description, duration_minutes, price_cents, currency, bookable, active, recall_interval_days"
)
RECALL_DAYS = (7, 1095)  # a recall interval: a week to three years (services_recall_interval_check)


@dataclass(frozen=True)
class ServiceSetting(Service):
    active: bool = True
    recall_interval_days: int | None = None  # days after a completed visit its customer is recalled (docs/recalls.md)


def services(db: Database, organization_id: str) -> list[ServiceSetting]:
    rows = db.fetch_all(
        f"select {_SERVICE_COLUMNS} from services where organization_id = %s order by active desc, name",
        (organization_id,),
    )
    return [ServiceSetting(**r) for r in rows]


def service(db: Database, organization_id: str, service_id: str) -> ServiceSetting | None:
    if not is_id(service_id):
        return None
    return next((s for s in services_by_id(db, organization_id, [service_id])), None)


def services_by_id(db: Database, organization_id: str, ids: Sequence[str]) -> list[ServiceSetting]:
    rows = db.fetch_all(
        f"select {_SERVICE_COLUMNS} from services where organization_id = %s and id = any(%s::uuid[])",
        (organization_id, [i for i in ids if is_id(i)]),
    )
    return [ServiceSetting(**r) for r in rows]


def usual_currency(db: Database, organization_id: str) -> str:
    row = db.fetch_one(
        "select currency from services where organization_id = %s group by currency order by count(*) desc limit 1",
        (organization_id,),
    )
    return str(row["currency"]) if row else "EUR"


def set_service_active(db: Database, organization_id: str, service_id: str, active: bool) -> bool:
    """Services are never deleted (appointments keep pointing at them): a withdrawn service is
    inactive, which hides it from customers, the assistant and new bookings."""
    if not is_id(service_id):
        return False
    return (
        db.execute(
            "update services set active = %s where organization_id = %s and id = %s",
            (active, organization_id, service_id),
        )
        > 0
    )


def entries(db: Database, organization_id: str) -> list[KnowledgeEntry]:
    rows = db.fetch_all(
        "select id::text as id, title, body from knowledge_entries where organization_id = %s order by title",
        (organization_id,),
    )
    return [KnowledgeEntry(**r) for r in rows]


def entry(db: Database, organization_id: str, entry_id: str) -> KnowledgeEntry | None:
    if not is_id(entry_id):
        return None
    row = db.fetch_one(
        "select id::text as id, title, body from knowledge_entries where organization_id = %s and id = %s",
        (organization_id, entry_id),
    )
    return KnowledgeEntry(**row) if row else None


def delete_entry(db: Database, organization_id: str, entry_id: str) -> bool:
    if not is_id(entry_id):
        return False
    return (
        db.execute("delete from knowledge_entries where organization_id = %s and id = %s", (organization_id, entry_id))
        > 0
    )


def set_recall_interval(db: Database, organization_id: str, service_id: str, days: int | None) -> bool:
    """When a customer of the service is invited back after a completed visit (None: never)."""
    if not is_id(service_id):
        return False
    return (
        db.execute(
            "update services set recall_interval_days = %s where organization_id = %s and id = %s",
            (days, organization_id, service_id),
        )
        > 0
    )
