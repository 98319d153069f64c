"""The receptionist graph: agent (one model call) <-> tools, then compact long threads.

One model call per turn when no tool is needed, plus one per tool round; no routing call.
After `max_tool_rounds` rounds the model is called without tools so it must answer in text.
Every model call is bounded by the turn's deadline and retried on transient errors only while
time remains. Compiled without a checkpointer: the host (processor, CLI, tests) injects one.
Per-turn context (organization, customer, CRM access) comes through LangGraph's runtime
context, never through the model: tools cannot be pointed at another tenant.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import openai
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from receptionist.agent.prompts import SUMMARY_PROMPT, Persona, system_prompt
from receptionist.agent.state import AgentState, Booking
from receptionist.agent.thread import repaired
from receptionist.agent.toolbox import Toolbox
from receptionist.deadline import Deadline

logger = logging.getLogger(__name__)

DEFAULT_MAX_TOOL_ROUNDS = 4
CAPPED_REPLY = "Perdona, no he podido completar la gestión. ¿Quieres que te pase con una persona del equipo?"
# Keep at most this many messages in the thread; older ones are folded into the summary.
DEFAULT_MAX_MESSAGES = 40
DEFAULT_KEEP_MESSAGES = 16
MODEL_CALL_SECONDS = 25.0  # one model request, at most
MODEL_ATTEMPTS = 3  # per model call, while the deadline allows
# Worth another attempt: the request may succeed a moment later.
TRANSIENT_MODEL_ERRORS = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


@dataclass
class TurnStats:
    """What one turn cost: filled in by the graph's nodes."""

    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    summarized: bool = False


@dataclass
class TurnContext:
    """Run-scoped context for one turn (LangGraph runtime context)."""

    persona: Persona
    toolbox: Toolbox
    on_summary: Callable[[str], None] | None = None  # persist the summary (thread_summaries)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    deadline: Deadline = field(default_factory=Deadline.never)
    stats: TurnStats = field(default_factory=TurnStats)
    sleep: Callable[[float], None] = time.sleep


def call_model(
    model: Runnable[LanguageModelInput, BaseMessage], messages: list[BaseMessage], ctx: TurnContext
) -> BaseMessage:
    """One model call inside the turn's deadline: each request's timeout is what is left (at
    most MODEL_CALL_SECONDS); a transient failure is tried again after a short jittered wait
    when time remains. Raises the last error, or DeadlineExceeded."""
    for attempt in range(MODEL_ATTEMPTS):
        timeout = ctx.deadline.timeout(MODEL_CALL_SECONDS, what="the model")
        try:
            reply = model.invoke(messages, timeout=timeout)
        except TRANSIENT_MODEL_ERRORS as exc:
            wait = random.uniform(0, 0.5 * 2**attempt)  # noqa: S311 - jitter only
            if attempt == MODEL_ATTEMPTS - 1 or ctx.deadline.remaining() - wait < MODEL_CALL_SECONDS / 5:
                raise
            logger.warning("model call failed; trying again", extra={"error": type(exc).__name__})
            ctx.sleep(wait)
            continue
        _count_usage(ctx.stats, reply)
        return reply
    raise AssertionError("unreachable")  # pragma: no cover


def _count_usage(stats: TurnStats, message: BaseMessage) -> None:
    stats.model_calls += 1
    usage = getattr(message, "usage_metadata", None) or {}
    stats.prompt_tokens += int(usage.get("input_tokens", 0))
    stats.completion_tokens += int(usage.get("output_tokens", 0))


