"""The graph's nodes: module-level functions of the state and the turn's runtime context.

    agent   one model call (tools bound while tool rounds remain)
    tools   run the tool calls of the model's last message
    compact fold the oldest messages of a long thread into the summary

Every model call is bounded by the turn's deadline and retried on transient errors only while
time remains.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import Any, Literal

import openai
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.runtime import Runtime

from receptionist.agent import history, tracing
from receptionist.agent.catalogue_prompt import estimated_tokens
from receptionist.agent.context import TurnContext, TurnStats
from receptionist.agent.prompts import SUMMARY_PROMPT, static_prompt, turn_context
from receptionist.agent.state import AgentState, Booking
from receptionist.agent.thread import repaired
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import DEFAULT_LOCALE, customer_locale

logger = logging.getLogger(__name__)

# The transcript a summary is made of: at most this many times the history bound (normally it is
# about one bound: what compacting folds away at a time).
SUMMARY_INPUT_BOUND = 2
OUT_OF_TOOL_ROUNDS = "No puedes usar más herramientas en este turno: responde al cliente ya."
MODEL_CALL_SECONDS = 25.0  # one model request, at most
MODEL_ATTEMPTS = 3  # per model call, while the deadline allows
# Worth another attempt: the request may succeed a moment later.
TRANSIENT_MODEL_ERRORS = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


def call_model(
    model: Runnable[LanguageModelInput, BaseMessage], messages: list[BaseMessage], ctx: TurnContext
) -> BaseMessage:
    """One model call inside the turn's deadline: each request's timeout is what is left (at
    most MODEL_CALL_SECONDS); a transient failure is tried again after a short jittered wait
    when time remains. Raises the last error, or DeadlineExceeded."""
    for attempt in range(MODEL_ATTEMPTS):
        timeout = ctx.deadline.timeout(MODEL_CALL_SECONDS, what="the model")
        try:
            with tracing.generation(ctx.model, messages) as traced:
                reply = model.invoke(messages, timeout=timeout)
                traced.record_reply(reply)
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
    # Prompt tokens the provider served from its prompt cache (OpenAI: usage.prompt_tokens_details).
    stats.cached_tokens += int((usage.get("input_token_details") or {}).get("cache_read", 0) or 0)


@tracing.node("agent")
def agent(state: AgentState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """One model call: the business's static prompt, the thread, and the turn's context (time,
    summary, booking in progress) just before the turn's customer message.

    On a turn's first call the thread is first made one the model accepts (agent/thread.py: what
    a crashed turn left behind); the fix is written only when one was needed. Out of tool rounds,
    the model is called without tools and must answer in text."""
    ctx = runtime.context
    rounds = state.get("tool_rounds", 0)
    thread: list[BaseMessage] = list(state.get("messages", []))
    fixed = repaired(thread) if rounds == 0 else None
    if fixed is not None:
        logger.warning("thread repaired before the turn", extra={"messages": len(fixed)})
        thread = fixed
    context = turn_context(
        ctx.persona, ctx.now(), state.get("summary", ""), state.get("booking"), _customer_language(ctx)
    )
    sent, left_out = with_turn_context(thread, SystemMessage(context), ctx.limits.history_tokens)
    if left_out and rounds == 0:
        logger.warning("thread over its token bound; its oldest messages left out", extra={"messages": left_out})
    messages: list[BaseMessage] = [SystemMessage(static_prompt(ctx.persona, ctx.catalogue)), *sent]
    if rounds >= ctx.limits.max_tool_rounds:
        reply = _answer_without_tools(messages, ctx)
    else:
        reply = call_model(ctx.model.bind_tools(ctx.toolbox.schemas), messages, ctx)
    if fixed is not None:
        return {"messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), *fixed, reply]}
    return {"messages": [reply]}


def _customer_language(ctx: TurnContext) -> str | None:
    """The customer's locale when known (their business's country for Spanish), else None: the
    prompt's default (the business's language) stands."""
    conversation = ctx.conversation
    if conversation is None or conversation.identity.language is None:
        return None
    return customer_locale(conversation.identity.language, conversation.organization.settings.language)


def with_turn_context(
    thread: list[BaseMessage], context: SystemMessage, history_tokens: int
) -> tuple[list[BaseMessage], int]:
    """The thread with the turn's context before its last customer message: what precedes it is
    the same as in the previous turn's requests, so a provider's prompt cache serves it.

    The earlier turns are bounded by `history_tokens`. `compact` keeps a thread under it; when it
    could not (a summary call failed, a turn crashed before compacting, a thread from before the
    bound), only the newest that fit are sent, and the rest are folded into the summary when this
    turn ends. Also returns how many messages were left out."""
    last_human = history.last_customer_message(thread)
    earlier = thread[:last_human]
    start = history.newest_within(earlier, history_tokens)
    return [*earlier[start:], context, *thread[last_human:]], start


def _answer_without_tools(messages: list[BaseMessage], ctx: TurnContext) -> BaseMessage:
    reply = call_model(ctx.model, [*messages, SystemMessage(OUT_OF_TOOL_ROUNDS)], ctx)
    if isinstance(reply, AIMessage) and reply.tool_calls:
        # A model that insists on tools gets no more rounds: keep a text-only answer.
        # the code's sentence, in the customer's locale
        capped = message(ctx.conversation.locale if ctx.conversation else DEFAULT_LOCALE, "capped_reply")
        return AIMessage(content=str(reply.content) or capped, id=reply.id)
    return reply


@tracing.node("tools")
def tools(state: AgentState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Run the tool calls of the last assistant message, each answered by one tool result
    (errors included), and merge what they learned into the booking in progress."""
    ctx = runtime.context
    last = state["messages"][-1]
    assert isinstance(last, AIMessage)
    booking = Booking(**(state.get("booking") or {}))
    changed = False
    results: list[ToolMessage] = []
    for call in last.tool_calls:
        outcome = ctx.toolbox.execute(call["name"], call.get("args") or {})
        if outcome.booking is not None:  # {} clears the booking, a dict merges into it
            booking = Booking(**{**booking, **outcome.booking}) if outcome.booking else Booking()
            changed = True
        ctx.stats.tool_calls.append({"name": call["name"], "args": call.get("args"), "ok": outcome.ok})
        results.append(ToolMessage(content=outcome.text, tool_call_id=call["id"] or call["name"], name=call["name"]))
    out: dict[str, Any] = {"messages": results, "tool_rounds": state.get("tool_rounds", 0) + 1}
    if changed:
        out["booking"] = booking
    return out


