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
from receptionist.adapters.conversations import ConversationBuffer
from receptionist.adapters.gemini import Gemini
from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.media_download import Downloaded, download
from receptionist.adapters.queues import FifoQueue
from receptionist.adapters.turn_buffer import TurnBuffer
from receptionist.agent.graph import build_graph
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnResult, run_turn
from receptionist.agent.tools import Conversation
from receptionist.crm.connection import Database
from receptionist.messages import InboundTicket, conversation_key
from receptionist.processor.media import MediaReader
from receptionist.processor.service import TurnService

NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
APP = "ClinicaSonrisa"


@dataclass
class Media:
    gupshup: FakeGupshup
    gemini: Gemini
    archive: MediaArchive
    downloads: int = 0

    def download(self, url: str, *, max_bytes: int, allowed_types: tuple[str, ...]) -> Downloaded:
        self.downloads += 1
        return download(url, max_bytes=max_bytes, allowed_types=allowed_types, timeout=3)

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str:
        return self.archive.keep(conversation, message_id, data, content_type)

    def transcribe(self, data: bytes, mime_type: str) -> str:
        return self.gemini.transcribe(data, mime_type)

    def describe(self, data: bytes, mime_type: str) -> str:
        return self.gemini.describe(data, mime_type)


@dataclass
class Harness:
    service: TurnService
    buffer: ConversationBuffer
    db: Database
    openai: FakeOpenAI
    gemini: FakeGemini
    gupshup: FakeGupshup
    media: Media
    queue_url: str
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
        sk = self.buffer.buffer(
            conversation=self.conversation,
            message_id=mid,
            message_type=kind,
            message_json=json.dumps(message),
            received_at_ms=int(time.time() * 1000) + self._clock,
            sent_at_ms=int(time.time() * 1000),
        )
        assert sk
        return InboundTicket(conversation=self.conversation, message_id=mid, buffer_sk=sk)

    def text(self, text: str) -> InboundTicket:
        return self.receive({"text": text})

    def jobs(self) -> list[dict[str, Any]]:
        """Everything the processor put on the outbound queue (drained)."""
        sqs = moto_client("sqs", self.endpoint, "us-east-1")
        out = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            msgs = batch.get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])


class Agent:
    def __init__(self, openai: FakeOpenAI, store: dict[str, str]) -> None:
        self.graph = build_graph(chat_model(ModelSettings(base_url=f"{openai.url}/v1", api_key="k", max_retries=0)))
        self.saver = dynamodb_checkpointer(
            store["table"], store["bucket"], region_name="us-east-1", endpoint_url=store["endpoint"]
        )
        self.calls = 0

    def __call__(self, conv: Conversation, text: str) -> TurnResult:
        self.calls += 1
        return run_turn(self.graph, self.saver, conv, text)


@pytest.fixture(scope="session")
def aws(moto_endpoint: str) -> dict[str, str]:
    ddb = moto_client("dynamodb", moto_endpoint, "us-east-1")
    names = {"conversations": f"conv-{uuid.uuid4().hex[:6]}", "table": f"ckpt-{uuid.uuid4().hex[:6]}"}
    for name, keys in ((names["conversations"], ("pk", "sk")), (names["table"], ("PK", "SK"))):
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
            KeySchema=[{"AttributeName": keys[0], "KeyType": "HASH"}, {"AttributeName": keys[1], "KeyType": "RANGE"}],
        )
    bucket = f"media-{uuid.uuid4().hex[:6]}"
    moto_client("s3", moto_endpoint, "us-east-1").create_bucket(Bucket=bucket)
    return {**names, "bucket": bucket, "endpoint": moto_endpoint}


@pytest.fixture
def harness(seeded_url: str, aws: dict[str, str]) -> Iterator[Harness]:
    sqs = moto_client("sqs", aws["endpoint"], "us-east-1")
    queue_url = sqs.create_queue(QueueName=f"out-{uuid.uuid4().hex[:6]}.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    db = Database(seeded_url)
    ddb = moto_client("dynamodb", aws["endpoint"], "us-east-1")
    with FakeOpenAI() as openai, FakeGemini() as gemini, FakeGupshup() as gupshup:
        openai.responder = lambda body: {
            "role": "assistant",
            "content": "Respuesta a: " + body["messages"][-1]["content"],
        }
        gemini_client = Gemini("k", "gemini-2.5-flash", base_url=gemini.url, timeout_seconds=3)
        media = Media(
            gupshup, gemini_client, MediaArchive(aws["bucket"], moto_client("s3", aws["endpoint"], "us-east-1"))
        )
        service = TurnService(
            buffer=TurnBuffer(aws["conversations"], ddb),
            db=db,
            media=MediaReader(media),
            agent=Agent(openai, aws),
            outbound=FifoQueue(queue_url, sqs),
            max_receive_count=3,
            now=lambda: NOW,
        )
        yield Harness(
            service,
            ConversationBuffer(aws["conversations"], ddb),
            db,
            openai,
            gemini,
            gupshup,
            media,
            queue_url,
            aws["endpoint"],
        )
    db.close()
