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


def turn_input(text: str) -> dict[str, Any]:
    """The graph input for one customer turn."""
    from langchain_core.messages import HumanMessage

    return {"messages": [HumanMessage(content=text)], "tool_rounds": 0}
