"""The history bound's arithmetic (agent/history.py): an estimate that errs high, tool calls
counted with their arguments, and cuts that fall on a customer message only."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from receptionist.agent import history
from receptionist.agent.context import GraphLimits


def _turn(i: int, chars: int, tools: bool = False) -> list[BaseMessage]:
    said: list[BaseMessage] = [HumanMessage(f"{i}" + "x" * (chars - 1))]
    if tools:
        call = {"name": "check_availability", "args": {"service": "limpieza", "day": "2031-03-04"}, "id": f"c{i}"}
        said += [AIMessage("", tool_calls=[call]), ToolMessage("y" * chars, tool_call_id=f"c{i}")]
    return [*said, AIMessage("vale")]


def test_the_estimate_errs_high_and_counts_tool_calls() -> None:
    assert history.message_tokens(HumanMessage("x" * 3500)) == 1000 + history.MESSAGE_OVERHEAD_TOKENS
    call = AIMessage("", tool_calls=[{"name": "book_appointment", "args": {"start": "2031-03-04 10:00"}, "id": "1"}])
    assert history.message_tokens(call) > history.MESSAGE_OVERHEAD_TOKENS + 5


def test_the_newest_messages_within_a_budget_start_at_a_customer_message() -> None:
    thread = [*_turn(0, 700, tools=True), *_turn(1, 700, tools=True), *_turn(2, 700, tools=True)]
    whole = history.tokens(thread)
    assert history.newest_within(thread, whole) == 0
    one_turn = history.tokens(thread[8:])
    start = history.newest_within(thread, one_turn + 50)  # a turn and a bit: not the tool result before it
    assert start == 8 and isinstance(thread[start], HumanMessage)
    assert history.newest_within(thread, 10) == len(thread)  # not even the last turn fits
    assert history.last_customer_message(thread) == 8


def test_what_compacting_keeps_is_half_the_bound() -> None:
    assert GraphLimits().history_tokens == 3000 and GraphLimits().keep_tokens == 1500
    assert GraphLimits(history_tokens=801).keep_tokens == 400
