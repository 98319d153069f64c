"""The key of a conversation: one customer's number on one Gupshup app of a business.

Its text form "<app>#<number>" is what the queues carry (`InboundTicket.conversation`,
`OutboundJob.conversation`) and what the ports and the conversations table are given; everything
else derives from the key here, and only here: its FIFO message group on both queues, its
partition in the conversations table ("CONV#<app>#<number>"), and (privacy/keys.py) its media
folder. Code that needs the app or the number parses the text form with `parse`, never by hand.

Gupshup app names carry no "#"; the number is WhatsApp's (digits). `parse` splits at the first
"#", as every reader did before this type existed, so a key always reads back as it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Self

from receptionist.messages import fifo_id

SEPARATOR: Final = "#"
PARTITION_PREFIX: Final = "CONV#"  # the conversations table's partition key (adapters/conversation_table.py)


@dataclass(frozen=True)
class ConversationKey:
    app: str  # the Gupshup app the customer wrote to (it names the business)
    number: str  # the customer's WhatsApp number

    def __str__(self) -> str:
        return f"{self.app}{SEPARATOR}{self.number}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """The key of a text form "<app>#<number>" (from a queue document or a port)."""
        app, _, number = text.partition(SEPARATOR)
        return cls(app, number)

    @property
    def group(self) -> str:
        """Its FIFO message group, on the inbound and the outbound queue: one turn at a time, and
        its replies in order."""
        return fifo_id(str(self))

    @property
    def partition(self) -> str:
        """Its partition key in the conversations table."""
        return f"{PARTITION_PREFIX}{self}"

    @classmethod
    def from_partition(cls, pk: str) -> Self:
        """The key of a conversations table partition key."""
        return cls.parse(pk.removeprefix(PARTITION_PREFIX))
