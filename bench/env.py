"""What the in-process measurements share: moto with the real template deployed, embedded
PostgreSQL with the migrations and the demo seed, counters of AWS calls, and the processor
assembled as `receptionist.processor.wiring.build_service` does it, on clients the bench hands
in so it can count their calls.

Nothing here imports from tests/: the bench runs on its own.
"""

from __future__ import annotations

import collections
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from devstack.aws import moto_client
from devstack.cloudformation import TranslatedTemplate, deploy
from devstack.fakes.openai import FakeOpenAI
from devstack.migrate import apply_migrations, apply_seed
from devstack.postgres import LocalPostgres
from devstack.stack import MotoServer
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.media_download import Downloaded
from receptionist.adapters.queues import FifoQueue
from receptionist.adapters.turn_ledger import DynamoTurnLedger
from receptionist.agent.context import Conversation
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.runner import TurnResult, TurnRunner
from receptionist.crm.connection import Database
from receptionist.messages import InboundTicket, conversation_key
from receptionist.processor.adapters import CrmAdapter, GraphAgent
from receptionist.processor.media import MediaReader
from receptionist.processor.ports import AgentAnswer, AgentRequest
from receptionist.processor.service import TurnReport, TurnService

# The bench only ever talks to local servers (moto); clients that build their own boto3 session
# (the checkpointer) need some credentials to sign with, whatever the developer's profile says.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
PARAMETERS = {"Stage": "dev", "DebounceSeconds": "0"}
APP = "ClinicaSonrisa"  # the demo organization (infra/supabase/seed.sql)
DEMO_ORG = "00000000-0000-4000-8000-000000000001"
STAFF_NUMBER = "34699000001"  # the demo organization's one staff number (seed.sql)
# A Monday 09:00 in Madrid: the booking scenario books Tuesday 2031-03-04 10:00 (as the agent tests do).
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)


def new_customer() -> str:
    return f"346{uuid.uuid4().int % 10**8:08d}"


def echo_reply(body: dict[str, Any]) -> dict[str, Any]:
    """A model that answers "Respuesta a: <the customer's last text>" (tells which messages a reply covers)."""
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return {"role": "assistant", "content": "Respuesta a: " + str(users[-1]["content"] if users else "")}


