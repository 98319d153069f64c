"""What a sweep's report means as telemetry: one log line and EMF metrics per run.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  StaleConversations  conversations found with an old, unanswered newest message
  Reticketed          tickets the sweep sent
  SweepsAbandoned     conversations given up after every sweep (alarmed)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.sweeper.service import SweepReport
from receptionist.telemetry import Event

SWEEPS_ABANDONED: Final = "SweepsAbandoned"


def describe(report: SweepReport, **fields: Any) -> Event:
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
