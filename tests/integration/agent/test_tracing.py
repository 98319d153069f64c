"""Langfuse tracing of real turns: the real graph with a scripted model, the real CRM, and a local
server speaking Langfuse's ingestion API that records what the tracer sends (and can fail)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from devstack.fakes.langfuse import FakeLangfuse, problem
from receptionist.agent import tracing
from receptionist.agent.tracing import Tracer, TracingSettings, customer_hash

DEMO_ORG = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def langfuse() -> Iterator[FakeLangfuse]:
    with FakeLangfuse(hang_seconds=120) as fake:
        yield fake


def _traced(r: Any, host: str, *, capture_content: bool = True, flush_seconds: float = 2.0) -> Tracer:
    tracer = Tracer(
        TracingSettings(host, capture_content=capture_content, environment="test", flush_seconds=flush_seconds),
        lambda: ("pk-lf-local", "sk-lf-local"),
    )
    r.runner = replace(r.runner, tracer=tracer)
    return tracer


def _booking_turn(r: Any) -> Any:
    """One turn with a tool round: two model calls, one tool call. The customer writes their
    own number, which must not reach Langfuse either."""
    r.model.call("check_availability", service="limpieza", day="2031-03-04")
    r.model.say("El martes 4 tengo a las 10:00 y a las 10:30. ¿Cuál prefieres?")
    return r.say(f"Hola, quiero una limpieza el martes. Mi móvil es +{r.customer}")


def test_a_turn_is_one_trace_with_a_span_per_node_and_tool_and_a_generation_per_model_call(
    receptionist: Any, langfuse: FakeLangfuse
) -> None:
    r = receptionist()
    tracer = _traced(r, langfuse.url)

    result = _booking_turn(r)

    assert "10:00" in result.reply
    assert langfuse.batches() == []  # nothing leaves during the turn...
    assert tracer.flush() == 1  # ...the host flushes it, in one request
    (batch,) = langfuse.batches()
    events = batch.json()["batch"]
    assert [problem(e) for e in events] == [None] * len(events)  # every event as Langfuse takes it

    (trace,) = langfuse.bodies("trace-create")
    assert trace["sessionId"] == r.last.identity.id  # the conversation (the console's /conversations/<id>)
    assert trace["userId"] == customer_hash(DEMO_ORG, r.customer)
    assert trace["metadata"]["organization_id"] == DEMO_ORG
    assert trace["metadata"]["turn_id"] == r.last.turn_id
    assert trace["output"] == result.reply and trace["environment"] == "test"

    spans = {s["id"]: s for s in langfuse.bodies("span-create")}
    assert all(s["traceId"] == trace["id"] for s in spans.values())
    nodes = sorted((s for s in spans.values() if "node" in s["metadata"]), key=lambda s: s["startTime"])
    assert [s["name"] for s in nodes] == ["agent", "tools", "agent", "compact"]
    (tool,) = (s for s in spans.values() if "tool" in s["metadata"])
    assert tool["name"] == "check_availability" and spans[tool["parentObservationId"]]["name"] == "tools"
    assert tool["input"] == {"service": "limpieza", "day": "2031-03-04"}
    assert "Huecos libres el martes 2031-03-04" in tool["output"] and tool["level"] == "DEFAULT"

    generations = sorted(langfuse.bodies("generation-create"), key=lambda g: g["startTime"])
    assert len(generations) == 2 == result.stats.model_calls
    for generation in generations:
        assert spans[generation["parentObservationId"]]["name"] == "agent"
        assert generation["model"] == "gpt-4.1-mini"
        usage, cost = generation["usageDetails"], generation["costDetails"]
        assert usage["input"] > 0 and usage["output"] > 0
        assert usage["total"] == usage["input"] + usage.get("input_cached_tokens", 0) + usage["output"]
        assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"))
        assert cost["output"] == pytest.approx(usage["output"] * 1.60 / 1e6)
    tokens = sum(g["usageDetails"]["total"] for g in generations)
    assert tokens == result.stats.prompt_tokens + result.stats.completion_tokens
    assert generations[0]["output"]["tool_calls"][0]["name"] == "check_availability"
    assert generations[1]["output"]["content"] == result.reply

    # The customer's number appears nowhere in what was sent, not even where they wrote it.
    for request in langfuse.batches():
        assert r.customer.encode() not in request.body
        assert r.customer not in str(request.headers)
    assert f"Mi móvil es +{trace['userId']}" in trace["input"]


def test_without_content_only_names_timings_and_numbers_are_sent(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    tracer = _traced(r, langfuse.url, capture_content=False)

    result = _booking_turn(r)
    assert tracer.flush() == 1

    events = langfuse.events()
    assert events and all("input" not in e["body"] and "output" not in e["body"] for e in events)
    sent = b"".join(request.body for request in langfuse.batches())
    for text in ("limpieza", "10:30", result.reply, r.customer):
        assert text.encode() not in sent
    (generation, *_) = langfuse.bodies("generation-create")
    assert generation["usageDetails"]["input"] > 0


def test_each_turn_is_its_own_trace_in_the_same_session(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    tracer = _traced(r, langfuse.url)
    r.model.say("Hola, ¿en qué te ayudo?").say("Abrimos a las 9.")
    r.say("Hola")
    r.say("¿A qué hora abrís?")

    assert tracer.flush() == 2 and len(langfuse.batches()) == 1  # one request for the invocation
    traces = langfuse.bodies("trace-create")
    assert len({t["id"] for t in traces}) == 2
    assert {t["sessionId"] for t in traces} == {r.last.identity.id}
    assert tracer.flush() == 0 and len(langfuse.batches()) == 1  # nothing pending: no request


@pytest.mark.parametrize("outage", ["500", "401", "hang", "refused"])
def test_a_tracing_outage_leaves_the_turn_as_it_was(receptionist: Any, langfuse: FakeLangfuse, outage: str) -> None:
    r = receptionist()
    host = langfuse.url
    if outage == "refused":
        langfuse.stop()  # nothing listens on the port any more
    else:
        langfuse.fail_next(outage)
    tracer = _traced(r, host, flush_seconds=0.5)

    result = _booking_turn(r)
    assert "10:00" in result.reply and result.stats.tool_calls[0]["ok"]

    # The flush gives up within its budget (the fake hangs for 120 s) and does not raise.
    sent: list[int] = []
    flushing = threading.Thread(target=lambda: sent.append(tracer.flush()))
    flushing.start()
    flushing.join(timeout=60)
    assert not flushing.is_alive(), "the flush outlived its budget"
    assert sent == [0] and tracer.dropped == 1 and tracer.pending == 0

    # The next turn is traced as usual once Langfuse is back.
    if outage != "refused":
        r.model.say("De nada.")
        assert r.say("Gracias").reply == "De nada."
        assert tracer.flush() == 1


def test_a_flush_with_no_time_left_sends_nothing(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    tracer = _traced(r, langfuse.url)
    r.model.say("Hola.")
    r.say("Hola")
    assert tracer.flush(0.05) == 0
    assert langfuse.batches() == [] and tracer.dropped == 1


def test_off_no_trace_and_no_request(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    assert r.runner.tracer is None  # as every host builds it unless told otherwise
    r.model.say("Hola.")
    assert r.say("Hola").reply == "Hola."
    assert langfuse.requests == []
    assert tracing._current_trace.get() is None
