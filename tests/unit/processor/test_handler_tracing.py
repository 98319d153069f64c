"""functions/processor/app.py with Langfuse on: the handler sends the invocation's traces before
it returns, failed record or not, within the invocation's remaining time.

The module is loaded as Lambda would load it (nothing is contacted at import); its service is
swapped for one that runs a traced stand-in turn, and its recorder's keys for the local server's."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from devstack.fakes.langfuse import FakeLangfuse
from devstack.lambda_context import LocalContext, load_function
from devstack.template import function_env
from receptionist.agent import tracing
from receptionist.agent.tracing import LangfuseRecorder
from receptionist.messages import InboundTicket, fifo_id
from receptionist.processor.service import TurnReport

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def langfuse() -> Iterator[FakeLangfuse]:
    with FakeLangfuse() as fake:
        yield fake


@pytest.fixture(scope="module")
def app(langfuse: FakeLangfuse) -> Iterator[ModuleType]:
    env = function_env("ProcessorFunction", LANGFUSE_HOST=langfuse.url)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        module = load_function(ROOT / "functions/processor/app.py", "processor_app_tracing_unit")
    yield module
    sys.modules.pop("processor_app_tracing_unit", None)


class TracedTurns:
    """A service whose every ticket is one traced turn (or a failed one)."""

    def __init__(self, recorder: LangfuseRecorder, fail: bool = False) -> None:
        self.recorder, self.fail = recorder, fail

    def handle(self, ticket: InboundTicket, deadline: Any, *, last_attempt: bool) -> Any:
        with tracing.turn(
            self.recorder,
            organization_id="org",
            conversation_id="identity",
            customer_number="34600111222",
            turn_id=ticket.message_id,
            text="hola",
        ):
            if self.fail:
                raise RuntimeError("the model is down")
        return TurnReport("answered", turn_id=ticket.message_id)


@pytest.fixture
def wired(app: ModuleType, langfuse: FakeLangfuse, monkeypatch: pytest.MonkeyPatch) -> Iterator[LangfuseRecorder]:
    recorder = app.parts.connections.recorder
    assert recorder is not None  # LANGFUSE_HOST set: the wiring built one
    recorder._credentials = lambda: ("pk-lf-local", "sk-lf-local")  # instead of SSM
    # The traces' user key too: reaching for an SSM that is not there spends the flush's budget.
    recorder._read_user_key = lambda: "u" * 64
    monkeypatch.setattr(app, "parts", replace(app.parts, service=TracedTurns(recorder)))
    with langfuse.lock:
        langfuse.requests.clear()
    yield recorder
    recorder.close()


def _event(n: int = 1) -> dict[str, Any]:
    records = []
    for _ in range(n):
        ticket = InboundTicket(conversation="ClinicaSonrisa#34600111222", message_id=f"wamid.{uuid.uuid4().hex}")
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "r",
                "body": ticket.model_dump_json(),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795420810000",
                    "SequenceNumber": "1",
                    "MessageGroupId": fifo_id(ticket.conversation),
                    "SenderId": "AIDAEXAMPLE",
                    "MessageDeduplicationId": fifo_id(ticket.message_id),
                    "ApproximateFirstReceiveTimestamp": "1795420820000",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:receptionist-dev-inbound.fifo",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def test_the_handler_returns_after_its_traces_are_sent(
    app: ModuleType, wired: LangfuseRecorder, langfuse: FakeLangfuse
) -> None:
    result = app.handler(_event(), LocalContext("receptionist-dev-processor", timeout_s=60))
    assert result["batchItemFailures"] == []
    (request,) = langfuse.batches()  # already there when the handler returned
    assert len(langfuse.bodies("trace-create")) == 1
    assert b"34600111222" not in request.body and wired.pending == 0


def test_a_failed_turn_is_traced_and_sent_too(app: ModuleType, wired: LangfuseRecorder, langfuse: FakeLangfuse) -> None:
    app.parts.service.fail = True
    with pytest.raises(BatchProcessingError):  # every record failed: Lambda retries the batch
        app.handler(_event(), LocalContext("receptionist-dev-processor", timeout_s=60))
    (trace,) = langfuse.bodies("trace-create")
    assert trace["metadata"]["error"] == "RuntimeError"


def test_with_no_time_left_the_traces_are_dropped_not_waited_for(
    app: ModuleType, wired: LangfuseRecorder, langfuse: FakeLangfuse
) -> None:
    app.handler(_event(), LocalContext("receptionist-dev-processor", timeout_s=0.6))
    assert langfuse.batches() == [] and wired.pending == 0 and wired.dropped >= 1
