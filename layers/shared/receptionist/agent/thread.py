"""Keeping a thread one the model accepts, whatever an earlier turn left behind.

OpenAI rejects a history where an assistant message asks for tools and the tool results do not
follow it (HTTP 400), so a turn that crashed mid-tool would otherwise break its conversation
until the checkpoint expires. Before a turn's first model call the thread is checked and, only
when needed, rewritten (in the same checkpoint step as the model's answer):
- messages after the newest customer message are an earlier attempt of this same turn (the
  turn's customer message has a stable id, so a retry replaces it in place): they are dropped
  and the turn runs again (its bookings and escalations are idempotent per turn);
- a tool call without a result gets a "not executed" result right after its assistant message;
- a tool result whose call is gone is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

NOT_EXECUTED = "No ejecutada: la conversación se interrumpió antes de terminar esta acción."


def repaired(messages: Sequence[BaseMessage]) -> list[BaseMessage] | None:
    """The thread made valid, or None when it already is (nothing to write)."""
    last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
    head = list(messages[: last_human + 1]) if last_human >= 0 else list(messages)
    changed = last_human >= 0 and last_human < len(messages) - 1
    out: list[BaseMessage] = []
    open_calls: dict[str, str] = {}  # tool call id -> tool name, of the last assistant message

    def close_open() -> None:
        nonlocal changed
        for call_id, name in open_calls.items():
            out.append(ToolMessage(content=NOT_EXECUTED, tool_call_id=call_id, name=name))
            changed = True
        open_calls.clear()

    for message in head:
        if isinstance(message, ToolMessage):
            if message.tool_call_id in open_calls:
                open_calls.pop(message.tool_call_id)
                out.append(message)
            else:
                changed = True  # an orphan result: its call is not in the thread
            continue
        close_open()
        out.append(message)
        if isinstance(message, AIMessage) and message.tool_calls:
            open_calls = {str(c.get("id") or c["name"]): c["name"] for c in message.tool_calls}
    close_open()
    return out if changed else None
