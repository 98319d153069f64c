"""What the graph remembers between turns (checkpointed in DynamoDB)."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


class Booking(TypedDict, total=False):
    """The booking in progress: filled in by the tools as the customer decides."""

    service_id: str
    service_name: str
    member_id: str
    member_name: str
    day: str  # YYYY-MM-DD in the organization's timezone
    slot_start: str  # ISO 8601 with offset, organization's timezone
    contact_id: str
    appointment_id: str  # once booked


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    booking: Booking  # replaced whole by the tools node
    summary: str  # summary of messages trimmed from the thread
    tool_rounds: int  # tool rounds in the current turn (reset at each turn)


def turn_input(text: str, turn_id: str | None = None) -> dict[str, Any]:
    """The graph input for one customer turn. With the turn's id the customer message gets a
    stable id, so a retried turn replaces its own message instead of adding it twice."""
    from langchain_core.messages import HumanMessage

    message = HumanMessage(content=text, id=f"turn-{turn_id}") if turn_id else HumanMessage(content=text)
    return {"messages": [message], "tool_rounds": 0}
