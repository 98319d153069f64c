"""The receptionist graph: agent (one model call) <-> tools, then compact long threads.

One model call per turn when no tool is needed, plus one per tool round; no routing call. The
nodes are in nodes.py; everything a turn runs with (model, persona, tools, the conversation, its
limits and deadline) comes through LangGraph's runtime context (context.py), never through the
model. Compiled without a checkpointer: the host (processor, CLI, tests) injects one.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from receptionist.agent import nodes
from receptionist.agent.context import TurnContext
from receptionist.agent.state import AgentState

Graph = CompiledStateGraph[AgentState, TurnContext, Any, Any]


def build_graph() -> Graph:
    graph = StateGraph(AgentState, context_schema=TurnContext)
    graph.add_node("agent", nodes.agent)
    graph.add_node("tools", nodes.tools)
    graph.add_node("compact", nodes.compact)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", nodes.route, ["tools", "compact"])
    graph.add_edge("tools", "agent")
    graph.add_edge("compact", END)
    return graph.compile(name="receptionist")
