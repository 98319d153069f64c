"""What a reminder pass's report means as telemetry: one log line and EMF metrics per run.

Counts only, never numbers or names. Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus
the `service` dimension):
  RemindersQueued    reminder jobs this run put on the outbound queue (new and re-sent)
  RemindersRequeued  of those, claims of an earlier run that died before queueing
  RemindersSkipped   claimed but not sendable (cancelled, moved or started meanwhile; no template or app)
  RemindersFailed    reminders a step failed for in this run (claim, content, send or mark): each
                     alone, kept on its row and tried again by the next runs (alarmed:
                     RemindersFailedAlarm in template.yaml)
  RemindersGivenUp   of those, reminders at their last try, now 'failed' for good (alarmed:
                     RemindersGivenUpAlarm)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.reminders.service import PassReport
from receptionist.telemetry import Event, Failure

REMINDERS_QUEUED: Final = "RemindersQueued"
REMINDERS_REQUEUED: Final = "RemindersRequeued"
REMINDERS_SKIPPED: Final = "RemindersSkipped"
REMINDERS_FAILED: Final = "RemindersFailed"
REMINDERS_GIVEN_UP: Final = "RemindersGivenUp"


def describe(report: PassReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        # A run that could not finish (the database unreachable): the function reports the
        # error and the next run catches up within the lookback.
        return Event("reminder pass failed; the next run catches up", level="error", fields=fields, with_error=True)
    return Event(
        "reminder pass done; some reminders failed" if report.failed else "reminder pass done",
        level="error" if report.failed else "info",
        fields={**report.counts(), **fields},
        # Zeros too: a run that found nothing is a data point.
        counts={
            REMINDERS_QUEUED: report.queued,
            REMINDERS_REQUEUED: report.requeued,
            REMINDERS_SKIPPED: report.skipped,
            REMINDERS_FAILED: report.failed,
            REMINDERS_GIVEN_UP: report.given_up,
        },
    )