def build_graph(
    model: BaseChatModel,
    *,
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
    max_messages: int = DEFAULT_MAX_MESSAGES,
    keep_messages: int = DEFAULT_KEEP_MESSAGES,
) -> CompiledStateGraph[AgentState, TurnContext, Any, Any]:
    def agent(state: AgentState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        """One model call with the persona, the time, the summary and the booking in progress.
        On a turn's first call the thread is first made one the model accepts (agent/thread.py:
        what a crashed turn left behind); the fix is written only when one was needed."""
        ctx = runtime.context
        thread: list[BaseMessage] = list(state.get("messages", []))
        fixed = repaired(thread) if state.get("tool_rounds", 0) == 0 else None
        if fixed is not None:
            logger.warning("thread repaired before the turn", extra={"messages": len(fixed)})
            thread = fixed
        prompt = system_prompt(ctx.persona, ctx.now(), state.get("summary", ""), state.get("booking"))
        messages: list[BaseMessage] = [SystemMessage(prompt), *thread]
        if state.get("tool_rounds", 0) >= max_tool_rounds:
            # Out of tool rounds: the model must answer with what it has.
            messages.append(SystemMessage("No puedes usar más herramientas en este turno: responde al cliente ya."))
            reply = call_model(model, messages, ctx)
            if isinstance(reply, AIMessage) and reply.tool_calls:
                # A model that insists on tools gets no more rounds: keep a text-only answer.
                reply = AIMessage(content=str(reply.content) or CAPPED_REPLY, id=reply.id)
        else:
            reply = call_model(model.bind_tools(ctx.toolbox.schemas), messages, ctx)
        if fixed is not None:
            return {"messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), *fixed, reply]}
        return {"messages": [reply]}

    def tools(state: AgentState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        """Run the tool calls of the last assistant message, each answered by one tool result
        (errors included), and merge what they learned into the booking in progress."""
        ctx = runtime.context
        last = state["messages"][-1]
        assert isinstance(last, AIMessage)
        booking: Booking = Booking(**(state.get("booking") or {}))
        changed = False
        results: list[ToolMessage] = []
        for call in last.tool_calls:
            outcome = ctx.toolbox.execute(call["name"], call.get("args") or {}, booking)
            if outcome.booking is not None:  # {} clears the booking, a dict merges into it
                booking = Booking(**{**booking, **outcome.booking}) if outcome.booking else Booking()
                changed = True
            ctx.stats.tool_calls.append({"name": call["name"], "args": call.get("args"), "ok": outcome.ok})
            results.append(
                ToolMessage(content=outcome.text, tool_call_id=call["id"] or call["name"], name=call["name"])
            )
        out: dict[str, Any] = {"messages": results, "tool_rounds": state.get("tool_rounds", 0) + 1}
        if changed:
            out["booking"] = booking
        return out

    def route(state: AgentState) -> Literal["tools", "compact"]:
        """Tools when the model asked for them, else the turn is over."""
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "compact"

    def compact(state: AgentState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
        """Fold the oldest messages of a long thread into the summary. Best effort: the turn's
        answer is already made, so a failure here only leaves the thread long until next time."""
        messages = state.get("messages", [])
        if len(messages) <= max_messages:
            return {}
        cut = _safe_cut(messages, len(messages) - keep_messages)
        if cut <= 0:
            return {}
        ctx = runtime.context
        old = messages[:cut]
        transcript = "\n".join(_line(m) for m in old if _line(m))
        request = [
            SystemMessage(
                SUMMARY_PROMPT.format(business_name=ctx.persona.business_name, previous=state.get("summary") or "-")
            ),
            HumanMessage(transcript),
        ]
        try:
            summary_msg = call_model(model, request, ctx)
        except Exception as exc:
            logger.warning("thread not summarized", extra={"error": type(exc).__name__})
            return {}
        summary = str(summary_msg.content).strip()
        ctx.stats.summarized = True
        if ctx.on_summary:
            ctx.on_summary(summary)
        return {"summary": summary, "messages": [RemoveMessage(id=m.id) for m in old if m.id]}

    graph = StateGraph(AgentState, context_schema=TurnContext)
    graph.add_node("agent", agent)
    graph.add_node("tools", tools)
    graph.add_node("compact", compact)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", route, ["tools", "compact"])
    graph.add_edge("tools", "agent")
    graph.add_edge("compact", END)
    return graph.compile(name="receptionist")


def _safe_cut(messages: Sequence[BaseMessage], at: int) -> int:
    """Move the cut back to a customer message so no tool result loses its tool call."""
    for i in range(at, 0, -1):
        if isinstance(messages[i], HumanMessage):
            return i
    return 0


def _line(message: BaseMessage) -> str:
    if isinstance(message, HumanMessage):
        return f"Cliente: {message.content}"
    if isinstance(message, AIMessage) and message.content:
        return f"Recepcionista: {message.content}"
    if isinstance(message, ToolMessage):
        return f"(herramienta {message.name}: {str(message.content)[:300]})"
    return ""
