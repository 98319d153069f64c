"""What a recall pass's report means as telemetry: one log line and EMF metrics per run (counts
only, never numbers or names). Metrics:
  RecallsQueued    recall jobs this run put on the outbound queue (new and re-sent)
  RecallsSkipped   claimed but no longer to be sent (consent withdrawn, booked, a no-show, recalls
                   switched off, no approved marketing template or app)
  RecallsFailed    recalls a step failed for in this run (kept on the row, tried again; alarmed:
                   RecallsFailedAlarm in template.yaml)
  RecallsGivenUp   of those, recalls at their last try, now 'failed' for good
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.reminders.recalls import RecallReport
from receptionist.telemetry import Event, Failure

RECALLS_QUEUED: Final = "RecallsQueued"
RECALLS_SKIPPED: Final = "RecallsSkipped"
RECALLS_FAILED: Final = "RecallsFailed"
RECALLS_GIVEN_UP: Final = "RecallsGivenUp"


def describe(report: RecallReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event("recall pass failed; the next run catches up", level="error", fields=fields, with_error=True)
    return Event(
        "recall pass done; some recalls failed" if report.failed else "recall pass done",
        level="error" if report.failed else "info",
        fields={**report.counts("recalls_"), **fields},
        counts={
            RECALLS_QUEUED: report.queued,
            RECALLS_SKIPPED: report.skipped,
            RECALLS_FAILED: report.failed,
            RECALLS_GIVEN_UP: report.given_up,
        },
    )
