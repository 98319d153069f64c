"""Run one reminder pass.

    DATABASE_URL=postgresql://... OUTBOUND_QUEUE_URL=https://sqs.../receptionist-dev-outbound.fifo \\
        python -m receptionist.reminders --now 2026-12-03T09:00:00Z [--lookback-hours 24] [--dry-run]

Due reminders are claimed once and queued for the notifier (docs/reminders.md). Prints counts
only (never numbers or names). AWS settings come from the environment as for the AWS CLI
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL for the local stack).

Exit status: 0 done, 1 some reminders could not be queued (a later pass sends them),
2 usage error (including DATABASE_URL or OUTBOUND_QUEUE_URL missing).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from receptionist.adapters.queues import FifoQueue
from receptionist.crm.connection import Database
from receptionist.messages import Queue
from receptionist.reminders.service import ReminderPass


class _NoQueue:
    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:  # pragma: no cover - dry run
        raise RuntimeError("a dry run sends nothing")


def _when(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.reminders",
        description="Claim the reminders due at --now once and queue them for the notifier. "
        "Connects to the CRM at $DATABASE_URL and sends to $OUTBOUND_QUEUE_URL.",
    )
    parser.add_argument("--now", type=_when, default=None, help="the pass's time (ISO 8601), default now")
    parser.add_argument(
        "--lookback-hours", type=float, default=24.0, help="catch up reminders due this far back (default 24)"
    )
    parser.add_argument("--dry-run", action="store_true", help="only count what is due")
    args = parser.parse_args(argv)
    if args.lookback_hours <= 0:
        parser.error("--lookback-hours must be positive")
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set")
    queue_url = os.environ.get("OUTBOUND_QUEUE_URL")
    if not queue_url and not args.dry_run:
        parser.error("OUTBOUND_QUEUE_URL is not set")
    at = args.now or datetime.now(UTC)
    db = Database(url)
    try:
        outbound: Queue = _NoQueue() if args.dry_run or not queue_url else FifoQueue(queue_url)
        report = ReminderPass(db, outbound).run(at, timedelta(hours=args.lookback_hours), dry_run=args.dry_run)
    finally:
        db.close()
    label = "dry run: " if args.dry_run else ""
    print(label + " ".join(f"{k}={v}" for k, v in report.counts().items()))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
