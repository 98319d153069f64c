"""What the in-process measurements share: moto with the real template deployed, embedded
PostgreSQL with the migrations and the demo seed, counters of AWS calls, and the processor
assembled by `receptionist.processor.wiring.build`, as its handler does it, on clients the bench
hands in so it can count their calls.

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
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from devstack.aws import moto_client
from devstack.fakes.openai import FakeOpenAI
from devstack.stack import LocalConfig, LocalStack
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.agent.context import Conversation
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.runner import TurnResult
from receptionist.config import ProcessorSettings
from receptionist.conversation_key import ConversationKey
from receptionist.messages import InboundTicket
from receptionist.processor.service import TurnReport
from receptionist.processor.wiring import ProcessorClients, build, turn_runner

# The bench only ever talks to local servers (moto); clients that build their own boto3 session
# (the checkpointer) need some credentials to sign with, whatever the developer's profile says.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

REGION = "us-east-1"
APP = "ClinicaSonrisa"  # the demo organization (infra/supabase/seed.sql)
# A Monday 09:00 in Madrid: the booking scenario books Tuesday 2031-03-04 10:00 (as the agent tests do).
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)


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
    """moto (template deployed) + PostgreSQL (migrations + demo seed): the local stack without its
    function workers (the in-process measurements wire the code themselves).

    Use as a context manager; everything lives in a temporary directory and is removed after."""

    def __init__(self) -> None:
        self._parts = ExitStack()
        self.endpoint = ""
        self.database_url = ""
        self.app_database_url = ""
        self.names: dict[str, str] = {}
        self.processor_env: dict[str, str] = {}
        self.webhook_env: dict[str, str] = {}
        self.webhook_secret = ""  # the demo app's, in moto's SSM
        self.apps: list[str] = []  # the seeded Gupshup apps
        self.app_token = LocalConfig().gupshup_app_token  # their Partner App Token (the local Gupshup's)
        self.startup_seconds = 0.0

    def __enter__(self) -> Self:
        started = time.perf_counter()
        with ExitStack() as parts:
            tmp = parts.enter_context(tempfile.TemporaryDirectory(prefix="bench-env-"))
            stack = parts.enter_context(LocalStack(LocalConfig.ephemeral(Path(tmp), runner=False)))
            self._parts = parts.pop_all()
        assert stack.template is not None and stack.stack is not None
        self.endpoint = stack.info["aws_endpoint_url"]
        self.database_url = stack.info["database_url"]
        self.app_database_url = stack.info["app_database_url"]  # the functions' role, under RLS
        self.processor_env = stack.function_env("ProcessorFunction")
        self.webhook_env = stack.function_env("WebhookFunction")
        self.webhook_secret = stack.info["webhook_secrets"][APP]
        self.apps = sorted(stack.info["apps"])
        env: dict[str, Any] = {}
        for props in stack.template.functions.values():
            env.update(props.get("Environment", {}).get("Variables", {}))
        wanted = (
            "CONVERSATIONS_TABLE",
            "CHECKPOINTS_TABLE",
            "IDEMPOTENCY_TABLE",
            "MEDIA_BUCKET",
            "INBOUND_QUEUE_URL",
            "OUTBOUND_QUEUE_URL",
        )
        self.names = {key: str(stack.stack.resolve(env[key])) for key in wanted if key in env}
        self.startup_seconds = time.perf_counter() - started
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._parts.close()

    def client(self, service: str) -> Any:
        return moto_client(service, self.endpoint, REGION)

    def processor_settings(self, openai: FakeOpenAI, **overrides: str) -> ProcessorSettings:
        """The processor's settings as the local stack runs it, its model on `openai`."""
        return ProcessorSettings.from_env({**self.processor_env, "OPENAI_BASE_URL": f"{openai.url}/v1", **overrides})

    def processor_clients(
        self, counter: CallCounter | None = None, now: Callable[[], datetime] = lambda: NOW
    ) -> ProcessorClients:
        """What `wiring.build` talks through here: moto's clients (watched by `counter`
        when given), the secrets the local stack would put in SSM, the bench's clock."""
        secrets = {
            self.processor_env["DATABASE_URL_PARAM"]: self.app_database_url,
            self.processor_env["OPENAI_API_KEY_PARAM"]: "bench-key",
            self.processor_env["GEMINI_API_KEY_PARAM"]: "bench-key",
            # The seeded apps' Partner App Tokens (read receipts), as the local stack puts them in SSM.
            **{f"{self.processor_env['GUPSHUP_KEYS_PATH']}{app}-app-token": self.app_token for app in self.apps},
        }

        def watched(service: str, label: str = "") -> Any:
            client = self.client(service)
            return counter.watch(client, label) if counter is not None else client

        def checkpointer(table: str, bucket: str) -> Any:
            saver = dynamodb_checkpointer(table, bucket, region_name=REGION, endpoint_url=self.endpoint)
            if counter is not None:  # the saver makes its own boto3 session: watch its two clients
                counter.watch(saver.client, "checkpoints")
                s3 = getattr(getattr(saver, "storage", None), "s3_client", None)
                if s3 is not None:
                    counter.watch(s3, "checkpoints")
            return saver

        return ProcessorClients(
            sqs=watched("sqs"),
            dynamodb=watched("dynamodb", "conversations"),
            s3=watched("s3"),
            secret=secrets.__getitem__,
            checkpointer=checkpointer,
            clock=now,
        )

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


