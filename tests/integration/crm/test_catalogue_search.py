"""The catalogue: its version (what the prompt's block is keyed on), hybrid search (full text,
trigrams, vectors fused by reciprocal rank) and the embeddings kept up to date."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from crm_kit import DEMO_ORG, OrgFactory

from devstack.fakes.openai import FakeOpenAI
from receptionist.adapters.embeddings import DIMENSIONS, EmbeddingsUnavailable, OpenAIEmbeddings
from receptionist.agent.catalogue_prompt import CatalogueBlocks
from receptionist.catalogue_writer import embed_pending, save_entry
from receptionist.crm import catalogue, catalogue_embeddings
from receptionist.crm.catalogue import RRF_K, knowledge_search, vector_literal
from receptionist.crm.connection import Database
from receptionist.crm.models import QueryVector
from receptionist.crm.organizations import resolve_by_app


def _unit(*weights: tuple[int, float]) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for index, weight in weights:
        vector[index] = weight
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector]


def _entry(db: Database, org: str, title: str, body: str, vector: list[float] | None, model: str = "fixed") -> str:
    row = db.fetch_one(
        "insert into knowledge_entries (organization_id, title, body, embedding, embedding_model)"
        " values (%s, %s, %s, %s::extensions.vector, %s) returning id::text",
        (org, title, body, vector_literal(vector) if vector else None, model if vector else None),
    )
    assert row
    return str(row["id"])


def _version(db: Database, app: str) -> Any:
    org = resolve_by_app(db, app)
    assert org
    return org.catalogue_updated_at


@pytest.fixture
def model_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def test_a_typo_is_found_by_trigrams(db: Database) -> None:
    (hit, *_) = knowledge_search(db, DEMO_ORG, "cuanto vale la limpiesa dentall")
    assert hit.title == "Limpieza dental" and "trigram" in hit.found_by
    assert knowledge_search(db, DEMO_ORG, "blanquamiento")[0].title == "Blanqueamiento dental"


def test_a_question_with_no_answer_finds_nothing(db: Database) -> None:
    assert knowledge_search(db, DEMO_ORG, "¿tenéis parking para coches?") == []
    assert knowledge_search(db, DEMO_ORG, "?!") == []


def test_rankings_are_fused_by_reciprocal_rank_on_fixed_vectors(db: Database, make_org: OrgFactory) -> None:
    org = make_org()["org"]
    text_only = _entry(db, org, "Aparcamiento", "Hay aparcamiento gratuito para clientes.", _unit((2, 1.0)))
    vector_best = _entry(db, org, "Parking", "Plazas en la calle de atrás.", _unit((1, 1.0)))
    _entry(db, org, "Ajeno", "Nada que ver.", _unit((3, 1.0)))  # orthogonal: below the floor
    _entry(db, org, "Otro modelo", "Plazas.", _unit((1, 0.8), (2, 0.6)), model="another")  # never compared
    question = QueryVector("fixed", _unit((1, 0.8), (2, 0.6)), min_similarity=0.3)

    hits = knowledge_search(db, org, "aparcamiento", vector=question)

    # "aparcamiento" matches one entry's text (rank 1 there); the vector ranks Parking 1st (0.8)
    # and Aparcamiento 2nd (0.6); Ajeno (0.0) and the other model's row are no answer.
    assert [(h.id, h.found_by) for h in hits] == [
        (text_only, ("text", "trigram", "vector")),
        (vector_best, ("vector",)),
    ]
    assert hits[0].score == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert hits[1].score == pytest.approx(1 / (RRF_K + 1))
    assert [h.found_by for h in knowledge_search(db, org, "aparcamiento")] == [("text", "trigram")]


def test_the_version_moves_with_what_a_customer_could_be_told_and_not_with_embeddings(
    db: Database, console_db: Database, make_org: OrgFactory
) -> None:
    made = make_org()
    org, app = made["org"], made["app"]
    entry = _entry(db, org, "Horario", "De 9 a 14.", None)
    versions = [_version(db, app)]

    with console_db.acting_for(org):  # the console's role (may not update organizations), under RLS
        console_db.execute("update knowledge_entries set body = 'De 9 a 15.' where id = %s", (entry,))
    versions.append(_version(db, app))
    db.execute(
        "update knowledge_entries set embedding = %s::extensions.vector, embedding_model = 'm' where id = %s",
        (vector_literal(_unit((1, 1.0))), entry),
    )
    versions.append(_version(db, app))
    db.execute("update services set price_cents = 1600 where id = %s", (made["service"],))
    versions.append(_version(db, app))
    db.execute("delete from knowledge_entries where id = %s", (entry,))
    versions.append(_version(db, app))

    edited, embedded, repriced, deleted = (b > a for a, b in itertools.pairwise(versions))
    assert (edited, embedded, repriced, deleted) == (True, False, True, True)


def test_the_prompt_block_is_built_once_per_version(db: Database, app_db: Database, make_org: OrgFactory) -> None:
    made = make_org()
    blocks = CatalogueBlocks(budget_tokens=1500)

    def block() -> str | None:
        org = resolve_by_app(db, made["app"])
        assert org
        with app_db.acting_for(org.id):
            return blocks.block(app_db, org)

    first = block()
    assert (
        first == "Servicios (duración, precio):\n- Corte: 30 min, 15,00\xa0€.\nInformación del negocio:\n- (nada más)"
    )
    assert block() == first and blocks.builds == 1  # same version: kept
    _entry(db, made["org"], "Pago", "Solo tarjeta.", None)  # a new version
    second = block()
    assert blocks.builds == 2 and second == first.replace("- (nada más)", "- Pago: Solo tarjeta.")
    assert block() == second and blocks.builds == 2
    org = resolve_by_app(db, made["app"])
    assert org and CatalogueBlocks(budget_tokens=10).block(db, org) is None  # over budget: the model searches


def test_embeddings_follow_new_edited_rows_and_a_model_change(
    db: Database, console_db: Database, make_org: OrgFactory, model_server: FakeOpenAI
) -> None:
    org = make_org()["org"]
    embedder = OpenAIEmbeddings(f"{model_server.url}/v1", "k", "model-a")
    entry, up_to_date = save_entry(console_db, embedder, org, "Pago", "Tarjeta o efectivo.")
    assert up_to_date
    with console_db.acting_for(org):
        assert catalogue_embeddings.pending(console_db, org, "model-a") == []  # the service and the entry
    assert embed_pending(console_db, embedder, org).embedded == 0

    save_entry(console_db, None, org, "Pago", "Solo tarjeta.", entry_id=entry)  # edited, not embedded yet
    with console_db.acting_for(org):
        assert [j.id for j in catalogue_embeddings.pending(console_db, org, "model-a")] == [entry]
    assert embed_pending(console_db, embedder, org).embedded == 1

    other = OpenAIEmbeddings(f"{model_server.url}/v1", "k", "model-b")
    assert embed_pending(console_db, other, org).embedded == 2  # a new model re-embeds everything

    model_server.fail_embeddings("500")
    saved, up_to_date = save_entry(console_db, other, org, "Cita", "Se cancela gratis hasta 24 h antes.")
    assert not up_to_date  # saved anyway: searchable by text until ops.reembed runs
    with console_db.acting_for(org):
        assert [j.id for j in catalogue_embeddings.pending(console_db, org, "model-b")] == [saved]
        assert catalogue.knowledge_search(console_db, org, "cancelar cita")[0].id == saved
    model_server.fail_embeddings("500")
    with pytest.raises(EmbeddingsUnavailable):
        embed_pending(console_db, other, org)


def test_an_entry_of_another_organization_is_not_overwritten(db: Database, make_org: OrgFactory) -> None:
    mine, theirs = make_org()["org"], make_org()["org"]
    entry = _entry(db, theirs, "Suyo", "No tocar.", None)
    with pytest.raises(LookupError):
        catalogue.save_entry(db, mine, "Mío", "Cambiado", entry_id=entry)
    assert db.fetch_one("select body from knowledge_entries where id = %s", (entry,)) == {"body": "No tocar."}


def test_the_reembed_command_embeds_what_is_missing_once(
    seeded_url: str, db: Database, make_org: OrgFactory, model_server: FakeOpenAI
) -> None:
    made = make_org()
    _entry(db, made["org"], "Pago", "Solo tarjeta.", None)
    env = {
        **os.environ,
        "DATABASE_URL": seeded_url,
        "OPENAI_BASE_URL": f"{model_server.url}/v1",
        "OPENAI_API_KEY": "k",
        "EMBEDDINGS_MODEL": f"cli-{made['app']}",  # this test's own model: no other test sees its vectors
    }

    def reembed() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "receptionist.ops.reembed", "--app", made["app"]]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)

    first = reembed()
    assert (first.returncode, first.stdout.strip()) == (0, f"2 rows embedded with cli-{made['app']} in 1 business")
    again = reembed()
    assert again.stdout.startswith("0 rows embedded")
    model_server.fail_embeddings("500")
    db.execute("update knowledge_entries set body = 'Tarjeta o Bizum.' where organization_id = %s", (made["org"],))
    down = reembed()
    assert down.returncode == 1 and "run again once the endpoint answers" in down.stderr
    assert reembed().stdout.startswith("1 rows embedded")
