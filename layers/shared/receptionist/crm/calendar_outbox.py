"""Appointments still to be written to (or removed from) a member's calendar (calendar_outbox).

A trigger on appointments fills it: one row per affected member with a connected calendar, for
every booking, move, status change, change of customer and deletion, whoever made it (migration
20261209010000_calendar.sql). The relay drains it across businesses: `relay_batch` locks a batch
(SKIP LOCKED, so two overlapping relays never take the same rows), hands it to `send` (which puts
each on the calendar queue and returns the ids it sent) and marks those queued, in one
transaction. A relay that dies before committing leaves its rows for the next one: sent twice at
worst, which the queue's deduplication (the row id) and the consumer's idempotent write absorb.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from receptionist.calendar.ports import OutboxRow
from receptionist.crm.connection import Database, Transaction


def pending(tx: Transaction | Database, max_rows: int) -> list[OutboxRow]:
    """Rows not yet queued, oldest first, locked until the transaction ends (call it inside one)."""
    rows = tx.fetch_all(
        "select id, organization_id::text, appointment_id::text, member_id::text"
        " from public.calendar_outbox_pending(%s)",
        (max_rows,),
    )
    return [OutboxRow(r["id"], r["organization_id"], r["appointment_id"], r["member_id"]) for r in rows]


def mark_queued(tx: Transaction | Database, ids: Sequence[int], at: datetime) -> int:
    """Those rows are on the queue (rows queued a week before `at` are removed)."""
    if not ids:
        return 0
    row = tx.fetch_one("select public.calendar_outbox_queued(%s::bigint[], %s) as marked", (list(ids), at))
    return int(row["marked"]) if row else 0


def relay_batch(
    db: Database, max_rows: int, send: Callable[[list[OutboxRow]], Sequence[int]], at: Callable[[], datetime]
) -> tuple[int, int]:
    """One batch: lock up to `max_rows` rows, `send` them, mark the ids it returns queued; all in
    one transaction. What `send` did not return stays pending for the next batch. Returns (rows
    taken, rows queued)."""
    with db.transaction() as tx:
        rows = pending(tx, max_rows)
        if not rows:
            return 0, 0
        sent = send(rows)
        return len(rows), mark_queued(tx, sent, at())
