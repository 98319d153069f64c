"""Processor turns in process: real moto (conversations table, outbound queue, checkpoints, S3),
real PostgreSQL with the demo seed, the real agent against local OpenAI / Gemini servers and
media served by the local Gupshup server, assembled by the processor's own wiring."""

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
from devstack.template import function_env
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.turn_crm import TurnCrm
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.config import ProcessorSettings
from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database
from receptionist.deadline import Deadline
from receptionist.messages import InboundTicket
from receptionist.processor.service import TurnReport, TurnService
from receptionist.processor.wiring import Connections, ProcessorClients, build
from receptionist.telemetry import Counters

NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)
APP = "ClinicaSonrisa"
SEEDED_APPS = ("ClinicaSonrisa", "SalonLima")


@dataclass
class Harness:
    service: TurnService
    buffer: ConversationBuffer
    db: Database
    openai: FakeOpenAI
    gemini: FakeGemini
    gupshup: FakeGupshup
    bucket: str
    queue_url: str
    inbound_url: str
    endpoint: str
    connections: Connections
    secret_reads: list[str]
    counters: Counters
    customer: str = field(default_factory=lambda: f"346{uuid.uuid4().int % 10**8:08d}")
    _clock: int = 0

    @property
    def conversation(self) -> str:
        return str(ConversationKey(APP, self.customer))

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
        return InboundTicket(conversation=self.conversation, message_id=mid)

    def handle(self, ticket: InboundTicket, *, final: bool = False, deadline: Deadline | None = None) -> TurnReport:
        return self.service.handle(ticket, deadline, last_attempt=final)

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
def harness(request: pytest.FixtureRequest, seeded_url: str, app_url: str, aws: dict[str, str]) -> Iterator[Harness]:
    marker = request.node.get_closest_marker("processor_env")
    overrides: dict[str, str] = marker.kwargs if marker else {}
    sqs = moto_client("sqs", aws["endpoint"], "us-east-1")
    queue_url, inbound_url = (
        sqs.create_queue(QueueName=f"{name}-{uuid.uuid4().hex[:6]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        for name in ("out", "in")
    )
    db = Database(seeded_url)  # the owner: what the tests read and set up
    with FakeOpenAI() as openai, FakeGemini() as gemini, FakeGupshup() as gupshup:
        openai.responder = lambda body: {
            "role": "assistant",
            "content": "Respuesta a: " + body["messages"][-1]["content"],
        }
        # The processor as its handler builds it, on this test's servers and clients.
        env = function_env(
            "ProcessorFunction",
            CONVERSATIONS_TABLE=aws["conversations"],
            CHECKPOINTS_TABLE=aws["table"],
            MEDIA_BUCKET=aws["bucket"],
            OUTBOUND_QUEUE_URL=queue_url,
            INBOUND_QUEUE_URL=inbound_url,
            OPENAI_BASE_URL=f"{openai.url}/v1",
            GEMINI_BASE_URL=gemini.url,
            MEDIA_HOSTS="127.0.0.1",  # the local Gupshup serves media over http on loopback
            MEDIA_ALLOW_HTTP="true",
            GUPSHUP_PARTNER_API_URL=gupshup.url,  # read receipts and "typing…" to the local Gupshup
            **overrides,
        )
        settings = ProcessorSettings.from_env(env)
        secrets = {
            settings.database_url_param: app_url,  # the functions' role, under row level security
            settings.openai_api_key_param: "k",
            settings.gemini_api_key_param: "k",
            # Each seeded app's Partner App Token, where seed.sql's app_token_ref says.
            **{f"{settings.gupshup_keys_path}{app}-app-token": gupshup.app_token for app in SEEDED_APPS},
        }
        secret_reads: list[str] = []

        def secret(name: str) -> str:
            secret_reads.append(name)
            return secrets[name]

        clients = ProcessorClients(
            sqs=sqs,
            dynamodb=moto_client("dynamodb", aws["endpoint"], "us-east-1"),
            s3=moto_client("s3", aws["endpoint"], "us-east-1"),
            secret=secret,
            checkpointer=lambda table, bucket: dynamodb_checkpointer(
                table, bucket, region_name="us-east-1", endpoint_url=aws["endpoint"]
            ),
            clock=lambda: NOW,
        )
        parts = build(settings, clients)
        service, connections = parts.service, parts.connections
        yield Harness(
            service,
            ConversationBuffer(aws["conversations"], clients.dynamodb),
            db,
            openai,
            gemini,
            gupshup,
            aws["bucket"],
            queue_url,
            inbound_url,
            aws["endpoint"],
            connections,
            secret_reads,
            parts.counters,
        )
        crm = service.crm
        assert isinstance(crm, TurnCrm)
        crm.db.close()
    db.close()
