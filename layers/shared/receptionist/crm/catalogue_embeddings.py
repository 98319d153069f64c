"""The catalogue's stored embeddings: which rows need one (none yet, another model, or their text
changed since), and storing one with the model and the hash of the text it was made from."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.crm.catalogue import vector_literal
from receptionist.crm.connection import Database
from receptionist.crm.models import CatalogueKind

# The text a row is embedded from (and hashed, to notice edits): what the customer asks about.
_SERVICE_TEXT = "s.name || '. ' || s.description"
_ENTRY_TEXT = "k.title || '. ' || k.body"


@dataclass(frozen=True)
class EmbeddingJob:
    kind: CatalogueKind
    id: str
    text: str
    text_hash: str


def pending(db: Database, organization_id: str, model: str) -> list[EmbeddingJob]:
    """Rows of the organization without an up-to-date embedding by `model`."""
    rows = db.fetch_all(
        f"""
        select 'service' as kind, s.id::text as id, {_SERVICE_TEXT} as text, md5({_SERVICE_TEXT}) as text_hash
        from services s
        where s.organization_id = %(org)s and (s.embedding is null or s.embedding_model is distinct from %(model)s
                                               or s.embedding_hash is distinct from md5({_SERVICE_TEXT}))
        union all
        select 'entry', k.id::text, {_ENTRY_TEXT}, md5({_ENTRY_TEXT})
        from knowledge_entries k
        where k.organization_id = %(org)s and (k.embedding is null or k.embedding_model is distinct from %(model)s
                                               or k.embedding_hash is distinct from md5({_ENTRY_TEXT}))
        order by kind, id
        """,
        {"org": organization_id, "model": model},
    )
    return [EmbeddingJob(r["kind"], r["id"], r["text"], r["text_hash"]) for r in rows]


def store(db: Database, organization_id: str, job: EmbeddingJob, model: str, vector: list[float]) -> bool:
    """Store `vector` unless the row's text changed since the job was read (it is re-embedded next
    time). Whether it was stored."""
    table, text = ("services s", _SERVICE_TEXT) if job.kind == "service" else ("knowledge_entries k", _ENTRY_TEXT)
    alias = table.split()[1]
    changed = db.execute(
        f"""
        update {table} set embedding = %(vec)s::extensions.vector, embedding_model = %(model)s,
                           embedding_hash = %(hash)s
        where {alias}.organization_id = %(org)s and {alias}.id::text = %(id)s and md5({text}) = %(hash)s
        """,
        {"vec": vector_literal(vector), "model": model, "hash": job.text_hash, "org": organization_id, "id": job.id},
    )
    return changed == 1


def organizations_with_catalogue(db: Database) -> list[str]:
    """Every organization id (ops: re-embedding all businesses; needs a role that sees them all)."""
    return [str(r["id"]) for r in db.fetch_all("select id::text as id from organizations order by id")]
