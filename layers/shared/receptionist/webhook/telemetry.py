"""Webhook telemetry on Powertools: one log line and one EMF metric per request.

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

from typing import Final

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from receptionist.logsafe import error_fields
from receptionist.webhook.ports import Outcome

_METRIC: Final[dict[str, tuple[str, str]]] = {
    # result: (metric name, dimension)
    "accepted": ("Received", "kind"),
    "forwarded": ("Received", "kind"),
    "duplicate": ("Duplicates", "kind"),
    "ignored": ("Ignored", "reason"),
    "rejected": ("Rejected", "reason"),
    "failed": ("Failed", "reason"),
}


class PowertoolsTelemetry:
    def __init__(self, logger: Logger, metrics: Metrics, tracer: Tracer | None = None) -> None:
        self._logger = logger
        self._metrics = metrics
        self._tracer = tracer

    def correlate(self, message_id: str | None) -> None:
        self._logger.set_correlation_id(message_id)

    def record(self, outcome: Outcome) -> None:
        name, dimension = _METRIC[outcome.result]
        label = (outcome.kind if dimension == "kind" else outcome.reason) or "unknown"
        self._metrics.add_dimension(name=dimension, value=label)
        self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        if outcome.reason == "reticketed":
            self._metrics.add_metric(name="Reticketed", unit=MetricUnit.Count, value=1)
        if self._tracer is not None:
            self._tracer.put_annotation(key="outcome", value=outcome.result)
        fields = {
            "outcome": outcome.result,
            "status_code": outcome.status_code,
            "kind": outcome.kind,
            "reason": outcome.reason,
            "message_id": outcome.message_id,
            "detail": outcome.detail,
        }
        extra = {k: v for k, v in fields.items() if v is not None}
        if outcome.result == "failed":
            self._logger.error("webhook request failed", extra={**extra, **error_fields()})
        elif outcome.result == "rejected":
            self._logger.warning("webhook request rejected", extra=extra)
        else:
            self._logger.info(f"webhook request {outcome.result}", extra=extra)
