"""What a turn is made of: the buffered messages it answers and the record that makes it
idempotent, and how a turn's messages are chosen.

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


@dataclass(frozen=True)
class TurnLimits:
    """What one turn may take on; the rest waits for the next turn (nothing is dropped)."""

    max_messages: int = 20
    max_chars: int = 4000  # also the most of any one message that reaches the model
    max_media: int = 3

    def __post_init__(self) -> None:
        if min(self.max_messages, self.max_chars, self.max_media) < 1:
            raise ValueError("turn limits must be positive")


def plan_turn(
    available: list[BufferedMessage], limits: TurnLimits
) -> tuple[list[BufferedMessage], list[BufferedMessage]]:
    """The oldest messages that fit in one turn, and the ones carried to the next.

    In arrival order; the first message is always taken (a single message over the character
    budget is cut down when its text is built, never skipped), so every turn makes progress.
    """
    ordered = sorted(available, key=lambda m: m.sk)
    taken: list[BufferedMessage] = []
    chars = media = 0
    for index, message in enumerate(ordered):
        fits = (
            len(taken) < limits.max_messages
            and chars + message.chars <= limits.max_chars
            and media + message.is_media <= limits.max_media
        )
        if taken and not fits:
            return taken, ordered[index:]
        taken.append(message)
        chars += message.chars
        media += message.is_media
    return taken, []
