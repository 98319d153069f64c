"""What the notifier's delivery reports mean as telemetry: one log line and a few EMF metrics
per job.

A batch holds jobs of different kinds and outcomes, so labels go into metric names (one
dimension set per flush), as the processor does. Metrics (namespace from
POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  Job_<outcome>            every job: sent, partially_sent, undeliverable, duplicate,
                           status_recorded, status_unchanged, unknown_app, not_configured, outdated,
                           failed
  Undeliverable_<reason>   outside_window, opted_out, rejected, no_text (texts and staff notices)
  Outdated_<reason>        reminders not sent because no longer current: cancelled, moved, started,
                           gone (the appointment_reminders row is 'skipped' with that skip_reason)
  MessagesSent             sends Gupshup accepted (text parts + staff templates)
  SendsSkipped             sends an earlier attempt had already made (idempotency)
  SendRetries              backoff waits before another attempt
  GupshupCalls             HTTP requests to Gupshup
  DeliveryFailed           "failed" delivery states reported by Gupshup (from the webhook)
  Choices_<form>           replies with choices, by how they went out: list, buttons, text

Logs carry the job id, kind, outcome and counts; never the customer's number or text.
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.notifier.service import DeliveryReport
from receptionist.telemetry import Event, Failure, Level

JOB_PREFIX: Final = "Job_"
UNDELIVERABLE_PREFIX: Final = "Undeliverable_"
OUTDATED_PREFIX: Final = "Outdated_"
_WARN = ("undeliverable", "partially_sent", "unknown_app", "not_configured")


def describe(report: DeliveryReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):  # what the job had done when it raised (the service keeps it)
        partial = report.partial if isinstance(report.partial, DeliveryReport) else None
        report = partial or DeliveryReport("", "", outcome="failed")
    counts: dict[str, float] = {f"{JOB_PREFIX}{report.outcome}": 1}
    if report.outcome in ("undeliverable", "partially_sent") and report.reason:
        counts[f"{UNDELIVERABLE_PREFIX}{report.reason}"] = max(1, report.rejected)
    if report.outcome == "outdated" and report.reason:
        counts[f"{OUTDATED_PREFIX}{report.reason}"] = 1
    for name, value in (
        ("MessagesSent", report.sent),
        ("SendsSkipped", report.skipped),
        ("SendRetries", len(report.delays)),
        ("GupshupCalls", report.http_calls),
        ("DeliveryFailed", 1 if report.delivery_failed else 0),
    ):
        if value:
            counts[name] = value
    if report.form and report.outcome in ("sent", "partially_sent"):
        counts[f"Choices_{report.form}"] = 1
    failed = report.outcome == "failed"
    level: Level = "error" if failed else "warning" if report.outcome in _WARN else "info"
    return Event(
        "job failed; SQS will deliver it again" if failed else "job done",
        level=level,
        fields={
            "job_id": report.job_id,
            "kind": report.kind,
            "outcome": report.outcome,
            "reason": report.reason,
            "parts": report.parts or None,
            "sent": report.sent or None,
            "skipped": report.skipped or None,
            "rejected": report.rejected or None,
            "form": report.form,
            "http_calls": report.http_calls,
            "retry_delays": [round(d, 3) for d in report.delays] or None,
            **fields,
        },
        counts=counts,
        with_error=failed,
    )
