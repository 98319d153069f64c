"""Run one customer turn through the graph: the entry point the processor and the CLI share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph

from receptionist.agent.graph import TurnContext, TurnStats
from receptionist.agent.memory import thread_id
from receptionist.agent.prompts import Persona
from receptionist.agent.state import AgentState, turn_input
from receptionist.agent.tools import Conversation, build_toolbox
from receptionist.crm import conversations as chat
from receptionist.crm.models import Organization
from receptionist.deadline import Deadline


@dataclass(frozen=True)
class TurnResult:
    reply: str
    stats: TurnStats
    escalations: list[str]


def persona_of(org: Organization) -> Persona:
    s = org.settings
    return Persona(
        business_name=org.name,
        assistant_name=s.assistant_name,
        tone=s.tone,
        instructions=s.instructions,
        language=s.language,
        timezone=s.timezone,
    )


def run_turn(
    graph: CompiledStateGraph[AgentState, TurnContext, Any, Any],
    checkpointer: BaseCheckpointSaver[Any],
    conv: Conversation,
    text: str,
    deadline: Deadline | None = None,
) -> TurnResult:
    """Raises when the model fails for good or the deadline passes (the processor retries, then
    falls back). The reply is empty when the model said nothing."""
    org = conv.organization

    def save_summary(summary: str) -> None:
        chat.save_thread_summary(conv.db, org.id, conv.identity.id, summary)

    ctx = TurnContext(
        persona=persona_of(org),
        toolbox=build_toolbox(conv),
        on_summary=save_summary,
        now=conv.now,
        deadline=deadline or Deadline.never(),
    )
    bound = graph.copy(update={"checkpointer": checkpointer})
    config: RunnableConfig = {"configurable": {"thread_id": thread_id(org.id, conv.identity.customer_number)}}
    with conv.db.acting_for(org.id):  # every tool's statement is for this organization only (RLS)
        state = bound.invoke(turn_input(text, conv.turn_id), config, context=ctx)
    last = state["messages"][-1]
    reply = str(last.content).strip() if isinstance(last, AIMessage) else ""
    return TurnResult(reply=reply, stats=ctx.stats, escalations=list(conv.escalations))
