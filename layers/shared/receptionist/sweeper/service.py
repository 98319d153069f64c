"""The sweep: a message stored without a ticket is still answered.

The webhook writes a message, then sends its ticket; if the function dies in between and Gupshup
never retries, nothing would ever run a turn for it (nor for a turn's carried messages whose
ticket was lost, nor for a conversation whose ticket died in the DLQ). Every minute the sweep
reads the open index (one Query per shard, never a scan) for conversations whose newest message
is older than the debounce plus a margin and still unanswered, and sends a ticket for that
message. The processor treats it like any other: it replays a recorded turn or answers.

Bounded: a conversation is swept at most once per `resweep_seconds` (a ticket may be waiting out
its visibility timeout), and after `max_sweeps` the last ticket is marked as a last attempt (a
failure falls back to the customer and staff); a conversation still open after that is taken
off the index and counted (SweepsAbandoned, alarmed): something is wrong beyond retrying.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from receptionist.conversation_key import ConversationKey
from receptionist.messages import InboundTicket, Queue, fifo_id
from receptionist.sweeper.ports import OpenConversations

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepPolicy:
    after_seconds: float  # debounce + margin: younger messages' tickets are still on their way
    resweep_seconds: float = 360.0  # the processor queue's visibility timeout
    max_sweeps: int = 3


@dataclass
class SweepReport:
    stale: int = 0
    reticketed: int = 0
    skipped: int = 0  # swept recently, or changed since it was read
    abandoned: int = 0


@dataclass
class SweepService:
    index: OpenConversations
    inbound: Queue
    policy: SweepPolicy
    clock: Callable[[], float] = time.time

    def sweep(self) -> SweepReport:
        report = SweepReport()
        now_ms = int(self.clock() * 1000)
        cutoff = now_ms - int(self.policy.after_seconds * 1000)
        not_since = now_ms - int(self.policy.resweep_seconds * 1000)
        for item in self.index.stale(cutoff):
            report.stale += 1
            sweeps = self.index.mark_swept(item, now_ms, not_since)
            if sweeps is None:
                report.skipped += 1
                continue
            if sweeps > self.policy.max_sweeps:
                self.index.abandon(item)
                report.abandoned += 1
                logger.error(
                    "conversation still unanswered after every sweep", extra={"message_id": item.last_message_id}
                )
                continue
            ticket = InboundTicket(
                conversation=item.conversation,
                message_id=item.last_message_id,
                last_attempt=True if sweeps == self.policy.max_sweeps else None,
            )
            self.inbound.send(
                ticket,
                group=ConversationKey.parse(item.conversation).group,
                dedup_id=fifo_id(f"sweep#{item.last_message_id}#{sweeps}"),
            )
            report.reticketed += 1
        return report
