"""The receptionist agent as a turn calls it: the processor's Agent port (processor/ports.py) on
the LangGraph graph (receptionist.agent), which loads on the first turn, not at import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from receptionist.calendar.slot_guard import ProviderSlotGuard
from receptionist.crm.connection import Database
from receptionist.turns import AgentAnswer, AgentRequest

if TYPE_CHECKING:  # langgraph loads on the first turn, not at cold start's import
    from receptionist.agent.runner import TurnRunner


class GraphAgent:
    """The processor's Agent port on the LangGraph receptionist (agent/runner.py). The model,
    graph and checkpointer are built by `build` on the first turn of a container."""

    def __init__(
        self,
        db: Database,
        build: Callable[[], TurnRunner],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        slot_guard: ProviderSlotGuard | None = None,
        model: str | None = None,
    ) -> None:
        self.db = db
        self._build = build
        self._runner: TurnRunner | None = None
        self.now = now
        self.slot_guard = slot_guard  # bookings re-checked in the member's calendar (None: not)
        self.model = model  # the deployment's model: recorded with each turn's tokens

    def forget_runner(self) -> None:
        """The next turn builds the runner anew (its clients open new connections)."""
        self._runner = None

    def __call__(self, request: AgentRequest) -> AgentAnswer:
        from receptionist.agent.context import Conversation

        if self._runner is None:
            self._runner = self._build()
        conv = Conversation(
            self.db, request.organization, request.identity, request.turn_id, now=self.now, slot_guard=self.slot_guard
        )
        fallbacks = self.slot_guard.fallbacks if self.slot_guard is not None else 0
        result = self._runner.run(conv, request.text, request.deadline)
        fallbacks = (self.slot_guard.fallbacks if self.slot_guard is not None else 0) - fallbacks
        stats = result.stats
        return AgentAnswer(
            reply=result.reply,
            escalations=result.escalations,
            model_calls=stats.model_calls,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
            cached_tokens=stats.cached_tokens,
            model=self.model,
            tools=[str(c["name"]) + ("" if c.get("ok") else " (failed)") for c in stats.tool_calls],
            search_degraded=stats.search_degraded,
            calendar_fallbacks=fallbacks,
            choices=result.choices,
            opted_out=result.opted_out,
            handoff_note=result.handoff_note,
        )
