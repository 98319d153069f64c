"""Services and the knowledge base, with Spanish full-text search that ignores accents."""

from __future__ import annotations

from receptionist.crm.connection import Database, Row
from receptionist.crm.models import KnowledgeHit, Service

_SERVICE_COLUMNS = "id::text, name, description, duration_minutes, price_cents, currency, bookable"


def _service(row: Row) -> Service:
    return Service(
        row["id"],
        row["name"],
        row["description"],
        row["duration_minutes"],
        row["price_cents"],
        row["currency"],
        row["bookable"],
    )


def list_services(db: Database, organization_id: str) -> list[Service]:
    rows = db.fetch_all(
        f"select {_SERVICE_COLUMNS} from services where organization_id = %s and active order by name",
        (organization_id,),
    )
    return [_service(r) for r in rows]


def get_service(db: Database, organization_id: str, service_id: str) -> Service | None:
    row = db.fetch_one(
        f"select {_SERVICE_COLUMNS} from services where organization_id = %s and id::text = %s and active",
        (organization_id, service_id),
    )
    return _service(row) if row else None


def find_service(db: Database, organization_id: str, name_or_id: str) -> Service | None:
    """By id, by exact (unaccented, case-insensitive) name, else the best full-text match."""
    row = db.fetch_one(
        f"""
        select {_SERVICE_COLUMNS} from services
        where organization_id = %(org)s and active and (
            id::text = %(q)s
            or lower(extensions.unaccent(name)) = lower(extensions.unaccent(%(q)s))
            or search @@ websearch_to_tsquery('public.es_unaccent', %(q)s)
            or search @@ to_tsquery('public.es_unaccent', %(or_q)s)
        )
        order by (id::text = %(q)s) desc,
                 (lower(extensions.unaccent(name)) = lower(extensions.unaccent(%(q)s))) desc,
                 ts_rank(search, to_tsquery('public.es_unaccent', %(or_q)s)) desc
        limit 1
        """,
        {"org": organization_id, "q": name_or_id, "or_q": _or_query(name_or_id)},
    )
    return _service(row) if row else None


def knowledge_search(db: Database, organization_id: str, query: str, limit: int = 5) -> list[KnowledgeHit]:
    """Ranked hits over services and knowledge entries. Words are OR-ed so a question in plain
    language ("¿cuánto cuesta la limpieza?") still matches; more matching words rank higher."""
    or_q = _or_query(query)
    if not or_q:
        return []
    rows = db.fetch_all(
        """
        with q as (select to_tsquery('public.es_unaccent', %(q)s) as tsq)
        select 'service' as kind, s.name as title,
               s.description || ' Duración: ' || s.duration_minutes || ' min.'
               || coalesce(' Precio: ' || to_char(s.price_cents / 100.0, 'FM999990.00') || ' ' || s.currency, '')
               || case when s.bookable then '' else ' No se reserva por WhatsApp.' end as body,
               ts_rank(s.search, q.tsq) as rank
        from services s, q where s.organization_id = %(org)s and s.active and s.search @@ q.tsq
        union all
        select 'entry', k.title, k.body, ts_rank(k.search, q.tsq)
        from knowledge_entries k, q where k.organization_id = %(org)s and k.search @@ q.tsq
        order by rank desc limit %(limit)s
        """,
        {"org": organization_id, "q": or_q, "limit": limit},
    )
    return [KnowledgeHit(r["kind"], r["title"], r["body"], float(r["rank"])) for r in rows]


def _or_query(text: str) -> str:
    """Words of a free-text question as an OR tsquery (alphanumerics only: no tsquery syntax)."""
    words = ["".join(ch for ch in w if ch.isalnum()) for w in text.split()]
    return " | ".join(w for w in words if len(w) > 1)
