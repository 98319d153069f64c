"""Processor turns in process: real moto (conversations table, outbound queue, checkpoints, S3),
real PostgreSQL with the demo seed, the real agent against local OpenAI / Gemini servers and
media served by the local Gupshup server. Adapters can be wrapped to inject faults."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.aws import moto_client
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.gemini import Gemini
from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.media_download import MediaPolicy
from receptionist.adapters.queues import FifoQueue
from receptionist.adapters.turn_ledger import DynamoTurnLedger
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnRunner
from receptionist.crm.connection import Database
from receptionist.deadline import Deadline
from receptionist.messages import InboundTicket, conversation_key
from receptionist.processor.adapters import CrmAdapter, GraphAgent, MediaAdapters
from receptionist.processor.media import MediaReader
from receptionist.processor.service import Attempt, TurnReport, TurnService

NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
APP = "ClinicaSonrisa"


@dataclass
class Harness:
    service: TurnService
    buffer: ConversationBuffer
    db: Database
    openai: FakeOpenAI
    gemini: FakeGemini
    gupshup: FakeGupshup
    media: MediaAdapters
    agent: GraphAgent
    queue_url: str
    inbound_url: str
    endpoint: str
    customer: str = field(default_factory=lambda: f"346{uuid.uuid4().int % 10**8:08d}")
    _clock: int = 0

    @property
    def conversation(self) -> str:
        return conversation_key(APP, self.customer)

    def receive(self, payload: dict[str, Any], kind: str = "text") -> InboundTicket:
        """What the webhook does for one message: buffer it, return its ticket."""
        mid = f"wamid.{uuid.uuid4().hex}"
        self._clock += 1
        message = {
            "id": mid,
            "source": self.customer,
            "type": kind,
            "payload": payload,
            "sender": {"phone": self.customer, "name": "Lucía"},
        }
        buffered = self.buffer.buffer(
            conversation=self.conversation,
            message_id=mid,
            message_type=kind,
            message_json=json.dumps(message),
            received_at_ms=int(time.time() * 1000) + self._clock,
            sent_at_ms=int(time.time() * 1000),
        )
        assert not buffered.duplicate
        return InboundTicket(conversation=self.conversation, message_id=mid, buffer_sk=buffered.key)

    def handle(
        self, ticket: InboundTicket, attempt: int = 1, *, final: bool = False, deadline: Deadline | None = None
    ) -> TurnReport:
        return self.service.handle(ticket, Attempt(attempt, final), deadline)

    def text(self, text: str) -> InboundTicket:
        return self.receive({"text": text})

    def jobs(self) -> list[dict[str, Any]]:
        """Everything the processor put on the outbound queue (drained)."""
        return _drain(moto_client("sqs", self.endpoint, "us-east-1"), self.queue_url)

    def tickets(self) -> list[InboundTicket]:
        """What the processor queued for itself (a turn's carried messages), drained."""
        sqs = moto_client("sqs", self.endpoint, "us-east-1")
        return [InboundTicket.model_validate(b) for b in _drain(sqs, self.inbound_url)]


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    out = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture(scope="session")
def aws(moto_endpoint: str, new_conversations_table: Any) -> dict[str, str]:
    ddb = moto_client("dynamodb", moto_endpoint, "us-east-1")
    names = {"conversations": f"conv-{uuid.uuid4().hex[:6]}", "table": f"ckpt-{uuid.uuid4().hex[:6]}"}
    new_conversations_table(ddb, names["conversations"])
    ddb.create_table(
        TableName=names["table"],
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("PK", "SK")],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    )
    bucket = f"media-{uuid.uuid4().hex[:6]}"
    moto_client("s3", moto_endpoint, "us-east-1").create_bucket(Bucket=bucket)
    return {**names, "bucket": bucket, "endpoint": moto_endpoint}


@pytest.fixture
def harness(seeded_url: str, app_url: str, aws: dict[str, str]) -> Iterator[Harness]:
    sqs = moto_client("sqs", aws["endpoint"], "us-east-1")
    queue_url, inbound_url = (
        sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:6]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        for name in ("out", "in")
    )
    db = Database(seeded_url)  # the owner: what the tests read and set up
    app_db = Database(app_url)  # the functions' role, under row level security
    ddb = moto_client("dynamodb", aws["endpoint"], "us-east-1")
    with FakeOpenAI() as openai, FakeGemini() as gemini, FakeGupshup() as gupshup:
        openai.responder = lambda body: {
            "role": "assistant",
            "content": "Respuesta a: " + body["messages"][-1]["content"],
        }
        gemini_client = Gemini("k", "gemini-2.5-flash", base_url=gemini.url, timeout_seconds=3)
        media = MediaAdapters(
            MediaArchive(aws["bucket"], moto_client("s3", aws["endpoint"], "us-east-1")),
            lambda: gemini_client,
            MediaPolicy(("127.0.0.1",), allow_http=True),  # the local Gupshup serves http on loopback
        )

        def turn_runner() -> TurnRunner:
            model = chat_model(ModelSettings(base_url=f"{openai.url}/v1", api_key="k"))
            saver = dynamodb_checkpointer(
                aws["table"], aws["bucket"], region_name="us-east-1", endpoint_url=aws["endpoint"]
            )
            return TurnRunner(model, saver)

        agent = GraphAgent(app_db, turn_runner, now=lambda: NOW)
        service = TurnService(
            ledger=DynamoTurnLedger(aws["conversations"], ddb),
            crm=CrmAdapter(app_db),
            media=MediaReader(media),
            agent=agent,
            outbound=FifoQueue(queue_url, sqs),
            inbound=FifoQueue(inbound_url, sqs),
        )
        yield Harness(
            service,
            ConversationBuffer(aws["conversations"], ddb),
            db,
            openai,
            gemini,
            gupshup,
            media,
            agent,
            queue_url,
            inbound_url,
            aws["endpoint"],
        )
    db.close()
    app_db.close()
