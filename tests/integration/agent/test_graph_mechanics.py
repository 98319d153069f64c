"""Graph mechanics against a local OpenAI-protocol server playing a scripted model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel

from devstack.fakes.openai import FakeOpenAI
from receptionist.agent.graph import CAPPED_REPLY, TurnContext, build_graph
from receptionist.agent.model import ModelSettings, chat_model
from receptionist.agent.prompts import Persona
from receptionist.agent.state import Booking, turn_input
from receptionist.agent.toolbox import Toolbox, ToolFailure, ToolOutcome


class Query(BaseModel):
    query: str


@pytest.fixture
def model_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _toolbox() -> Toolbox:
    box = Toolbox()

    def search(args: Query, booking: Booking) -> ToolOutcome:
        if args.query == "boom":
            raise ToolFailure("el servicio no existe")
        return ToolOutcome(f"resultado para {args.query}", booking={"service_name": args.query})

    box.add("knowledge_search", "Busca información del negocio", Query, search)
    return box


def _run(fake: FakeOpenAI, text: str, ctx: TurnContext, thread: str = "t", **kw: int) -> dict[str, object]:
    graph = build_graph(chat_model(ModelSettings(base_url=f"{fake.url}/v1", api_key="k", max_retries=0)), **kw)
    graph.checkpointer = InMemorySaver() if "saver" not in kw else kw["saver"]  # type: ignore[assignment]
    return graph.invoke(turn_input(text), {"configurable": {"thread_id": thread}}, context=ctx)  # type: ignore[return-value]


def test_one_model_call_when_no_tool_is_needed(model_server: FakeOpenAI) -> None:
    model_server.say("¡Hola! ¿En qué puedo ayudarte?")
    ctx = TurnContext(persona=Persona(business_name="Clínica"), toolbox=_toolbox())
    out = _run(model_server, "hola", ctx)
    assert ctx.stats.model_calls == 1
    assert out["messages"][-1].content == "¡Hola! ¿En qué puedo ayudarte?"  # type: ignore[index]
    sent = model_server.completions()[0].json()
    assert sent["messages"][0]["role"] == "system"
    assert [t["function"]["name"] for t in sent["tools"]] == ["knowledge_search"]


def test_one_more_call_per_tool_round_and_booking_state(model_server: FakeOpenAI) -> None:
    model_server.call("knowledge_search", query="limpieza").say("Cuesta 45 €.")
    ctx = TurnContext(persona=Persona(business_name="Clínica"), toolbox=_toolbox())
    out = _run(model_server, "precio limpieza", ctx)
    assert ctx.stats.model_calls == 2
    assert out["booking"] == {"service_name": "limpieza"}
    tool_msg = model_server.completions()[1].json()["messages"][-1]
    assert tool_msg["role"] == "tool" and tool_msg["content"] == "resultado para limpieza"


def test_tool_errors_come_back_as_messages(model_server: FakeOpenAI) -> None:
    model_server.call("knowledge_search", query="boom").call("knowledge_search", wrong=1).call("nope").say("Lo siento.")
    ctx = TurnContext(persona=Persona(business_name="Clínica"), toolbox=_toolbox())
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
    ctx = TurnContext(persona=Persona(business_name="Clínica"), toolbox=_toolbox())
    out = _run(model_server, "x", ctx, max_tool_rounds=2)
    calls = model_server.completions()
    assert len(calls) == 3  # two tool rounds, then a call without tools
    assert "tools" not in calls[-1].json()
    assert ctx.stats.model_calls == 3
    # The model still asked for a tool on the capped call: the turn ends in text anyway.
    assert out["messages"][-1].content == CAPPED_REPLY  # type: ignore[index]
    assert not out["messages"][-1].tool_calls  # type: ignore[index]
    assert model_server.pending == 1


def test_model_endpoint_failure_raises(model_server: FakeOpenAI) -> None:
    model_server.fail_next("500")
    ctx = TurnContext(persona=Persona(business_name="Clínica"), toolbox=_toolbox())
    with pytest.raises(Exception) as err:
        _run(model_server, "hola", ctx)
    assert "500" in str(err.value) or "server" in str(err.value).lower()


def test_long_threads_are_summarized_and_trimmed(model_server: FakeOpenAI) -> None:
    saver = InMemorySaver()
    summaries: list[str] = []
    graph = build_graph(
        chat_model(ModelSettings(base_url=f"{model_server.url}/v1", api_key="k", max_retries=0)),
        max_messages=6,
        keep_messages=2,
    )
    graph.checkpointer = saver
    sizes = []
    for i in range(6):
        model_server.say(f"respuesta {i}")
        if i >= 3:
            model_server.say(f"resumen {i}")
        ctx = TurnContext(persona=Persona(business_name="Clínica"), toolbox=_toolbox(), on_summary=summaries.append)
        out = graph.invoke(turn_input(f"mensaje {i}"), {"configurable": {"thread_id": "long"}}, context=ctx)
        sizes.append(len(out["messages"]))
    assert max(sizes) <= 7
    assert summaries and out["summary"] == summaries[-1]
    last_prompt = model_server.completions()[-2].json()["messages"][0]["content"]
    assert "resumen" in last_prompt
