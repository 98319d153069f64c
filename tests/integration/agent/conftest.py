"""Agent scenarios: the real CRM (embedded Postgres + demo seed), DynamoDB checkpoints and S3
offload on moto, and a local OpenAI-protocol server playing a scripted model."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.aws import moto_client
from devstack.fakes.openai import FakeOpenAI
from receptionist.adapters.embeddings import OpenAIEmbeddings
from receptionist.agent.catalogue_prompt import DEFAULT_BUDGET_TOKENS, CatalogueBlocks
from receptionist.agent.context import Conversation
from receptionist.agent.knowledge import KnowledgeSearch
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnResult, TurnRunner
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.organizations import resolve_by_app

NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)  # Monday 09:00 in Madrid


@pytest.fixture(scope="session")
def checkpoint_store(moto_endpoint: str) -> dict[str, str]:
    table, bucket = f"checkpoints-{uuid.uuid4().hex[:6]}", f"media-{uuid.uuid4().hex[:6]}"
    ddb = moto_client("dynamodb", moto_endpoint, "us-east-1")
    ddb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    )
    moto_client("s3", moto_endpoint, "us-east-1").create_bucket(Bucket=bucket)
    return {"table": table, "bucket": bucket, "endpoint": moto_endpoint}


@pytest.fixture
def model_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


class Receptionist:
    """One customer talking to the demo clinic; each call is one turn (a cold start on demand)."""

    def __init__(
        self,
        db: Database,
        app_db: Database,
        store: dict[str, str],
        model: FakeOpenAI,
        customer: str,
        catalogue_tokens: int = DEFAULT_BUDGET_TOKENS,
    ) -> None:
        # `db` (the owner) sets up; the turn runs on `app_db`, the functions' role under RLS.
        self.db, self.app_db, self.store, self.model, self.customer = db, app_db, store, model, customer
        # The demo clinic fits the prompt; catalogue_tokens=0 makes it a business that must search.
        self.catalogue_tokens = catalogue_tokens
        self.cold_start()
        self.turns = 0

    def cold_start(self) -> None:
        saver = dynamodb_checkpointer(
            self.store["table"], self.store["bucket"], region_name="us-east-1", endpoint_url=self.store["endpoint"]
        )
        settings = ModelSettings(base_url=f"{self.model.url}/v1", api_key="k", max_retries=0)
        embedder = OpenAIEmbeddings(f"{self.model.url}/v1", "k", "stand-in")
        self.runner = TurnRunner(
            chat_model(settings),
            saver,
            catalogue=CatalogueBlocks(self.catalogue_tokens),
            knowledge=KnowledgeSearch(embedder),
        )

    def conversation(self) -> Conversation:
        org = resolve_by_app(self.db, "ClinicaSonrisa")
        assert org
        identity = chats.touch_identity(self.db, org.id, self.customer, "Cliente", NOW)
        return Conversation(self.app_db, org, identity, turn_id=f"turn-{uuid.uuid4().hex[:8]}", now=lambda: NOW)

    def say(self, text: str, conv: Conversation | None = None) -> TurnResult:
        self.turns += 1
        self.last = conv or self.conversation()
        return self.runner.run(self.last, text)

    def tool_results(self) -> list[dict[str, Any]]:
        last = self.model.completions()[-1].json()["messages"]
        return [m for m in last if m["role"] == "tool"]


@pytest.fixture
def receptionist(
    db: Database, app_db: Database, checkpoint_store: dict[str, str], model_server: FakeOpenAI
) -> Callable[..., Receptionist]:
    def make(catalogue_tokens: int = DEFAULT_BUDGET_TOKENS) -> Receptionist:
        customer = f"346{uuid.uuid4().int % 10**8:08d}"
        return Receptionist(db, app_db, checkpoint_store, model_server, customer, catalogue_tokens)

    return make
