"""The Langfuse recorder's own rules: prices from the project's table, a user keyed by a secret (never an
unkeyed hash), nothing loaded or sent when off, and no failure of its own (keys unreadable, odd replies)
ever raised."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from devstack.lambda_context import modules_after
from receptionist.agent import nodes, tracing
from receptionist.agent.tracing import LangfuseRecorder, TracingSettings, recorder_from_env, trace_user
from receptionist.model_prices import price_of

ROOT = Path(__file__).resolve().parents[3]


def test_a_dated_model_version_is_priced_as_its_model() -> None:
    assert price_of("gpt-4.1-mini-2025-04-14") == price_of("gpt-4.1-mini") != price_of("gpt-4.1")
    assert price_of("gpt-4.1-2025-04-14") == price_of("gpt-4.1")
    assert price_of("my-local-model") is None


KEY = b"k" * 32


def test_the_user_is_an_hmac_under_the_key_stable_per_business() -> None:
    a = trace_user(KEY, "org-1", "34600111222")
    expected = hmac.new(KEY, b"org-1:34600111222", hashlib.sha256).hexdigest()[:32]
    assert a == f"c-{expected}" == trace_user(KEY, "org-1", "34600111222")
    assert a != trace_user(KEY, "org-2", "34600111222")
    assert a != trace_user(b"j" * 32, "org-1", "34600111222")  # another key, another user
    unkeyed = hashlib.sha256(b"org-1:34600111222").hexdigest()
    assert a[2:] not in unkeyed and unkeyed[:16] not in a  # nothing of the enumerable hash


def test_on_only_with_host_and_both_keys() -> None:
    env = {"LANGFUSE_HOST": "http://127.0.0.1:1", "LANGFUSE_PUBLIC_KEY": "pk", "LANGFUSE_SECRET_KEY": "sk"}
    assert recorder_from_env({}) is None
    assert recorder_from_env({**env, "LANGFUSE_SECRET_KEY": ""}) is None
    recorder = recorder_from_env({**env, "LANGFUSE_CAPTURE_CONTENT": "false"})
    assert recorder is not None and recorder.url == "http://127.0.0.1:1/api/public/ingestion"
    assert not recorder.settings.capture_content
    assert "sk" not in repr(recorder)
    assert recorder._user_key_now() is None  # no LANGFUSE_USER_KEY: traces without a user
    keyed = recorder_from_env({**env, "LANGFUSE_USER_KEY": "u" * 32})
    assert keyed is not None and keyed._user_key_now() == b"u" * 32


def test_the_module_loads_no_http_client_or_sdk() -> None:
    loaded = modules_after("import receptionist.agent.tracing")
    assert not {m for m in loaded if m.split(".")[0] in ("langfuse", "opentelemetry", "httpx", "requests")}
    assert "urllib.request" not in loaded and "http.client" not in loaded  # the first flush loads it
    assert "receptionist.bounded_http" not in loaded


def test_traced_nodes_keep_the_signature_langgraph_reads() -> None:
    assert list(inspect.signature(nodes.agent).parameters) == ["state", "runtime"]
    assert nodes.agent.__name__ == "agent"


def test_hooks_outside_a_traced_turn_do_nothing() -> None:
    with tracing.observe("tool") as traced:
        traced.set_output("x")
    with tracing.generation(object(), []) as generation:
        generation.record_reply(object())
    assert traced is tracing.NULL_OBSERVATION


def _one_turn(recorder: LangfuseRecorder, reply: Any = None, text: str = "hola") -> None:
    with tracing.turn(
        recorder, organization_id="o", conversation_id="c", customer_number="34600111222", turn_id="t", text=text
    ) as trace:
        with tracing.observe("agent"), tracing.generation(object(), []) as generation:
            generation.record_reply(reply)
        assert trace is not None
        trace.end("adiós")


def test_unreadable_keys_drop_the_traces_without_raising() -> None:
    def no_keys() -> tuple[str, str]:
        raise RuntimeError("secret parameter could not be read")

    recorder = LangfuseRecorder(TracingSettings("http://127.0.0.1:1"), no_keys)
    _one_turn(recorder)
    assert recorder.flush() == 0 and recorder.dropped == 1 and recorder.requests == 0


def test_an_odd_model_reply_is_traced_as_far_as_it_goes() -> None:
    class Odd:
        usage_metadata = {"input_tokens": "many"}

    recorder = LangfuseRecorder(TracingSettings("http://127.0.0.1:1"), lambda: ("pk", "sk"))
    _one_turn(recorder, Odd())  # does not raise into the turn
    assert recorder.pending == 1


def test_a_failing_block_passes_its_error_through_and_is_marked() -> None:
    recorder = LangfuseRecorder(TracingSettings("http://127.0.0.1:1"), lambda: ("pk", "sk"))
    with (
        pytest.raises(ValueError),
        tracing.turn(recorder, organization_id="o", conversation_id="c", customer_number="1", turn_id="t", text=""),
        tracing.observe("agent"),
    ):
        raise ValueError("boom 34600111222")
    (trace,) = recorder._pending
    assert trace.metadata["error"] == "ValueError"
    (span,) = trace.observations
    assert (span.level, span.status_message) == ("ERROR", "ValueError")  # the type, never the message


def test_large_turns_are_split_under_langfuse_batch_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "MAX_BATCH_BYTES", 2_000)
    recorder = LangfuseRecorder(TracingSettings("http://127.0.0.1:1"), lambda: ("pk", "sk"))
    for _ in range(5):
        _one_turn(recorder)
    batches = list(recorder._batches(list(recorder._pending)))
    assert len(batches) > 1
    assert sum(count for _, count in batches) == 5
    assert all(len(body) <= 2_000 + 1_000 for body, _ in batches)  # one event may start a batch alone
    events = [e for body, _ in batches for e in json.loads(body)["batch"]]
    assert len([e for e in events if e["type"] == "trace-create"]) == 5


@pytest.mark.parametrize("problem", ["missing", "short"])
def test_without_a_usable_user_key_traces_have_no_user_and_the_key_is_asked_again_later(
    problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    reads: list[str] = []

    def user_key() -> str:
        reads.append(problem)
        if problem == "missing":
            raise RuntimeError("secret parameter /receptionist/dev/trace-user-key could not be read")
        return "short-key-0123456789"  # under MIN_USER_KEY_CHARS: refused as if missing

    recorder = LangfuseRecorder(TracingSettings("http://127.0.0.1:1"), lambda: ("pk", "sk"), user_key=user_key)
    _one_turn(recorder, text="mi móvil es el 34600111222")
    with caplog.at_level(logging.WARNING):
        key = recorder._user_key_now()
    assert key is None
    ((body, count),) = recorder._batches(list(recorder._pending), key)
    (trace,) = [e["body"] for e in json.loads(body)["batch"] if e["type"] == "trace-create"]
    assert count == 1 and "userId" not in trace
    assert b"34600111222" not in body and tracing.NO_USER.encode() in body  # the number replaced all the same
    assert [r.getMessage() for r in caplog.records if r.name == tracing.__name__] == [
        "trace user key unavailable: traces sent without a user"
    ]
    assert "short-key" not in caplog.text

    assert recorder._user_key_now() is None and reads == [problem]  # not asked again at every flush...
    assert recorder._user_key_missed_at is not None
    recorder._user_key_missed_at -= tracing.USER_KEY_RETRY_SECONDS  # ...but once that long has passed
    recorder._user_key_now()
    assert reads == [problem, problem]