def route(state: AgentState) -> Literal["tools", "compact"]:
    """Tools when the model asked for them, else the turn is over."""
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "compact"


@tracing.node("compact")
def compact(state: AgentState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Fold the oldest messages of a long thread into the summary. Best effort: the turn's
    answer is already made, so a failure here only leaves the thread long until next time."""
    ctx = runtime.context
    limits = ctx.limits
    messages = state.get("messages", [])
    if len(messages) <= limits.max_messages and history.tokens(messages) <= limits.history_tokens:
        return {}
    by_count = _safe_cut(messages, len(messages) - limits.keep_messages)
    by_tokens = history.newest_within(messages, limits.keep_tokens)
    # Never this turn's own messages: the answer is the last of them.
    cut = min(history.last_customer_message(messages), max(by_count, by_tokens))
    if cut <= 0:
        return {}
    old = messages[:cut]
    transcript = _newest_lines([line for line in map(_line, old) if line], SUMMARY_INPUT_BOUND * limits.history_tokens)
    previous = state.get("summary") or "-"
    request = [
        SystemMessage(SUMMARY_PROMPT.format(business_name=ctx.persona.business_name, previous=previous)),
        HumanMessage(transcript),
    ]
    try:
        summary = str(call_model(ctx.model, request, ctx).content).strip()
    except Exception as exc:
        logger.warning("thread not summarized", extra={"error": type(exc).__name__})
        return {}
    ctx.stats.summarized = True
    if ctx.on_summary:
        ctx.on_summary(summary)
    return {"summary": summary, "messages": [RemoveMessage(id=m.id) for m in old if m.id]}


def _newest_lines(lines: list[str], budget: int) -> str:
    """The transcript to summarize, at most `budget` estimated tokens: its newest lines. Only a
    thread that went uncompacted for long (summaries failing) has more; what is cut is the
    oldest, and the previous summary still carries what it held."""
    kept: list[str] = []
    total = 0
    for line in reversed(lines):
        total += estimated_tokens(line) + 1
        if total > budget:
            kept.append("(…)")
            break
        kept.append(line)
    return "\n".join(reversed(kept))


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
