"""What a daily roll-up run's report means as telemetry: one log line and EMF metrics per run.

Counts only, never a business's figures. Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus
the `service` dimension):
  StatsBusinesses   businesses whose trailing days were recomputed this run
  StatsDays         day rows written
  StatsFailed       businesses whose roll-up failed (each alone; the next run recomputes them)
  StatsLeft         businesses the run's time did not reach (the next run's)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.stats.rollup import RollupReport
from receptionist.telemetry import Event, Failure

STATS_BUSINESSES: Final = "StatsBusinesses"
STATS_DAYS: Final = "StatsDays"
STATS_FAILED: Final = "StatsFailed"
STATS_LEFT: Final = "StatsLeft"


def describe(report: RollupReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        # The business list could not be read (the database unreachable): the next hour goes on.
        return Event("stats pass failed; the next run goes on", level="error", fields=fields, with_error=True)
    trouble = report.failed or report.left
    return Event(
        "stats pass done; some businesses not rolled up" if trouble else "stats pass done",
        # a failure is an error (alarmed: StatsFailedAlarm); running out of time only delays to the next hour
        level="error" if report.failed else "warning" if report.left else "info",
        fields={**report.counts(), **fields},
        counts={
            STATS_BUSINESSES: report.businesses,
            STATS_DAYS: report.days,
            STATS_FAILED: report.failed,
            STATS_LEFT: report.left,
        },
    )
