"""The search's question embedding: asked of the embeddings endpoint within the turn's deadline;
when the endpoint fails the search runs on full text and trigrams alone (counted, never fatal)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from receptionist.crm.models import QueryVector
from receptionist.deadline import Deadline

logger = logging.getLogger(__name__)

EMBED_SECONDS = 5.0  # one question's embedding, at most
DEFAULT_MIN_SIMILARITY = 0.3  # cosine similarity below which a row is no answer (text-embedding-3-*)


class Embedder(Protocol):
    """adapters.embeddings.OpenAIEmbeddings."""

    model: str

    def embed(self, texts: list[str], *, timeout: float | None = None) -> list[list[float]]: ...


@dataclass(frozen=True)
class KnowledgeSearch:
    embedder: Embedder
    min_similarity: float = DEFAULT_MIN_SIMILARITY

    def question_vector(self, question: str, deadline: Deadline) -> QueryVector | None:
        """None when the endpoint failed or time is short: the caller searches without it."""
        try:
            timeout = deadline.timeout(EMBED_SECONDS, what="the embeddings endpoint")
            (values,) = self.embedder.embed([question], timeout=timeout)
        except Exception as exc:  # any failure: degrade, never fail the turn
            logger.warning("question not embedded; full-text search only", extra={"error": type(exc).__name__})
            return None
        return QueryVector(self.embedder.model, values, self.min_similarity)
