"""What a push notification's report means as telemetry: one log line and EMF metrics each.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus `service`):
  CalendarPushQueued    notifications that became a sync job (a burst's duplicates included: the
                        queue drops them by deduplication id)
  CalendarPushRejected  refused (dimension `reason`: missing_headers, unknown_channel, bad_token)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.calendar_push.service import PushReport
from receptionist.telemetry import Event, Failure

QUEUED: Final = "CalendarPushQueued"
REJECTED: Final = "CalendarPushRejected"


def describe(report: PushReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event("calendar push failed; Google retries", level="error", fields=fields, with_error=True)
    if report.outcome == "rejected":
        return Event(
            "calendar push rejected",
            level="warning",
            fields={"reason": report.reason, **fields},
            counts={REJECTED: 1},
            dimension=("reason", report.reason or "unknown"),
        )
    return Event(
        f"calendar push {report.outcome}",
        fields={"state": report.state, **fields},
        counts={QUEUED: int(report.outcome == "queued")},
    )
