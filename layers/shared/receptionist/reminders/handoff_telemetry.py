"""What a handoff follow-up pass's report means as telemetry: one log line and EMF metrics per run
(counts only, never numbers, names or text). Metrics:
  HandoffNotified    staff notices left for the opening, queued at the opening
  HandoffRenotified  escalations nobody took within N minutes, notified again
  HandoffOffered     offers to take a message sent to customers after M minutes
  HandoffFailed      escalations a step failed for (tried again by the next run; alarmed:
                     HandoffFailedAlarm in template.yaml)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.reminders.handoff import HandoffReport
from receptionist.telemetry import Event, Failure

HANDOFF_NOTIFIED: Final = "HandoffNotified"
HANDOFF_RENOTIFIED: Final = "HandoffRenotified"
HANDOFF_OFFERED: Final = "HandoffOffered"
HANDOFF_FAILED: Final = "HandoffFailed"


def describe(report: HandoffReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event("handoff pass failed; the next run tries again", level="error", fields=fields, with_error=True)
    return Event(
        "handoff pass done; some follow-ups failed" if report.failed else "handoff pass done",
        level="error" if report.failed else "info",
        fields={**report.counts(), **fields},
        counts={
            HANDOFF_NOTIFIED: report.notified,
            HANDOFF_RENOTIFIED: report.renotified,
            HANDOFF_OFFERED: report.offered,
            HANDOFF_FAILED: report.failed,
        },
    )
