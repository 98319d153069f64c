"""What a turn is made of, as the functions and their adapters share it: the buffered messages it
answers (the webhook buffers them: `Buffered`), the record that makes it idempotent, what it asks
the agent and what it gets back, and the conversations the sweep finds still waiting for one.
The processor chooses a turn's messages (processor/turn_limits.py); the conversations table
(adapters/conversation_table.py, turn_ledger.py, open_conversations.py) stores all of it.

A conversation's buffered messages move pending -> claimed (by a turn) -> done. A turn's id is
the id of the last message it answers, so it is the same on every retry of the same work. Once
the agent has answered, the turn's record (reply, escalations, the messages it covers) is
stored before anything is sent; `sent` is set when its jobs are on the outbound queue and its
messages are done. Whoever finds a record not yet sent (a retry, or a later turn of the same
conversation) sends it and finishes it: a recorded answer is never lost or answered again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from receptionist.crm.models import ChatIdentity, Organization
from receptionist.deadline import Deadline
from receptionist.messages import Choice

PENDING: Final = "pending"
CLAIMED: Final = "claimed"
DONE: Final = "done"

MessageStatus = Literal["pending", "claimed", "done"]
# "opt_out": the fixed confirmation of a written opt-out, the one message an opted-out customer gets.
ReplyKind = Literal["reply", "fallback", "opt_out"]
# What a recorded turn decided (stored in its turn record). "opt_out" / "opt_in": the customer's
# written opt-out / opt-in, confirmed with a fixed sentence (processor/opt_words.py).
RecordOutcome = Literal[
    "answered",
    "media_failed",
    "human_owned",
    "opted_out",
    "unknown_app",
    "fallback",
    "over_budget",
    "reminder_answer",
    "recall_answer",
    "opt_out",
    "opt_in",
]

# Kinds that cost a download and a Gemini call.
MEDIA_KINDS: Final = frozenset({"audio", "voice", "image"})


@dataclass(frozen=True)
class BufferedMessage:
    """One customer message as the webhook buffered it."""

    sk: str
    message_id: str
    message_type: str
    message: dict[str, Any]  # the parsed Gupshup message (Gupshup's field names)
    received_at_ms: int
    status: MessageStatus = PENDING
    turn_id: str | None = None  # the turn that claimed it

    @property
    def content(self) -> dict[str, Any]:
        payload = self.message.get("payload")
        return payload if isinstance(payload, dict) else {}

    @property
    def is_media(self) -> bool:
        return self.message_type in MEDIA_KINDS

    @property
    def chars(self) -> int:
        """Characters of the customer's own words (text, caption or the option picked)."""
        content = self.content
        words = content.get("text") or content.get("caption") or content.get("title") or ""
        return len(str(words))

    @property
    def sender_name(self) -> str | None:
        sender = self.message.get("sender")
        name = sender.get("name") if isinstance(sender, dict) else None
        return str(name) if name else None


@dataclass(frozen=True)
class TurnRecord:
    """What a turn decided, stored before anything is sent (first writer wins)."""

    turn_id: str
    message_keys: list[str]  # the buffer keys (BufferedMessage.sk) of the messages it answers
    outcome: RecordOutcome
    reply: str | None = None
    reply_kind: ReplyKind = "reply"
    escalations: list[str] = field(default_factory=list)  # reasons; one staff notice each
    choices: list[Choice] = field(default_factory=list)  # options to tap, sent with the reply
    sent: bool = False  # its jobs are on the outbound queue and its messages are done


@dataclass(frozen=True)
class Latest:
    """The conversation's newest buffered message (the META item)."""

    message_id: str


class ClaimConflict(Exception):
    """A message changed hands between reading and claiming it; the turn is tried again."""


@dataclass(frozen=True)
class Buffered:
    """Where a message is buffered, and whether it still waits for a turn."""

    key: str  # the buffered item's sort key
    duplicate: bool = False  # the id was seen before (a Gupshup redelivery)
    pending: bool = True  # no turn has taken it yet: its ticket should exist


@dataclass(frozen=True)
class OpenConversation:
    """A conversation whose newest message may still be unanswered (its META on the index)."""

    conversation: str  # str(ConversationKey)
    last_message_id: str


@dataclass(frozen=True)
class AgentRequest:
    organization: Organization
    identity: ChatIdentity
    turn_id: str
    text: str
    deadline: Deadline


@dataclass(frozen=True)
class AgentAnswer:
    reply: str
    escalations: list[str]
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    model: str | None = None  # the model the tokens were spent on (prices them; None: unknown)
    tools: list[str] = field(default_factory=list)  # tool names called, "(failed)" marked
    search_degraded: int = 0  # searches without the question's embedding (endpoint down)
    calendar_fallbacks: int = 0  # booking re-checks the member's calendar could not answer in time
    choices: list[Choice] = field(default_factory=list)  # what the reply offers to tap (slots, services...)
    opted_out: bool = False  # the assistant's opt_out tool opted the customer out in this turn
    # Escalated outside the business's hours for people: when someone will answer, written by the
    # code; the processor ends the reply with it.
    handoff_note: str | None = None
