"""How a turn's messages are chosen: the oldest that fit the turn's limits; the rest wait for the
next turn (nothing is dropped). What a turn is made of is receptionist/turns.py."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.turns import BufferedMessage


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
