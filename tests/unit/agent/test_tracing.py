"""The Langfuse tracer's own rules: prices from the project's table, a stable pseudonymous user, nothing
loaded or sent when off, and no failure of its own (keys unreadable, odd replies) ever raised."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from devstack.lambda_context import modules_after
from receptionist.agent import nodes, tracing
from receptionist.agent.tracing import Tracer, TracingSettings, customer_hash, tracer_from_env
from receptionist.model_prices import price_of

ROOT = Path(__file__).resolve().parents[3]


def test_a_dated_model_version_is_priced_as_its_model() -> None:
    assert price_of("gpt-4.1-mini-2025-04-14") == price_of("gpt-4.1-mini") != price_of("gpt-4.1")
    assert price_of("gpt-4.1-2025-04-14") == price_of("gpt-4.1")
    assert price_of("my-local-model") is None


def test_the_user_is_stable_per_business_and_shows_no_number() -> None:
    a = customer_hash("org-1", "34600111222")
    assert a == customer_hash("org-1", "34600111222") != customer_hash("org-2", "34600111222")
    assert "34600111222" not in a and a.startswith("c-") and len(a) == 18


def test_on_only_with_host_and_both_keys() -> None:
    env = {"LANGFUSE_HOST": "http://127.0.0.1:1", "LANGFUSE_PUBLIC_KEY": "pk", "LANGFUSE_SECRET_KEY": "sk"}
    assert tracer_from_env({}) is None
    assert tracer_from_env({**env, "LANGFUSE_SECRET_KEY": ""}) is None
    tracer = tracer_from_env({**env, "LANGFUSE_CAPTURE_CONTENT": "false"})
    assert tracer is not None and tracer.url == "http://127.0.0.1:1/api/public/ingestion"
    assert not tracer.settings.capture_content
    assert "sk" not in repr(tracer)


def test_the_module_loads_no_http_client_or_sdk() -> None:
    loaded = modules_after("import receptionist.agent.tracing")
    assert not {m for m in loaded if m.split(".")[0] in ("langfuse", "opentelemetry", "httpx", "requests")}
    assert "urllib.request" not in loaded and "http.client" not in loaded  # the first flush loads it


def test_traced_nodes_keep_the_signature_langgraph_reads() -> None:
    assert list(inspect.signature(nodes.agent).parameters) == ["state", "runtime"]
    assert nodes.agent.__name__ == "agent"


def test_hooks_outside_a_traced_turn_do_nothing() -> None:
    with tracing.observe("tool") as traced:
        traced.set_output("x")
    with tracing.generation(object(), []) as generation:
        generation.record_reply(object())
    assert traced is tracing.NULL_OBSERVATION


def _one_turn(tracer: Tracer, reply: Any = None) -> None:
    with tracing.turn(
        tracer, organization_id="o", conversation_id="c", customer_number="34600111222", turn_id="t", text="hola"
    ) as trace:
        with tracing.observe("agent"), tracing.generation(object(), []) as generation:
            generation.record_reply(reply)
        assert trace is not None
        trace.end("adiós")


def test_unreadable_keys_drop_the_traces_without_raising() -> None:
    def no_keys() -> tuple[str, str]:
        raise RuntimeError("secret parameter could not be read")

    tracer = Tracer(TracingSettings("http://127.0.0.1:1"), no_keys)
    _one_turn(tracer)
    assert tracer.flush() == 0 and tracer.dropped == 1 and tracer.requests == 0


def test_an_odd_model_reply_is_traced_as_far_as_it_goes() -> None:
    class Odd:
        usage_metadata = {"input_tokens": "many"}

    tracer = Tracer(TracingSettings("http://127.0.0.1:1"), lambda: ("pk", "sk"))
    _one_turn(tracer, Odd())  # does not raise into the turn
    assert tracer.pending == 1


def test_a_failing_block_passes_its_error_through_and_is_marked() -> None:
    tracer = Tracer(TracingSettings("http://127.0.0.1:1"), lambda: ("pk", "sk"))
    with (
        pytest.raises(ValueError),
        tracing.turn(tracer, organization_id="o", conversation_id="c", customer_number="1", turn_id="t", text=""),
        tracing.observe("agent"),
    ):
        raise ValueError("boom 34600111222")
    (trace,) = tracer._pending
    assert trace.metadata["error"] == "ValueError"
    (span,) = trace.observations
    assert (span.level, span.status_message) == ("ERROR", "ValueError")  # the type, never the message


def test_large_turns_are_split_under_langfuse_batch_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "MAX_BATCH_BYTES", 2_000)
    tracer = Tracer(TracingSettings("http://127.0.0.1:1"), lambda: ("pk", "sk"))
    for _ in range(5):
        _one_turn(tracer)
    batches = list(tracer._batches(list(tracer._pending)))
    assert len(batches) > 1
    assert sum(count for _, count in batches) == 5
    assert all(len(body) <= 2_000 + 1_000 for body, _ in batches)  # one event may start a batch alone
    events = [e for body, _ in batches for e in json.loads(body)["batch"]]
    assert len([e for e in events if e["type"] == "trace-create"]) == 5
