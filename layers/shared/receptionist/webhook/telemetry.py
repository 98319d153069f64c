"""What the webhook's request outcomes mean as telemetry: one log line and one EMF metric each.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  Received   {kind}    accepted messages (by message type) and forwarded statuses / user events
  Duplicates {kind}    redeliveries caught by the dedupe marker
  Reticketed {kind}    ...of which the message still waited for a turn: its ticket was sent again
  Ignored    {reason}  well-formed callbacks with nothing to do (billing-event, unknown types...)
  Rejected   {reason}  401 / 4xx answers (unauthorized, malformed_json, invalid_payload...)
  Failed     {reason}  AWS failures (the exception's type); the invocation then errors

The template alarms on Rejected {reason=invalid_payload} and Ignored {reason=
unsupported_message_type}: both mean a customer's message was not taken, and a rise is what a
change in Gupshup's format looks like.

Logs carry the outcome, labels and the Gupshup message id (also the correlation id); never the
customer's text or number.
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.telemetry import Event, Failure, Level
from receptionist.webhook.ports import RequestReport

RECEIVED: Final = "Received"
DUPLICATES: Final = "Duplicates"
RETICKETED: Final = "Reticketed"
IGNORED: Final = "Ignored"
REJECTED: Final = "Rejected"
FAILED: Final = "Failed"

_METRIC: Final[dict[str, tuple[str, str]]] = {
    # result: (metric name, dimension)
    "accepted": (RECEIVED, "kind"),
    "forwarded": (RECEIVED, "kind"),
    "duplicate": (DUPLICATES, "kind"),
    "ignored": (IGNORED, "reason"),
    "rejected": (REJECTED, "reason"),
    "failed": (FAILED, "reason"),
}


def describe(report: RequestReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):  # an AWS failure: the invocation errors, Gupshup retries
        report = RequestReport("failed", 500, reason=report.error)
    name, dimension = _METRIC[report.outcome]
    label = (report.kind if dimension == "kind" else report.reason) or "unknown"
    counts = {name: 1.0, **({RETICKETED: 1.0} if report.reason == "reticketed" else {})}
    level: Level = "error" if report.outcome == "failed" else "warning" if report.outcome == "rejected" else "info"
    return Event(
        f"webhook request {report.outcome}",
        level=level,
        fields={
            "outcome": report.outcome,
            "status_code": report.status_code,
            "kind": report.kind,
            "reason": report.reason,
            "message_id": report.message_id,
            "detail": report.detail,
            **fields,
        },
        counts=counts,
        dimension=(dimension, label),
        annotation=("outcome", report.outcome),
        with_error=report.outcome == "failed",
    )
