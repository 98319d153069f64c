"""Sweep telemetry on Powertools: one log line and EMF metrics per run.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  StaleConversations  conversations found with an old, unanswered newest message
  Reticketed          tickets the sweep sent
  SweepsAbandoned     conversations given up after every sweep (alarmed)
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from receptionist.sweeper.service import SweepReport


class SweeperTelemetry:
    def __init__(self, logger: Logger, metrics: Metrics) -> None:
        self._logger = logger
        self._metrics = metrics

    def record(self, report: SweepReport) -> None:
        for name, value in (
            ("StaleConversations", report.stale),
            ("Reticketed", report.reticketed),
            ("SweepsAbandoned", report.abandoned),
        ):
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        fields = {
            "stale": report.stale,
            "reticketed": report.reticketed,
            "skipped": report.skipped,
            "abandoned": report.abandoned,
        }
        if report.abandoned:
            self._logger.error("sweep done; conversations abandoned", extra=fields)
        else:
            self._logger.info("sweep done", extra=fields)
