"""Retrieval quality of `knowledge_search` on the seeded businesses' own data.

Questions (bench/questions/<app>.json, 130+ per business: colloquial Spanish, typos, English,
symptoms, and questions the data does not answer) are each labelled with the services / entries
that answer them. Every question is searched twice, full text (+ trigrams) alone and hybrid (+
vectors), top 3. With OPENAI_API_KEY set the vectors come from the real embeddings model
(OPENAI_BASE_URL, EMBEDDINGS_MODEL); otherwise from the local stand-in, whose vectors are hashed
words and trigrams: that hybrid figure measures the plumbing, not a model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.env import BenchEnv
from devstack.fakes.openai import FakeOpenAI
from receptionist.adapters.embeddings import DEFAULT_EMBEDDINGS_MODEL, OpenAIEmbeddings
from receptionist.agent.catalogue_prompt import estimated_tokens, render
from receptionist.agent.knowledge import DEFAULT_MIN_SIMILARITY
from receptionist.catalogue_writer import embed_pending
from receptionist.crm import catalogue
from receptionist.crm.connection import Database
from receptionist.crm.models import KnowledgeHit, QueryVector
from receptionist.crm.organizations import resolve_by_app

QUESTIONS = Path(__file__).with_name("questions")
TOP = 3


@dataclass(frozen=True)
class ModeFigures:
    recall: float  # share of the labelled answers found in the top 3, averaged over answerable questions
    hit: float  # share of answerable questions with at least one right answer in the top 3
    hit_by_style: dict[str, float]
    none_empty: float  # share of unanswerable questions that got nothing back
    answerable: int
    unanswerable: int
    from_vectors: int  # top-3 results the vector ranking found (alone or with the others)


@dataclass(frozen=True)
class BusinessFigures:
    app: str
    questions: int
    catalogue_tokens: int  # the prompt block's estimate: under the budget, production never searches
    text: ModeFigures
    hybrid: ModeFigures


@dataclass(frozen=True)
class RetrievalReport:
    embeddings: str  # what made the vectors
    businesses: list[BusinessFigures]


@contextmanager
def _embedder() -> Iterator[tuple[OpenAIEmbeddings, str]]:
    key = os.environ.get("OPENAI_API_KEY")
    if key:
        base = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
        model = os.environ.get("EMBEDDINGS_MODEL", DEFAULT_EMBEDDINGS_MODEL)
        yield OpenAIEmbeddings(base, key, model, timeout_seconds=30), f"{model} at {base}"
        return
    with FakeOpenAI() as fake:
        yield OpenAIEmbeddings(f"{fake.url}/v1", "bench", "stand-in"), "the local stand-in (hashed words, not a model)"


def _label(hit: KnowledgeHit) -> str:
    return f"{hit.kind}:{hit.title}"


def _figures(questions: list[dict[str, object]], results: list[list[KnowledgeHit]]) -> ModeFigures:
    recalls: list[float] = []
    hits_by_style: dict[str, list[bool]] = {}
    empty: list[bool] = []
    for question, hits in zip(questions, results, strict=True):
        wanted = set(question["answers"])  # type: ignore[arg-type]
        found = {_label(h) for h in hits}
        if not wanted:
            empty.append(not hits)
            continue
        recalls.append(len(wanted & found) / len(wanted))
        hits_by_style.setdefault(str(question["style"]), []).append(bool(wanted & found))
    every = [h for values in hits_by_style.values() for h in values]
    return ModeFigures(
        recall=sum(recalls) / len(recalls) if recalls else 0.0,
        hit=sum(every) / len(every) if every else 0.0,
        hit_by_style={style: sum(v) / len(v) for style, v in hits_by_style.items()},
        none_empty=sum(empty) / len(empty) if empty else 0.0,
        answerable=len(recalls),
        unanswerable=len(empty),
        from_vectors=sum("vector" in h.found_by for hits in results for h in hits),
    )


def _business(db: Database, embedder: OpenAIEmbeddings, path: Path) -> BusinessFigures:
    data = json.loads(path.read_text())
    org = resolve_by_app(db, data["app"])
    if org is None:
        raise RuntimeError(f"{data['app']} is not in the seed")
    embed_pending(db, embedder, org.id)
    questions: list[dict[str, object]] = data["questions"]
    vectors = embedder.embed([str(q["q"]) for q in questions])
    text, hybrid = [], []
    with db.acting_for(org.id):
        block = render(catalogue.catalogue(db, org.id))
        for question, values in zip(questions, vectors, strict=True):
            q = str(question["q"])
            text.append(catalogue.knowledge_search(db, org.id, q, limit=TOP))
            vector = QueryVector(embedder.model, values, DEFAULT_MIN_SIMILARITY)
            hybrid.append(catalogue.knowledge_search(db, org.id, q, vector=vector, limit=TOP))
    return BusinessFigures(
        data["app"], len(questions), estimated_tokens(block), _figures(questions, text), _figures(questions, hybrid)
    )


def measure(env: BenchEnv) -> RetrievalReport:
    db = Database(env.database_url)
    try:
        with _embedder() as (embedder, source):
            return RetrievalReport(source, [_business(db, embedder, path) for path in sorted(QUESTIONS.glob("*.json"))])
    finally:
        db.close()


__all__ = ["RetrievalReport", "measure"]
