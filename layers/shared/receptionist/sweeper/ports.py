"""What the sweep needs: the conversations still on the open index, and the inbound queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from receptionist.turns import OpenConversation


class OpenConversations(Protocol):
    """The conversations table's open index (adapters.open_conversations.DynamoOpenConversations)."""

    def stale(self, older_than_ms: int) -> Iterator[OpenConversation]:
        """Conversations whose newest message arrived before `older_than_ms` and is not answered."""
        ...

    def mark_swept(self, item: OpenConversation, now_ms: int, not_since_ms: int) -> int | None:
        """Count one more sweep of it, unless it changed (a newer message, answered meanwhile) or
        was swept after `not_since_ms`; the sweeps so far, or None when skipped."""
        ...

    def abandon(self, item: OpenConversation) -> None:
        """Take it off the index for good (its newest message unchanged)."""
        ...
