"""Backfill the daily figures per business (docs/stats.md) from the command line.

    # Recompute every business's days from --since to --until, both included (their local days)
    DATABASE_URL=postgresql://receptionist_app@... python -m receptionist.stats \\
        --since 2026-01-01 --until 2026-12-07 [--org ClinicaSonrisa ...] [--model gpt-4.1-mini]

The hourly pass (RemindersFunction, {"pass": "stats"}) keeps the last days current; this
recomputes older ones: after a rate card is corrected, after an erasure, or the first time (the
days before the roll-up existed; first-reply latency is counted only from the rows that kept the
webhook's receipt time). Each day is rewritten whole, so running it twice changes nothing.
--org is an organization id or its active Gupshup app name; without it, every business.
--model prices the tokens of turns that recorded no model (default $OPENAI_MODEL, else gpt-4.1-mini).
Prints counts only. Exit status: 0 done, 1 no such business or a business failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, timedelta

from receptionist.crm.connection import Database
from receptionist.ops.outcomes import find_business
from receptionist.stats.rollup import RollupPass

DEFAULT_MODEL = "gpt-4.1-mini"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.stats",
        description="Recompute the daily figures per business for a range of days. Connects to $DATABASE_URL.",
    )
    parser.add_argument("--since", type=date.fromisoformat, required=True, help="first day (YYYY-MM-DD)")
    parser.add_argument("--until", type=date.fromisoformat, required=True, help="last day, included (YYYY-MM-DD)")
    parser.add_argument("--org", action="append", help="an organization id or Gupshup app name (repeatable)")
    parser.add_argument("--model", default=os.environ.get("OPENAI_MODEL") or DEFAULT_MODEL)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set")
    if args.since > args.until:
        parser.error("--since must not be after --until")
    db = Database(url)
    try:
        ids: list[str] | None = None
        if args.org:
            ids = []
            for reference in args.org:
                found = find_business(db, reference)
                if found is None:
                    print(f"no business with the id or active Gupshup app {reference!r}", file=sys.stderr)
                    return 1
                ids.append(found.id)
        report = RollupPass(db, args.model).backfill(args.since, args.until + timedelta(days=1), ids)
        print(f"businesses={report.businesses} days={report.days} failed={report.failed}")
        return 1 if report.failed else 0
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
