"""What a retention run's report means as telemetry: one log line and EMF metrics per run.

Counts only, never numbers, names or texts. Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE,
plus the `service` dimension):
  RetentionCustomersRemoved  customers removed whole (no activity for their business's window)
  RetentionMediaRemoved      media messages whose copies were deleted (past their days)
  RetentionUsageRemoved      usage rows and budget notices deleted (past their window)
  RetentionVaultRemoved      blocked customers destroyed at their date (vault row and kept media)
  RetentionFailed            passes and customers that failed this run, each alone; the next run
                             tries again (alarmed: RetentionFailedAlarm in template.yaml)
  RetentionBacklog           businesses with work left when the run's time was up; the next run goes
                             on (alarmed when it lasts three nights: RetentionBehindAlarm)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.retention.service import RetentionReport
from receptionist.telemetry import Event, Failure, Level

CUSTOMERS_REMOVED: Final = "RetentionCustomersRemoved"
MEDIA_REMOVED: Final = "RetentionMediaRemoved"
USAGE_REMOVED: Final = "RetentionUsageRemoved"
VAULT_REMOVED: Final = "RetentionVaultRemoved"
FAILED: Final = "RetentionFailed"
BACKLOG: Final = "RetentionBacklog"


def describe(report: RetentionReport | Failure, **fields: Any) -> Event:
    message: str
    level: Level
    if isinstance(report, Failure):
        # A run that could not start (the database unreachable, the businesses not listed): the
        # function reports the error; nothing was removed, the next night's run does it.
        message = "retention run failed; the next run does its work"
        return Event(message, level="error", fields=fields, with_error=True)
    if report.failed:
        message, level = "retention run done; some steps failed (the next run tries again)", "error"
    elif report.backlog:
        message, level = "retention run done; work left for the next run", "warning"
    else:
        message, level = "retention run done", "info"
    return Event(
        message,
        level=level,
        fields={**report.counts(), "seconds": report.seconds, **fields},
        # Zeros too: a night that found nothing is a data point.
        counts={
            CUSTOMERS_REMOVED: report.customers_removed,
            MEDIA_REMOVED: report.media_removed,
            USAGE_REMOVED: report.usage_removed + report.notices_removed + report.staff_sends_removed,
            VAULT_REMOVED: report.vault_removed,
            FAILED: report.failed,
            BACKLOG: report.backlog,
        },
    )