class CallCounter:
    """Counts AWS API calls with botocore's `before-call` event, on the clients it watches.

    Calls are named "Service.Operation", prefixed with the label given to watch() (e.g.
    "checkpoints:DynamoDB.PutItem") so two clients of one service can be told apart."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def watch(self, client: Any, label: str = "") -> Any:
        prefix = f"{label}:" if label else ""

        def seen(model: Any, **_: Any) -> None:
            with self._lock:
                self.calls.append(f"{prefix}{model.service_model.service_id}.{model.name}")

        client.meta.events.register("before-call.*.*", seen)
        return client

    def counts(self) -> collections.Counter[str]:
        with self._lock:
            return collections.Counter(self.calls)

    def total(self) -> int:
        with self._lock:
            return len(self.calls)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()


def breakdown(counts: collections.Counter[str]) -> str:
    """ "DynamoDB.GetItem 2, SQS.SendMessage 1" (most frequent first)."""
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"


class BenchEnv:
    """moto (template deployed, as the local stack does) + PostgreSQL (migrations + demo seed).

    Use as a context manager; everything lives in a temporary directory and is removed after."""

    def __init__(self) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._log: IO[str] | None = None
        self._moto: MotoServer | None = None
        self._pg: LocalPostgres | None = None
        self.endpoint = ""
        self.database_url = ""
        self.names: dict[str, str] = {}
        self.startup_seconds = 0.0

    def __enter__(self) -> Self:
        started = time.perf_counter()
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-env-")
        tmp = Path(self._tmp.name)
        try:
            self._log = open(tmp / "moto.log", "w", encoding="utf-8")  # closed in __exit__
            self._moto = MotoServer(0, self._log)
            self._pg = LocalPostgres(tmp / "pgdata")
            self._pg.start()
            self.database_url = self._pg.url
            apply_migrations(self.database_url)
            apply_seed(self.database_url)
            self._moto.wait_ready()
            self.endpoint = self._moto.url
            template = TranslatedTemplate.from_sam(
                ROOT / "template.yaml", ROOT / ".venv-sam/bin/python", PARAMETERS, REGION
            )
            stack = deploy(
                template, stack_name="bench", endpoint_url=self.endpoint, region=REGION, parameters=PARAMETERS
            )
            env: dict[str, Any] = {}
            for props in template.functions.values():
                env.update(props.get("Environment", {}).get("Variables", {}))
            wanted = (
                "CONVERSATIONS_TABLE",
                "CHECKPOINTS_TABLE",
                "IDEMPOTENCY_TABLE",
                "MEDIA_BUCKET",
                "INBOUND_QUEUE_URL",
                "OUTBOUND_QUEUE_URL",
            )
            self.names = {key: str(stack.resolve(env[key])) for key in wanted if key in env}
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.startup_seconds = time.perf_counter() - started
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._moto:
            self._moto.stop()
            self._moto = None
        if self._pg:
            try:
                self._pg.stop()
            except Exception as err:  # the measurements are done; say so and go on
                print(f"[bench] stopping PostgreSQL: {err}")
            self._pg = None
        if self._log:
            self._log.close()
            self._log = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    def client(self, service: str) -> Any:
        return moto_client(service, self.endpoint, REGION)

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        """Receive and delete everything visible on a queue; the bodies, parsed."""
        sqs = self.client("sqs")
        out: list[dict[str, Any]] = []
        while True:
            msgs = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
                "Messages", []
            )
            if not msgs:
                return out
            out.extend(json.loads(m["Body"]) for m in msgs)
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)],
            )


class _NoMedia:
    """Media ports for a text-only bench: a media call would be a bench bug."""

    def download(self, url: str, *, max_bytes: int, allowed_types: tuple[str, ...], timeout: float) -> Downloaded:
        raise RuntimeError("the bench sends no media")

    def keep(self, conversation: str, message_id: str, data: bytes, content_type: str) -> str:
        raise RuntimeError("the bench sends no media")

    def transcribe(self, data: bytes, mime_type: str, *, timeout: float) -> str:
        raise RuntimeError("the bench sends no media")

    def describe(self, data: bytes, mime_type: str, *, timeout: float) -> str:
        raise RuntimeError("the bench sends no media")


class Agent:
    """What wiring.turn_runner builds: the graph on the chat model, DynamoDB checkpoints (S3 offload)."""

    def __init__(self, env: BenchEnv, openai: FakeOpenAI, counter: CallCounter | None = None) -> None:
        self.saver = dynamodb_checkpointer(
            env.names["CHECKPOINTS_TABLE"], env.names["MEDIA_BUCKET"], region_name=REGION, endpoint_url=env.endpoint
        )
        if counter is not None:
            # The saver makes its own boto3 session: watch its two clients directly.
            counter.watch(self.saver.client, "checkpoints")
            s3 = getattr(getattr(self.saver, "storage", None), "s3_client", None)
            if s3 is not None:
                counter.watch(s3, "checkpoints")

        model = chat_model(ModelSettings(base_url=f"{openai.url}/v1", api_key="bench-key", max_retries=0))
        self.runner = TurnRunner(model, self.saver)

    def __call__(self, conv: Conversation, text: str) -> TurnResult:
        return self.runner.run(conv, text)


@dataclass
class TurnCost:
    """One customer turn (all the tickets of its messages) as the processor handled it."""

    outcome: str
    tickets: int
    db_round_trips: int
    db_connects: int
    aws: collections.Counter[str]
    model_calls: int
    tool_calls: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    @property
    def aws_calls(self) -> int:
        return sum(self.aws.values())


class ProcessorRig:
    """The processor's TurnService in process: the adapters wiring.build_service uses, on
    explicit boto3 clients watched by `counter`, the real agent against a local OpenAI server."""

    def __init__(self, env: BenchEnv, openai: FakeOpenAI, now: Callable[[], datetime] = lambda: NOW) -> None:
        self.env = env
        self.openai = openai
        self.counter = CallCounter()
        self.db = Database(env.database_url.replace("://postgres@", "://receptionist_app@", 1))  # as deployed
        self.agent = Agent(env, openai, self.counter)
        self.tool_calls: list[str] = []
        ddb = self.counter.watch(env.client("dynamodb"), "conversations")
        sqs = self.counter.watch(env.client("sqs"))
        self._webhook_buffer = ConversationBuffer(env.names["CONVERSATIONS_TABLE"], env.client("dynamodb"))
        self.graph_agent = GraphAgent(self.db, lambda: self.agent.runner, now=now)
        self.service = TurnService(
            ledger=DynamoTurnLedger(env.names["CONVERSATIONS_TABLE"], ddb),
            crm=CrmAdapter(self.db),
            media=MediaReader(_NoMedia()),
            agent=self._run_agent,
            outbound=FifoQueue(env.names["OUTBOUND_QUEUE_URL"], sqs),
            inbound=FifoQueue(env.names["INBOUND_QUEUE_URL"], sqs),
        )

    def _run_agent(self, request: AgentRequest) -> AgentAnswer:
        answer = self.graph_agent(request)
        self.tool_calls.extend(answer.tools)
        return answer

    def close(self) -> None:
        self.db.close()

    def buffer(self, customer: str, text: str, clock: int = 0) -> InboundTicket:
        """What the webhook does for one text message (not counted here): buffer it, make its ticket."""
        conversation = conversation_key(APP, customer)
        mid = f"wamid.bench.{uuid.uuid4().hex}"
        message = {
            "id": mid,
            "source": customer,
            "type": "text",
            "payload": {"text": text},
            "sender": {"phone": customer, "name": "Lucía"},
        }
        now_ms = int(time.time() * 1000)
        buffered = self._webhook_buffer.buffer(
            conversation=conversation,
            message_id=mid,
            message_type="text",
            message_json=json.dumps(message),
            received_at_ms=now_ms + clock,
            sent_at_ms=now_ms,
        )
        if buffered.duplicate:
            raise RuntimeError("a fresh message id was taken for a duplicate")
        return InboundTicket(conversation=conversation, message_id=mid, buffer_sk=buffered.key)

    def turn(self, customer: str, *texts: str) -> TurnCost:
        """Buffer `texts` (a burst), then hand the processor each message's ticket in order, as
        the inbound FIFO queue would after the debounce window; the cost of all of them."""
        tickets = [self.buffer(customer, text, clock=i) for i, text in enumerate(texts)]
        self.counter.reset()
        self.tool_calls = []
        connects = self.db.connects
        reports: list[TurnReport] = [self.service.handle(t) for t in tickets]
        answered = [r for r in reports if r.outcome != "skipped_debounce"]
        return TurnCost(
            outcome=",".join(r.outcome for r in answered) or "skipped",
            tickets=len(tickets),
            db_round_trips=sum(r.db_round_trips for r in reports),
            db_connects=self.db.connects - connects,
            aws=self.counter.counts(),
            model_calls=sum(r.model_calls for r in reports),
            tool_calls=list(self.tool_calls),
            replies=[r.reply for r in reports if r.reply],
        )

    def jobs(self) -> list[dict[str, Any]]:
        """What the processor put on the outbound queue (drained)."""
        return self.env.drain(self.env.names["OUTBOUND_QUEUE_URL"])