class Agent:
    """The agent as `wiring.turn_runner` builds it (model + graph + DynamoDB checkpoints with S3
    offload), on the bench's local OpenAI server."""

    def __init__(self, env: BenchEnv, openai: FakeOpenAI) -> None:
        self.runner = turn_runner(env.processor_settings(openai), env.processor_clients())
        self.saver = self.runner.checkpointer

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
    cached_tokens: int = 0  # prompt tokens the model reported as served from its cache
    tool_calls: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    gupshup_read_calls: int = 0  # read receipts / "typing…" (in the background)
    read_receipts_begin_ms: float = 0.0  # what starting them cost the turn's thread (before the reply)
    read_receipts_finish_ms: float = 0.0  # waiting for a call in flight at the end (after the reply was queued)

    @property
    def aws_calls(self) -> int:
        return sum(self.aws.values())


class ProcessorRig:
    """The processor's TurnService in process, assembled by `wiring.build` on explicit boto3
    clients watched by `counter`, against a local OpenAI server, at the bench's NOW; its database
    round trips counted by the parts' counters, as the handler's telemetry counts them."""

    def __init__(
        self, env: BenchEnv, openai: FakeOpenAI, now: Callable[[], datetime] = lambda: NOW, **settings: str
    ) -> None:
        self.env = env
        self.counter = CallCounter()
        self.parts = build(env.processor_settings(openai, **settings), env.processor_clients(self.counter, now))
        self.service = self.parts.service
        self.db = self.parts.connections.db
        self._webhook_buffer = ConversationBuffer(env.names["CONVERSATIONS_TABLE"], env.client("dynamodb"))

    def close(self) -> None:
        self.db.close()

    def buffer(self, customer: str, text: str, clock: int = 0) -> InboundTicket:
        """What the webhook does for one text message (not counted here): buffer it, make its ticket."""
        conversation = str(ConversationKey(APP, customer))
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
        return InboundTicket(conversation=conversation, message_id=mid)

    def turn(self, customer: str, *texts: str) -> TurnCost:
        """Buffer `texts` (a burst), then hand the processor each message's ticket in order, as
        the inbound FIFO queue would after the debounce window; the cost of all of them."""
        tickets = [self.buffer(customer, text, clock=i) for i, text in enumerate(texts)]
        self.counter.reset()
        connects, counted = self.db.connects, self.parts.counters.now()
        receipts = self.service.receipts
        begun, finished = getattr(receipts, "begin_seconds", 0.0), getattr(receipts, "finish_seconds", 0.0)
        reports: list[TurnReport] = [self.service.handle(t) for t in tickets]
        since = self.parts.counters.since(counted)
        trips = since["db_round_trips"]
        answered = [r for r in reports if r.outcome != "skipped_debounce"]
        return TurnCost(
            outcome=",".join(r.outcome for r in answered) or "skipped",
            tickets=len(tickets),
            db_round_trips=trips,
            db_connects=self.db.connects - connects,
            aws=self.counter.counts(),
            model_calls=sum(r.model_calls for r in reports),
            cached_tokens=sum(r.cached_tokens for r in reports),
            tool_calls=[tool for r in reports for tool in r.tools],
            replies=[r.reply for r in reports if r.reply],
            gupshup_read_calls=since.get("gupshup_read_calls", 0),
            read_receipts_begin_ms=(getattr(receipts, "begin_seconds", 0.0) - begun) * 1000,
            read_receipts_finish_ms=(getattr(receipts, "finish_seconds", 0.0) - finished) * 1000,
        )

    def jobs(self) -> list[dict[str, Any]]:
        """What the processor put on the outbound queue (drained)."""
        return self.env.drain(self.env.names["OUTBOUND_QUEUE_URL"])
