"""Graph mechanics against a local OpenAI-protocol server playing a scripted model."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel

from devstack.fakes.openai import FakeOpenAI, history_error
from receptionist.agent.context import GraphLimits, TurnContext
from receptionist.agent.graph import build_graph
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.prompts import Persona
from receptionist.agent.state import turn_input
from receptionist.agent.thread import NOT_EXECUTED
from receptionist.agent.toolbox import INTERNAL_ERROR, Tool, Toolbox, ToolFailure, ToolOutcome
from receptionist.deadline import Deadline, DeadlineExceeded
from receptionist.i18n.catalogues import message


class Query(BaseModel):
    query: str


@pytest.fixture
def model_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _toolbox() -> Toolbox:
    def search(args: Query) -> ToolOutcome:
        if args.query == "boom":
            raise ToolFailure("el servicio no existe")
        return ToolOutcome(f"resultado para {args.query}", booking={"service_name": args.query})

    return Toolbox(Tool("knowledge_search", "Busca información del negocio", Query, search))


def _context(fake: FakeOpenAI, **kw: Any) -> TurnContext:
    model = chat_model(ModelSettings(base_url=f"{fake.url}/v1", api_key="k", max_retries=0))
    return TurnContext(model=model, persona=Persona(business_name="Clínica"), **kw)


def _run(
    fake: FakeOpenAI, text: str, ctx: TurnContext, thread: str = "t", saver: InMemorySaver | None = None, **kw: int
) -> dict[str, object]:
    if kw:
        ctx.limits = GraphLimits(**kw)
    graph = build_graph()
    graph.checkpointer = saver or InMemorySaver()
    return graph.invoke(turn_input(text), {"configurable": {"thread_id": thread}}, context=ctx)  # type: ignore[return-value]


def test_one_model_call_when_no_tool_is_needed(model_server: FakeOpenAI) -> None:
    model_server.say("¡Hola! ¿En qué puedo ayudarte?")
    ctx = _context(model_server, toolbox=_toolbox())
    out = _run(model_server, "hola", ctx)
    assert ctx.stats.model_calls == 1
    assert out["messages"][-1].content == "¡Hola! ¿En qué puedo ayudarte?"  # type: ignore[index]
    sent = model_server.completions()[0].json()
    assert sent["messages"][0]["role"] == "system"
    assert [t["function"]["name"] for t in sent["tools"]] == ["knowledge_search"]


def test_one_more_call_per_tool_round_and_booking_state(model_server: FakeOpenAI) -> None:
    model_server.call("knowledge_search", query="limpieza").say("Cuesta 45 €.")
    ctx = _context(model_server, toolbox=_toolbox())
    out = _run(model_server, "precio limpieza", ctx)
    assert ctx.stats.model_calls == 2
    assert out["booking"] == {"service_name": "limpieza"}
    tool_msg = model_server.completions()[1].json()["messages"][-1]
    assert tool_msg["role"] == "tool" and tool_msg["content"] == "resultado para limpieza"


def test_tool_errors_come_back_as_messages(model_server: FakeOpenAI) -> None:
    model_server.call("knowledge_search", query="boom").call("knowledge_search", wrong=1).call("nope").say("Lo siento.")
    ctx = _context(model_server, toolbox=_toolbox())
    out = _run(model_server, "x", ctx)
    contents = [m["content"] for m in model_server.completions()[-1].json()["messages"] if m["role"] == "tool"]
    assert contents[0] == "Error: el servicio no existe"
    assert contents[1].startswith("Error: argumentos no válidos")
    assert contents[2] == "Error: la herramienta nope no existe."
    assert out["messages"][-1].content == "Lo siento."  # type: ignore[index]
    assert [c["ok"] for c in ctx.stats.tool_calls] == [False, False, False]


def test_tool_round_cap_forces_a_text_answer(model_server: FakeOpenAI) -> None:
    for i in range(3):
        model_server.call("knowledge_search", query=f"q{i}")
    model_server.say("Te paso con una persona.")
    ctx = _context(model_server, toolbox=_toolbox())
    out = _run(model_server, "x", ctx, max_tool_rounds=2)
    calls = model_server.completions()
    assert len(calls) == 3  # two tool rounds, then a call without tools
    assert "tools" not in calls[-1].json()
    assert ctx.stats.model_calls == 3
    # The model still asked for a tool on the capped call: the turn ends in text anyway.
    assert out["messages"][-1].content == message("es", "capped_reply")  # type: ignore[index]
    assert not out["messages"][-1].tool_calls  # type: ignore[index]
    assert model_server.pending == 1


def test_model_endpoint_failure_raises(model_server: FakeOpenAI) -> None:
    model_server.fail_next("500")
    ctx = _context(model_server, toolbox=_toolbox())
    with pytest.raises(Exception) as err:
        _run(model_server, "hola", ctx)
    assert "500" in str(err.value) or "server" in str(err.value).lower()


def test_long_threads_are_summarized_and_trimmed(model_server: FakeOpenAI) -> None:
    saver = InMemorySaver()
    summaries: list[str] = []
    graph = build_graph()
    graph.checkpointer = saver
    sizes = []
    for i in range(6):
        model_server.say(f"respuesta {i}")
        if i >= 3:
            model_server.say(f"resumen {i}")
        ctx = _context(
            model_server,
            toolbox=_toolbox(),
            on_summary=summaries.append,
            limits=GraphLimits(max_messages=6, keep_messages=2),
        )
        out = graph.invoke(turn_input(f"mensaje {i}"), {"configurable": {"thread_id": "long"}}, context=ctx)
        sizes.append(len(out["messages"]))
    assert max(sizes) <= 7
    assert summaries and out["summary"] == summaries[-1]
    last_prompt = "\n".join(
        m["content"] for m in model_server.completions()[-2].json()["messages"] if m["role"] == "system"
    )
    assert "resumen" in last_prompt


def _earlier_turns(body: dict[str, Any]) -> list[dict[str, Any]]:
    """A request's history: between the static system prompt and the turn's context (the second
    system message)."""
    messages = body["messages"]
    context = next(i for i, m in enumerate(messages) if i > 0 and m["role"] == "system")
    return list(messages[1:context])


def _summarizes_turn_tags(body: dict[str, Any]) -> dict[str, Any]:
    """Summaries name every "turno N" they were given (the old turns and the previous summary);
    answers are short."""
    if str(body["messages"][0]["content"]).startswith("Resume"):
        seen = {int(n) for m in body["messages"] for n in re.findall(r"turno (\d+)", str(m["content"]))}
        return {"role": "assistant", "content": "Resumen: " + ", ".join(f"turno {n}" for n in sorted(seen))}
    return {"role": "assistant", "content": "Entendido, ¿algo más?"}


def test_a_long_history_is_bounded_in_tokens_and_the_summary_carries_the_rest(model_server: FakeOpenAI) -> None:
    """Turns of 4,000 characters (a burst at TURN_MAX_CHARS): every request carries at most the
    default bound of earlier turns (3,000 tokens, estimated at 3.5 characters a token), and each
    earlier turn is either in the request or in the summary it carries."""
    model_server.responder = _summarizes_turn_tags
    graph = build_graph()
    graph.checkpointer = InMemorySaver()
    turns = 12
    for i in range(turns):
        ctx = _context(model_server, toolbox=_toolbox())
        text = f"turno {i}: " + ("palabra " * 500)[: 4000 - len(f"turno {i}: ")]
        graph.invoke(turn_input(text, f"t{i}"), {"configurable": {"thread_id": "burst"}}, context=ctx)

    answers = [r.json() for r in model_server.completions() if r.json().get("tools")]
    assert len(answers) == turns
    bound_chars = 3000 * 3.5  # the default bound (GraphLimits.history_tokens, TURN_HISTORY_TOKENS)
    for body in answers:
        earlier = _earlier_turns(body)
        assert sum(len(str(m.get("content") or "")) for m in earlier) <= bound_chars
    last = answers[-1]
    in_history = {int(n) for m in _earlier_turns(last) for n in re.findall(r"turno (\d+)", str(m["content"]))}
    context = next(m["content"] for m in last["messages"][1:] if m["role"] == "system")
    in_summary = {int(n) for n in re.findall(r"turno (\d+)", context)}
    assert in_history and in_summary and max(in_summary) < min(in_history)
    assert in_history | in_summary == set(range(turns - 1))  # every earlier turn, old ones summarized
    customer = sum(len(str(m["content"])) for m in last["messages"] if m["role"] == "user")
    assert customer <= bound_chars + 4000
    assert GraphLimits().history_tokens == 3000


class ProcessDied(BaseException):
    """Stands for the process dying mid-tool (a Lambda timeout, SIGKILL): nothing catches it."""


def _crashing_toolbox() -> Toolbox:
    def search(args: Query) -> ToolOutcome:
        if args.query == "die":
            raise ProcessDied
        if args.query == "overflow":
            raise OverflowError("date value out of range")
        return ToolOutcome(f"resultado para {args.query}")

    return Toolbox(Tool("knowledge_search", "Busca información del negocio", Query, search))


def test_any_exception_in_a_tool_becomes_a_result_the_model_can_explain(
    model_server: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    model_server.call("knowledge_search", query="overflow").say("Ahora mismo no puedo consultarlo, perdona.")
    ctx = _context(model_server, toolbox=_crashing_toolbox())
    out = _run(model_server, "¿hay hueco el 31 de diciembre del 9999?", ctx)
    tool = [m for m in model_server.completions()[-1].json()["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in tool] == [INTERNAL_ERROR]
    assert out["messages"][-1].content == "Ahora mismo no puedo consultarlo, perdona."  # type: ignore[index]
    assert ctx.stats.tool_calls[0]["ok"] is False
    logged = [r for r in caplog.records if r.getMessage() == "tool failed"]
    assert logged and logged[0].error == "OverflowError"  # type: ignore[attr-defined]
    assert "9999" not in caplog.text  # the customer's words are not logged


def test_a_checkpoint_left_by_a_crashed_turn_is_repaired_and_the_next_turn_answered(
    model_server: FakeOpenAI,
) -> None:
    saver = InMemorySaver()
    model_server.call("knowledge_search", query="die")
    ctx = _context(model_server, toolbox=_crashing_toolbox())
    with pytest.raises(ProcessDied):
        _run(model_server, "precio limpieza", ctx, saver=saver)
    graph = build_graph()
    graph.checkpointer = saver
    stored = graph.get_state({"configurable": {"thread_id": "t"}}).values["messages"]
    assert stored[-1].tool_calls  # the thread ends in a call with no result: OpenAI would refuse it

    model_server.say("La limpieza cuesta 45 €.")
    ctx = _context(model_server, toolbox=_crashing_toolbox())
    out = _run(model_server, "¿me dices el precio?", ctx, saver=saver)

    assert out["messages"][-1].content == "La limpieza cuesta 45 €."  # type: ignore[index]
    sent = model_server.completions()[-1].json()["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "system", "user"]
    assert sent[3]["content"] == NOT_EXECUTED
    assert history_error(sent) is None


def test_without_the_repair_the_model_would_refuse_the_thread() -> None:
    """The check the fake model applies (as OpenAI does) really catches a dangling call."""
    dangling = [
        {"role": "user", "content": "hola"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
        {"role": "user", "content": "¿sigues?"},
    ]
    assert history_error(dangling) is not None and "c1" in (history_error(dangling) or "")


def test_a_retried_turn_replaces_its_own_message_instead_of_repeating_it(model_server: FakeOpenAI) -> None:
    saver = InMemorySaver()
    graph = build_graph()
    graph.checkpointer = saver
    config = {"configurable": {"thread_id": "retry"}}
    ctx = _context(model_server, toolbox=_crashing_toolbox())
    model_server.call("knowledge_search", query="die")
    with pytest.raises(ProcessDied):
        graph.invoke(turn_input("precio limpieza", "wamid.T1"), config, context=ctx)  # type: ignore[arg-type]
    model_server.say("Cuesta 45 €.")
    ctx = _context(model_server, toolbox=_crashing_toolbox())
    out = graph.invoke(turn_input("precio limpieza", "wamid.T1"), config, context=ctx)  # type: ignore[arg-type]
    assert [type(m).__name__ for m in out["messages"]] == ["HumanMessage", "AIMessage"]
    assert out["messages"][-1].content == "Cuesta 45 €."


def test_a_transient_model_failure_is_retried_within_the_turn(model_server: FakeOpenAI) -> None:
    model_server.fail_next("500", "429")
    model_server.say("¡Hola!")
    waits: list[float] = []
    ctx = _context(model_server, toolbox=_toolbox(), sleep=waits.append)
    out = _run(model_server, "hola", ctx)
    assert out["messages"][-1].content == "¡Hola!"  # type: ignore[index]
    assert len(model_server.completions()) == 3 and ctx.stats.model_calls == 1
    assert len(waits) == 2 and all(0 <= w <= 1.0 for w in waits)


def test_a_hanging_model_is_cut_off_by_the_turns_deadline(model_server: FakeOpenAI) -> None:
    model_server.hang_seconds = 20
    model_server.fail_next("hang", "hang", "hang")
    ctx = _context(model_server, toolbox=_toolbox(), deadline=Deadline.after(2.0), sleep=lambda s: None)
    started = time.monotonic()
    with pytest.raises((DeadlineExceeded, openai.APITimeoutError)):
        _run(model_server, "hola", ctx)
    assert time.monotonic() - started < 10  # well before the model's own 25 s timeout
