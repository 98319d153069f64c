"""Run one customer turn through the graph: the entry point the processor, the CLI, the tests
and the bench share."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver

from receptionist.agent import tracing
from receptionist.agent.catalogue_prompt import CatalogueBlocks
from receptionist.agent.context import Conversation, GraphLimits, TurnContext, TurnStats
from receptionist.agent.graph import Graph, build_graph
from receptionist.agent.knowledge import KnowledgeSearch
from receptionist.agent.memory import prune_superseded, thread_id
from receptionist.agent.prompts import Persona
from receptionist.agent.state import turn_input
from receptionist.agent.tools import CATALOGUE_TOOLS, RECEPTIONIST_TOOLS
from receptionist.crm import chats
from receptionist.crm.models import Organization
from receptionist.deadline import Deadline
from receptionist.messages import Choice

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnResult:
    reply: str
    stats: TurnStats
    escalations: list[str]
    # Options the reply offers to tap (the latest offering tool's), only with a non-empty reply.
    choices: list[Choice] = field(default_factory=list)
    opted_out: bool = False  # the opt_out tool opted the customer out in this turn
    handoff_note: str | None = None  # escalated outside the hours: when someone answers (the code's words)


def persona_of(org: Organization) -> Persona:
    s = org.settings
    return Persona(
        business_name=org.name,
        assistant_name=s.assistant_name,
        tone=s.tone,
        instructions=s.instructions,
        language=s.language,
        timezone=s.timezone,
        emergency_number=s.emergency_number,
    )


@dataclass(frozen=True)
class TurnRunner:
    """What a warm container keeps between turns: the chat model, the compiled graph, the
    checkpointer the host injects into it, each business's catalogue block, and the search's
    embeddings (None: full-text and trigram search only)."""

    model: BaseChatModel
    checkpointer: BaseCheckpointSaver[Any]
    limits: GraphLimits = field(default_factory=GraphLimits)
    graph: Graph = field(default_factory=build_graph)
    catalogue: CatalogueBlocks = field(default_factory=CatalogueBlocks)
    knowledge: KnowledgeSearch | None = None
    recorder: tracing.LangfuseRecorder | None = None  # Langfuse (agent/tracing.py); None: tracing off

    def run(self, conv: Conversation, text: str, deadline: Deadline | None = None) -> TurnResult:
        """Raises when the model fails for good or the deadline passes (the processor retries,
        then falls back). The reply is empty when the model said nothing."""
        org = conv.organization

        def save_summary(summary: str) -> None:
            chats.save_thread_summary(conv.db, org.id, conv.identity.id, summary)

        bound = self.graph.copy(update={"checkpointer": self.checkpointer})
        thread = thread_id(org.id, conv.identity.customer_number)
        config: RunnableConfig = {"configurable": {"thread_id": thread}}
        with conv.db.acting_for(org.id):  # every tool's statement is for this organization only (RLS)
            catalogue = self.catalogue.block(conv.db, org)
            ctx = TurnContext(
                model=self.model,
                persona=persona_of(org),
                toolbox=RECEPTIONIST_TOOLS if catalogue is None else CATALOGUE_TOOLS,
                conversation=conv,
                catalogue=catalogue,
                knowledge=self.knowledge,
                limits=self.limits,
                on_summary=save_summary,
                now=conv.now,
                deadline=deadline or Deadline.never(),
            )
            # One checkpoint, written when the turn ends (not after every step): a crashed turn
            # leaves the thread as it was and its retry starts from there.
            with tracing.turn(
                self.recorder,
                organization_id=org.id,
                conversation_id=conv.identity.id,
                customer_number=conv.identity.customer_number,
                turn_id=conv.turn_id,
                text=text,
            ) as trace:
                state = bound.invoke(turn_input(text, conv.turn_id), config, context=ctx, durability="exit")
        try:
            prune_superseded(self.checkpointer, thread)
        except Exception as exc:  # the TTL removes them anyway; the answer is what matters
            logger.warning("superseded checkpoints not pruned", extra={"error": type(exc).__name__})
        last = state["messages"][-1]
        reply = str(last.content).strip() if isinstance(last, AIMessage) else ""
        if trace is not None:
            trace.end(reply, model_calls=ctx.stats.model_calls, tools=[c["name"] for c in ctx.stats.tool_calls])
        return TurnResult(
            reply=reply,
            stats=ctx.stats,
            escalations=list(conv.escalations),
            choices=list(conv.choices) if reply else [],
            opted_out=conv.opted_out,
            handoff_note=conv.handoff_note,
        )
