"""Services and the knowledge base: the whole catalogue (for the prompt) and hybrid search over
it (full text, trigrams, vectors; for businesses too large for the prompt)."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.crm.connection import Database, Row
from receptionist.crm.models import Catalogue, KnowledgeEntry, KnowledgeHit, QueryVector, Service

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


def catalogue(db: Database, organization_id: str) -> Catalogue:
    """Active services and every knowledge entry, in one round trip (for the prompt's block)."""
    rows = db.fetch_all(
        f"""
        select 'service' as kind, {_SERVICE_COLUMNS}, '' as title, '' as body from services
        where organization_id = %(org)s and active
        union all
        select 'entry', id::text, '', '', 0, null, '', false, title, body from knowledge_entries
        where organization_id = %(org)s
        order by kind desc, name, title
        """,
        {"org": organization_id},
    )
    return Catalogue(
        services=[_service(r) for r in rows if r["kind"] == "service"],
        entries=[KnowledgeEntry(r["id"], r["title"], r["body"]) for r in rows if r["kind"] == "entry"],
    )


# Reciprocal rank fusion: each ranking adds 1 / (k + rank) for the rows it found; 60 is the
# constant of the original paper (Cormack et al., 2009), insensitive to its exact value.
RRF_K = 60
CANDIDATES = 20  # per ranking
TRIGRAM_MIN = 0.6  # pg_trgm's word_similarity threshold: a misspelt word still clears it

_SERVICE_BODY = """s.description || ' Duración: ' || s.duration_minutes || ' min.'
    || coalesce(' Precio: ' || to_char(s.price_cents / 100.0, 'FM999990.00') || ' ' || s.currency, '')
    || case when s.bookable then '' else ' No se reserva por WhatsApp.' end"""

# Each ranking: (kind, id, rank) of at most CANDIDATES rows of the organization.
_TEXT_RANKING = """
    select kind, id, row_number() over (order by score desc) as r from (
        select 'service' as kind, s.id, ts_rank(s.search, q.tsq) as score
        from services s, q where s.organization_id = %(org)s and s.active and s.search @@ q.tsq
        union all
        select 'entry', k.id, ts_rank(k.search, q.tsq)
        from knowledge_entries k, q where k.organization_id = %(org)s and k.search @@ q.tsq
    ) t order by r limit %(n)s"""
# Query words (Spanish stems, stop words dropped) against each row's folded text: typos match; a
# row scores the sum of its words' similarities that clear the threshold (more words, higher).
_TRIGRAM_RANKING = """
    select kind, id, row_number() over (order by score desc) as r from (
        select 'service' as kind, s.id,
               (select sum(m.sim) from (select extensions.word_similarity(w, s.search_text) as sim
                                         from unnest(q.words) w) m where m.sim >= %(trigram_min)s) as score
        from services s, q where s.organization_id = %(org)s and s.active
        union all
        select 'entry', k.id, (select sum(m.sim) from (select extensions.word_similarity(w, k.search_text) as sim
                                                  from unnest(q.words) w) m where m.sim >= %(trigram_min)s)
        from knowledge_entries k, q where k.organization_id = %(org)s
    ) t where score is not null order by r limit %(n)s"""
# Nearest rows by cosine distance, each table through its HNSW index, then a similarity floor
# (the nearest rows of an unrelated question are no answer).
_VECTOR_RANKING = """
    select kind, id, row_number() over (order by distance) as r from (
        (select 'service' as kind, s.id, s.embedding operator(extensions.<=>) q.vec as distance
         from services s, q where s.organization_id = %(org)s and s.active and s.embedding_model = %(model)s
         order by s.embedding operator(extensions.<=>) q.vec limit %(n)s)
        union all
        (select 'entry', k.id, k.embedding operator(extensions.<=>) q.vec
         from knowledge_entries k, q where k.organization_id = %(org)s and k.embedding_model = %(model)s
         order by k.embedding operator(extensions.<=>) q.vec limit %(n)s)
    ) t where distance <= 1 - %(min_similarity)s order by r limit %(n)s"""


def knowledge_search(
    db: Database, organization_id: str, query: str, *, vector: QueryVector | None = None, limit: int = 5
) -> list[KnowledgeHit]:
    """Services and knowledge entries ranked by reciprocal rank fusion of Spanish full-text
    search (words OR-ed, accents ignored), trigram similarity of the question's words (typos)
    and, given the question's embedding, vector similarity. One round trip."""
    rankings = {"text": _TEXT_RANKING, "trigram": _TRIGRAM_RANKING}
    if vector is not None:
        rankings["vector"] = _VECTOR_RANKING
    ranked = "\n        union all\n".join(
        f"select kind, id, r, '{name}' as ranking from ({sql}) {name}" for name, sql in rankings.items()
    )
    vec = "%(vec)s::extensions.vector" if vector is not None else "null::text"
    rows = db.fetch_all(
        f"""
        with q as (
            select to_tsquery('public.es_unaccent', %(q)s) as tsq,
                   array(select t.lexeme from unnest(to_tsvector('public.es_unaccent', %(text)s)) t
                         where length(t.lexeme) >= 4) as words,
                   {vec} as vec
        ),
        fused as (
            select kind, id, sum(1.0 / (%(k)s + r)) as score, array_agg(ranking order by ranking) as found_by
            from ({ranked}) ranked group by kind, id
        )
        select f.kind, f.id::text as id, f.score, f.found_by,
               coalesce(s.name, k.title) as title, coalesce({_SERVICE_BODY}, k.body) as body
        from fused f
        left join services s on f.kind = 'service' and s.organization_id = %(org)s and s.id = f.id
        left join knowledge_entries k on f.kind = 'entry' and k.organization_id = %(org)s and k.id = f.id
        order by f.score desc, title limit %(limit)s
        """,
        {
            "org": organization_id,
            "q": _or_query(query),
            "text": query,
            "vec": vector_literal(vector.values) if vector is not None else None,
            "model": vector.model if vector is not None else None,
            "min_similarity": vector.min_similarity if vector is not None else None,
            "trigram_min": TRIGRAM_MIN,
            "k": RRF_K,
            "n": CANDIDATES,
            "limit": limit,
        },
    )
    return [
        KnowledgeHit(r["kind"], r["id"], r["title"], r["body"], float(r["score"]), tuple(r["found_by"])) for r in rows
    ]


def vector_literal(values: list[float]) -> str:
    return "[" + ",".join(repr(float(v)) for v in values) + "]"


def _or_query(text: str) -> str:
    """Words of a free-text question as an OR tsquery (alphanumerics only: no tsquery syntax)."""
    words = ["".join(ch for ch in w if ch.isalnum()) for w in text.split()]
    return " | ".join(w for w in words if len(w) > 1)


def save_entry(db: Database, organization_id: str, title: str, body: str, entry_id: str | None = None) -> str:
    """Insert a knowledge entry, or update `entry_id`'s. Its id."""
    row = db.fetch_one(
        """
        insert into knowledge_entries (id, organization_id, title, body)
        values (coalesce(%(id)s::uuid, gen_random_uuid()), %(org)s, %(title)s, %(body)s)
        on conflict (id) do update set title = excluded.title, body = excluded.body
            where knowledge_entries.organization_id = excluded.organization_id
        returning id::text as id
        """,
        {"id": entry_id, "org": organization_id, "title": title, "body": body},
    )
    if row is None:
        raise LookupError("that entry belongs to another organization")
    return str(row["id"])


def save_service(db: Database, organization_id: str, service: Service) -> str:
    """Insert a service, or update the one with the same id (`service.id` "" for a new one)."""
    row = db.fetch_one(
        """
        insert into services (id, organization_id, name, description, duration_minutes, price_cents, currency, bookable)
        values (coalesce(nullif(%(id)s, '')::uuid, gen_random_uuid()), %(org)s, %(name)s, %(description)s,
                %(duration)s, %(price)s, %(currency)s, %(bookable)s)
        on conflict (id) do update set name = excluded.name, description = excluded.description,
            duration_minutes = excluded.duration_minutes, price_cents = excluded.price_cents,
            currency = excluded.currency, bookable = excluded.bookable
            where services.organization_id = excluded.organization_id
        returning id::text as id
        """,
        {
            "id": service.id,
            "org": organization_id,
            "name": service.name,
            "description": service.description,
            "duration": service.duration_minutes,
            "price": service.price_cents,
            "currency": service.currency,
            "bookable": service.bookable,
        },
    )
    if row is None:
        raise LookupError("that service belongs to another organization")
    return str(row["id"])


@dataclass(frozen=True)
class ServiceMember:
    id: str
    name: str


def members_for_service(db: Database, organization_id: str, service_id: str) -> list[ServiceMember]:
    """The active members who do a service (a service nobody is assigned to: everyone). One round trip."""
    rows = db.fetch_all(
        "select m.id::text, m.name from members m where m.organization_id = %s and m.active and ("
        " not exists (select 1 from member_services x where x.organization_id = m.organization_id"
        " and x.service_id = %s)"
        " or exists (select 1 from member_services x where x.organization_id = m.organization_id"
        " and x.service_id = %s and x.member_id = m.id)) order by m.name",
        (organization_id, service_id, service_id),
    )
    return [ServiceMember(r["id"], r["name"]) for r in rows]
