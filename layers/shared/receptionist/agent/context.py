"""What one turn runs with: LangGraph's runtime context (`graph.invoke(..., context=...)`).

The conversation (organization, customer, CRM access) is fixed by the host before the turn
starts and reaches the tools only through here, never through the model's arguments: whatever
the model asks, a tool touches its own organization and customer only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from langchain_core.language_models import BaseChatModel

from receptionist.agent.knowledge import KnowledgeSearch
from receptionist.agent.prompts import Persona
from receptionist.agent.toolbox import Toolbox
from receptionist.calendar.slot_guard import SlotGuard
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.crm.models import ChatIdentity, Organization
from receptionist.deadline import Deadline
from receptionist.i18n.locales import Locale, customer_locale
from receptionist.messages import Choice


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Conversation:
    """Who and where: fixed by the host for the whole turn."""

    db: Database
    organization: Organization
    identity: ChatIdentity
    turn_id: str
    now: Callable[[], datetime] = _utc_now
    escalations: list[str] = field(default_factory=list)  # reasons escalated during this turn
    contact_id: str | None = None  # once resolve_contact ran in this turn
    # What the latest offering tool put in front of the customer (slots, appointments, services),
    # sent with the reply as options to tap; a tool that acts on an offer clears it.
    choices: list[Choice] = field(default_factory=list)
    opted_out: bool = False  # the opt_out tool ran: the processor sends the fixed confirmation
    # escalate_to_human outside the hours for people: when someone will answer, the code's sentence
    # the processor puts in the reply (agent/handoff_wording.py).
    handoff_note: str | None = None
    # Re-checks a booking or a move in the member's own calendar (members with a connected one):
    # None, no re-check (the synced busy blocks alone decide).
    slot_guard: SlotGuard | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.organization.settings.timezone)

    @property
    def locale(self) -> Locale:
        """What the code writes to this customer in: their language when known, else the business's."""
        return customer_locale(self.identity.language, self.organization.settings.language)

    @property
    def window(self) -> BookingWindow:
        s = self.organization.settings
        return BookingWindow(s.timezone, s.booking_lead_minutes, s.booking_horizon_days, s.slot_step_minutes)


DEFAULT_HISTORY_TOKENS = 3000  # the processor's TURN_HISTORY_TOKENS


@dataclass(frozen=True)
class GraphLimits:
    """How far one turn may go: tool rounds before the model must answer in text, and the
    thread's size before its oldest messages are folded into the summary: over `max_messages`
    or over `history_tokens` (estimated, agent/history.py), the newest messages within
    `keep_messages` and half of `history_tokens` are kept. A model request carries at most
    `history_tokens` of earlier turns."""

    max_tool_rounds: int = 4
    max_messages: int = 40
    keep_messages: int = 16
    history_tokens: int = DEFAULT_HISTORY_TOKENS

    def __post_init__(self) -> None:
        if min(self.max_messages, self.keep_messages, self.history_tokens) < 1:
            raise ValueError("graph limits must be positive")

    @property
    def keep_tokens(self) -> int:
        """What compacting keeps of the thread: half the bound, so a thread is summarized once
        every few turns, not on every turn (each summary moves the cached prompt prefix)."""
        return self.history_tokens // 2


@dataclass
class TurnStats:
    """What one turn cost: filled in by the graph's nodes."""

    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # of prompt_tokens, read from the provider's prompt cache
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    summarized: bool = False
    search_degraded: int = 0  # searches that ran without the question's embedding


@dataclass
class TurnContext:
    """LangGraph's runtime context for one turn: read by every node and tool, never checkpointed."""

    model: BaseChatModel
    persona: Persona
    toolbox: Toolbox
    conversation: Conversation | None = None  # None only for graphs whose tools need none (tests)
    catalogue: str | None = None  # the business's whole catalogue, when it fits the prompt
    knowledge: KnowledgeSearch | None = None  # vectors for the search; None: text and trigrams only
    limits: GraphLimits = field(default_factory=GraphLimits)
    on_summary: Callable[[str], None] | None = None  # persist the summary (thread_summaries)
    now: Callable[[], datetime] = _utc_now
    deadline: Deadline = field(default_factory=Deadline.never)
    stats: TurnStats = field(default_factory=TurnStats)
    sleep: Callable[[float], None] = time.sleep
