"""Text embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (the search's vectors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_EMBEDDINGS_MODEL = "text-embedding-3-small"
DIMENSIONS = 1536  # the database column's size (migration 20261201000000)
BATCH = 64  # texts per request (the API takes up to 2,048; smaller requests fail smaller)


class EmbeddingsUnavailable(Exception):
    """The endpoint failed or answered something unusable; the message names only the cause's type."""


@dataclass
class OpenAIEmbeddings:
    base_url: str
    api_key: str = field(repr=False)
    model: str = DEFAULT_EMBEDDINGS_MODEL
    timeout_seconds: float = 10.0
    _client: Any = field(default=None, init=False, repr=False)

    def embed(self, texts: list[str], *, timeout: float | None = None) -> list[list[float]]:
        """One vector per text, in order. One attempt per request: the caller decides what a
        failure means (a search falls back to full text; ops runs again)."""
        if self._client is None:
            import openai  # the processor has it loaded already; ops scripts only when embedding

            self._client = openai.OpenAI(
                base_url=self.base_url, api_key=self.api_key, max_retries=0, timeout=self.timeout_seconds
            )
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            try:
                response = self._client.embeddings.create(
                    model=self.model,
                    input=batch,
                    dimensions=DIMENSIONS,
                    timeout=min(timeout, self.timeout_seconds) if timeout is not None else self.timeout_seconds,
                )
                got = [list(item.embedding) for item in sorted(response.data, key=lambda d: d.index)]
            except Exception as exc:  # the SDK raises several families; callers only need "failed"
                raise EmbeddingsUnavailable(f"embeddings failed: {type(exc).__name__}") from exc
            if len(got) != len(batch) or any(len(v) != DIMENSIONS for v in got):
                raise EmbeddingsUnavailable("embeddings: wrong count or size")
            vectors.extend(got)
        return vectors
