"""Langfuse tracing as the processor's wiring builds it: on only with LANGFUSE_HOST, its keys and the
traces' user key read through the secret reader on the first flush (SSM in Lambda) and forgotten by
the SnapStart hooks, the invocation's turns sent in one request before the handler returns."""

from __future__ import annotations

import logging
import secrets as random_secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.aws import moto_client
from devstack.fakes.langfuse import FakeLangfuse
from devstack.template import function_env
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.tracing import trace_user
from receptionist.config import ProcessorSettings
from receptionist.processor import snapshot
from receptionist.processor.service import TurnService
from receptionist.processor.wiring import Connections, ProcessorClients, build
from receptionist.secrets import SecretUnavailableError

PUBLIC, SECRET = "/receptionist/dev/langfuse-public-key", "/receptionist/dev/langfuse-secret-key"
USER_KEY = "/receptionist/dev/trace-user-key"  # the template's LANGFUSE_USER_KEY_PARAM
DEMO_ORG = "00000000-0000-4000-8000-000000000001"
NOW = datetime(2031, 3, 3, 8, 0, tzinfo=UTC)


@dataclass
class Traced:
    service: TurnService
    connections: Connections
    langfuse: FakeLangfuse | None
    secret_reads: list[str]
    user_key: str | None


def _processor(
    harness: Any, app_url: str, aws: dict[str, str], langfuse: FakeLangfuse | None, *, user_key: bool = True
) -> Traced:
    """The harness's processor again (same tables, queues and local servers), with Langfuse on
    when a server is given, as the template configures it."""
    tracing_env = (
        {
            "LANGFUSE_HOST": langfuse.url,
            "LANGFUSE_PUBLIC_KEY_PARAM": PUBLIC,
            "LANGFUSE_SECRET_KEY_PARAM": SECRET,
            "LANGFUSE_FLUSH_SECONDS": "0.5",
        }
        if langfuse
        else {"LANGFUSE_HOST": ""}
    )
    env = function_env(
        "ProcessorFunction",
        CONVERSATIONS_TABLE=aws["conversations"],
        CHECKPOINTS_TABLE=aws["table"],
        MEDIA_BUCKET=aws["bucket"],
        OUTBOUND_QUEUE_URL=harness.queue_url,
        INBOUND_QUEUE_URL=harness.inbound_url,
        OPENAI_BASE_URL=f"{harness.openai.url}/v1",
        GEMINI_BASE_URL=harness.gemini.url,
        **tracing_env,
    )
    settings = ProcessorSettings.from_env(env)
    assert settings.langfuse_user_key_param == USER_KEY
    key = random_secrets.token_urlsafe(32) if user_key else None
    secrets = {
        settings.database_url_param: app_url,
        settings.openai_api_key_param: "k",
        settings.gemini_api_key_param: "k",
        PUBLIC: "pk-lf-local",
        SECRET: "sk-lf-local",
        **({USER_KEY: key} if key else {}),
    }
    reads: list[str] = []

    def secret(name: str) -> str:  # as receptionist.secrets.get_secret answers
        reads.append(name)
        if name not in secrets:
            raise SecretUnavailableError(f"secret parameter {name} could not be read")
        return secrets[name]

    clients = ProcessorClients(
        sqs=moto_client("sqs", aws["endpoint"], "us-east-1"),
        dynamodb=moto_client("dynamodb", aws["endpoint"], "us-east-1"),
        s3=moto_client("s3", aws["endpoint"], "us-east-1"),
        secret=secret,
        checkpointer=lambda table, bucket: dynamodb_checkpointer(
            table, bucket, region_name="us-east-1", endpoint_url=aws["endpoint"]
        ),
        clock=lambda: NOW,
    )
    parts = build(settings, clients)
    return Traced(parts.service, parts.connections, langfuse, reads, key)


@dataclass
class On(Traced):
    langfuse: FakeLangfuse


