"""The calendar outbox relay: calendar_outbox rows -> CalendarQueue, every minute.

A trigger on appointments writes a row per affected member in the same transaction as the change
(so no source of change is forgotten: assistant, console, reminder tap); the relay takes a batch
(locked: two relays never take the same rows), sends each as a `CalendarJob` (group = the member,
deduplication id = the row's id) and marks those sent queued, in one transaction.

Why a crash between the send and the mark is harmless: the transaction does not commit, so the
next run sends the same rows again with the same deduplication ids, which SQS drops within its
5-minute window; later than that a job arrives twice, and the consumer's put_event / delete_event
are idempotent (one event either way). A send that fails leaves its row and the rest of the batch
unmarked (the ones before it are marked): the next run goes on from there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from receptionist.calendar.ports import CalendarStore, OutboxRow
from receptionist.deadline import Deadline
from receptionist.messages import CalendarJob, Queue, fifo_id

BATCH = 100  # rows read per round; a run goes on while rows and time are left


@dataclass(frozen=True)
class RelayReport:
    queued: int = 0
    left: bool = False  # rows remained when the time ran out (the next run goes on)

    def counts(self) -> dict[str, int]:
        return {"relayed": self.queued, "relay_left": int(self.left)}


def job_for(row: OutboxRow) -> CalendarJob:
    return CalendarJob(
        kind="appointment",
        organization_id=row.organization_id,
        appointment_id=row.appointment_id,
        member_id=row.member_id,
        outbox_id=row.id,
    )


def dedup_id(row: OutboxRow) -> str:
    return f"outbox-{row.id}"


class Relay:
    def __init__(
        self, store: CalendarStore, queue: Queue, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._queue = queue
        self._clock = clock

    def run(self, deadline: Deadline, batch: int = BATCH) -> RelayReport:
        queued = 0
        while deadline.remaining() > 1:
            taken, sent = self._store.relay(batch, lambda rows: self._send(rows, deadline))
            queued += sent
            if taken < batch:
                return RelayReport(queued)
        return RelayReport(queued, left=True)

    def _send(self, rows: list[OutboxRow], deadline: Deadline) -> list[int]:
        """Each row on the queue; the ids sent (a send that fails, or no time left, leaves the rest
        of the batch for the next run)."""
        sent: list[int] = []
        for row in rows:
            if deadline.remaining() <= 1:
                break
            self._queue.send(job_for(row), group=fifo_id(f"member-{row.member_id}"), dedup_id=dedup_id(row))
            sent.append(row.id)
        return sent
