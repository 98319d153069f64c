"""What a sweep's report means as telemetry: one log line and EMF metrics per run.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  StaleConversations  conversations found with an old, unanswered newest message
  Reticketed          tickets the sweep sent
  SweepsAbandoned     conversations given up after every sweep (alarmed)

A sweep that raised (DynamoDB or SQS unreachable) is logged as an error by type; the next
minute's sweep finds the same conversations.
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.sweeper.service import SweepReport
from receptionist.telemetry import Event, Failure

SWEEPS_ABANDONED: Final = "SweepsAbandoned"


def describe(report: SweepReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event("sweep failed; the next sweep finds them again", level="error", fields=fields, with_error=True)
    return Event(
        "sweep done; conversations abandoned" if report.abandoned else "sweep done",
        level="error" if report.abandoned else "info",
        fields={
            "stale": report.stale,
            "reticketed": report.reticketed,
            "skipped": report.skipped,
            "abandoned": report.abandoned,
            **fields,
        },
        # Zeros too: a sweep that found nothing is a data point.
        counts={
            "StaleConversations": report.stale,
            "Reticketed": report.reticketed,
            SWEEPS_ABANDONED: report.abandoned,
        },
    )
