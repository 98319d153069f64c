"""Writing a business's catalogue: the row, then the embeddings it needs. The embedding is best
effort: when the endpoint fails, the row is saved anyway (the search finds it by full text and
trigrams) and `python -m receptionist.ops.reembed` embeds it later."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from receptionist.adapters.embeddings import EmbeddingsUnavailable
from receptionist.agent.knowledge import Embedder
from receptionist.crm import catalogue, catalogue_embeddings
from receptionist.crm.connection import Database
from receptionist.crm.models import Service

logger = logging.getLogger(__name__)


@dataclass
class EmbedReport:
    embedded: int = 0
    changed_meanwhile: int = 0  # edited between reading and storing: the next run embeds it


def embed_pending(db: Database, embedder: Embedder, organization_id: str) -> EmbedReport:
    """Embed every row of the organization that needs it. Raises EmbeddingsUnavailable."""
    report = EmbedReport()
    with db.acting_for(organization_id):
        jobs = catalogue_embeddings.pending(db, organization_id, embedder.model)
    if not jobs:
        return report
    vectors = embedder.embed([job.text for job in jobs])
    with db.acting_for(organization_id):
        for job, vector in zip(jobs, vectors, strict=True):
            if catalogue_embeddings.store(db, organization_id, job, embedder.model, vector):
                report.embedded += 1
            else:
                report.changed_meanwhile += 1
    return report


def _embed_after_write(db: Database, embedder: Embedder | None, organization_id: str) -> bool:
    if embedder is None:
        return False
    try:
        embed_pending(db, embedder, organization_id)
    except EmbeddingsUnavailable as exc:
        logger.warning("catalogue row saved without its embedding", extra={"error": str(exc)})
        return False
    return True


def save_entry(
    db: Database, embedder: Embedder | None, organization_id: str, title: str, body: str, entry_id: str | None = None
) -> tuple[str, bool]:
    """The entry's id, and whether the organization's embeddings are up to date after it."""
    with db.acting_for(organization_id):
        saved = catalogue.save_entry(db, organization_id, title, body, entry_id)
    return saved, _embed_after_write(db, embedder, organization_id)


def save_service(db: Database, embedder: Embedder | None, organization_id: str, service: Service) -> tuple[str, bool]:
    """The service's id, and whether the organization's embeddings are up to date after it."""
    with db.acting_for(organization_id):
        saved = catalogue.save_service(db, organization_id, service)
    return saved, _embed_after_write(db, embedder, organization_id)
