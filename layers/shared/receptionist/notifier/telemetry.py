"""Notifier telemetry on Powertools: one log line and a few EMF metrics per job.

A batch holds jobs of different kinds and outcomes, so labels go into metric names (one
dimension set per flush), as the processor does. Metrics (namespace from
POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  Job_<outcome>            every job: sent, partially_sent, undeliverable, duplicate,
                           status_recorded, status_unchanged, unknown_app, not_configured, failed
  Undeliverable_<reason>   outside_window, opted_out, rejected, no_text (texts and staff notices)
  MessagesSent             sends Gupshup accepted (text parts + staff templates)
  SendsSkipped             sends an earlier attempt had already made (idempotency)
  SendRetries              backoff waits before another attempt
  GupshupCalls             HTTP requests to Gupshup
  DeliveryFailed           "failed" delivery states reported by Gupshup (from the webhook)

Logs carry the job id, kind, outcome and counts; never the customer's number or text.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from receptionist.logsafe import error_fields
from receptionist.notifier.service import DeliveryReport


class PowertoolsTelemetry:
    def __init__(self, logger: Logger, metrics: Metrics) -> None:
        self._logger = logger
        self._metrics = metrics

    def _count(self, name: str, value: float = 1) -> None:
        self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)

    def record(self, report: DeliveryReport, **extra: Any) -> None:
        """Log and count one job; for a failed one call it while the exception is handled."""
        self._count(f"Job_{report.outcome}")
        if report.outcome in ("undeliverable", "partially_sent") and report.reason:
            self._count(f"Undeliverable_{report.reason}", max(1, report.rejected))
        if report.sent:
            self._count("MessagesSent", report.sent)
        if report.skipped:
            self._count("SendsSkipped", report.skipped)
        if report.delays:
            self._count("SendRetries", len(report.delays))
        if report.http_calls:
            self._count("GupshupCalls", report.http_calls)
        if report.delivery_failed:
            self._count("DeliveryFailed")
        fields: dict[str, Any] = {
            "job_id": report.job_id,
            "kind": report.kind,
            "outcome": report.outcome,
            "reason": report.reason,
            "parts": report.parts or None,
            "sent": report.sent or None,
            "skipped": report.skipped or None,
            "rejected": report.rejected or None,
            "http_calls": report.http_calls,
            "retry_delays": [round(d, 3) for d in report.delays] or None,
            **extra,
        }
        fields = {k: v for k, v in fields.items() if v is not None}
        if report.outcome == "failed":
            self._logger.error("job failed; SQS will deliver it again", extra={**fields, **error_fields()})
        elif report.outcome in ("undeliverable", "partially_sent", "unknown_app", "not_configured"):
            self._logger.warning("job done", extra=fields)
        else:
            self._logger.info("job done", extra=fields)