@pytest.fixture
def traced(harness: Any, app_url: str, aws: dict[str, str]) -> Iterator[On]:
    with FakeLangfuse() as langfuse:
        processor = _processor(harness, app_url, aws, langfuse)
        yield On(processor.service, processor.connections, langfuse, processor.secret_reads, processor.user_key)
        processor.connections.db.close()


def _tracing_reads(traced: Traced) -> list[str]:
    return [n for n in traced.secret_reads if n in (PUBLIC, SECRET, USER_KEY)]


def test_an_invocation_sends_its_turn_in_one_request_before_returning(traced: On, harness: Any) -> None:
    assert not _tracing_reads(traced)  # no key read at cold start
    report = traced.service.handle(harness.text("Hola, ¿abrís el sábado?"), None, last_attempt=False)
    assert report.outcome == "answered"
    assert traced.langfuse.batches() == []

    assert traced.connections.flush_traces(remaining_seconds=30) == 1  # what the handler does last
    (request,) = traced.langfuse.batches()
    (trace,) = traced.langfuse.bodies("trace-create")
    assert traced.user_key is not None
    assert trace["userId"] == trace_user(traced.user_key.encode(), DEMO_ORG, harness.customer)
    assert trace["input"] == "Hola, ¿abrís el sábado?" and trace["environment"] == "dev"
    assert harness.customer.encode() not in request.body
    assert traced.user_key.encode() not in request.body and traced.user_key not in str(request.headers)
    assert _tracing_reads(traced) == [PUBLIC, SECRET, USER_KEY]


def test_the_snapstart_hooks_forget_the_keys(traced: On, harness: Any) -> None:
    traced.service.handle(harness.text("Hola"), None, last_attempt=False)
    traced.connections.flush_traces(30)
    snapshot.after_restore(traced.connections)
    traced.service.handle(harness.text("Otra vez"), None, last_attempt=False)
    assert traced.connections.flush_traces(30) == 1
    assert _tracing_reads(traced) == [PUBLIC, SECRET, USER_KEY, PUBLIC, SECRET, USER_KEY]


def test_an_outage_costs_the_invocation_its_traces_only(traced: On, harness: Any) -> None:
    traced.langfuse.fail_next("500")
    report = traced.service.handle(harness.text("Hola"), None, last_attempt=False)
    assert report.outcome == "answered"
    assert traced.connections.flush_traces(30) == 0
    # The answer went out all the same (after the AI disclosure: the customer's first reply).
    assert [j["text"].rsplit("\n\n", 1)[-1] for j in harness.jobs()] == ["Respuesta a: Hola"]


def test_off_by_default_no_recorder_and_no_key_read(harness: Any, app_url: str, aws: dict[str, str]) -> None:
    processor = _processor(harness, app_url, aws, None)
    assert processor.connections.recorder is None
    assert processor.service.handle(harness.text("Hola"), None, last_attempt=False).outcome == "answered"
    assert processor.connections.flush_traces(30) == 0
    assert not _tracing_reads(processor)
    processor.connections.db.close()


def test_without_the_user_key_parameter_turns_are_traced_without_a_user(
    harness: Any, app_url: str, aws: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with FakeLangfuse() as langfuse:
        processor = _processor(harness, app_url, aws, langfuse, user_key=False)  # ops have not created it
        try:
            with caplog.at_level(logging.WARNING, logger="receptionist.agent.tracing"):
                assert processor.service.handle(harness.text("Hola"), None, last_attempt=False).outcome == "answered"
                assert processor.connections.flush_traces(30) == 1
                processor.service.handle(harness.text("Otra vez"), None, last_attempt=False)
                assert processor.connections.flush_traces(30) == 1
        finally:
            processor.connections.db.close()
        traces = langfuse.bodies("trace-create")
        assert len(traces) == 2 and not [t for t in traces if "userId" in t]
        assert all(harness.customer.encode() not in request.body for request in langfuse.batches())
    assert _tracing_reads(processor) == [PUBLIC, SECRET, USER_KEY]  # asked once, not at every invocation
    assert [r.getMessage() for r in caplog.records if r.name == "receptionist.agent.tracing"] == [
        "trace user key unavailable: traces sent without a user"
    ]
