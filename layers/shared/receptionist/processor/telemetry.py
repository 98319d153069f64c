"""Processor telemetry on Powertools: one log line and a few EMF metrics per ticket.

Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  Turn_<outcome>        every ticket: answered, replayed, skipped_debounce, gave_up, human_owned,
                        opted_out, media_failed, unknown_app, nothing_pending, opted_in... ; failed
  TurnsGivenUp          turns that ended in the fallback sentence and a staff notice (alarmed)
  TurnsOverBudget       turns not answered by the model: a conversation's or business's budget
                        was spent (alarmed)
  MessagesCarried       messages left for the next turn by the turn limits
  MessagesTakenOver     messages of a failed or abandoned turn answered by a later one
  TurnsSettled          earlier recorded turns a ticket sent and finished
  TurnSeconds, TurnModelSeconds, TurnMediaSeconds, TurnDatabaseSeconds, TurnOverheadSeconds
  ModelCalls, PromptTokens, CompletionTokens

Logs carry the turn id (a Gupshup message id), outcome, counts and timings; never the
customer's text or number.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from receptionist.logsafe import error_fields
from receptionist.processor.service import TurnReport

_TIMED = ("answered", "media_failed", "replayed", "gave_up")


class ProcessorTelemetry:
    def __init__(self, logger: Logger, metrics: Metrics) -> None:
        self._logger = logger
        self._metrics = metrics

    def _add(self, name: str, value: float, unit: MetricUnit = MetricUnit.Count) -> None:
        self._metrics.add_metric(name=name, unit=unit, value=value)

    def failed(self, attempt: int) -> None:
        """A ticket that raised (it is retried by SQS); call while the exception is handled.
        Logged by type, SQL state and place: an exception's message may quote customer data."""
        self._add("Turn_failed", 1)
        self._logger.error("turn failed", extra={"attempt": attempt, **error_fields()})

    def record(self, report: TurnReport, **extra: Any) -> None:
        self._add(f"Turn_{report.outcome}", 1)
        if report.outcome == "gave_up":
            self._add("TurnsGivenUp", 1)
        if report.outcome == "over_budget":
            self._add("TurnsOverBudget", 1)
        for name, value in (
            ("MessagesCarried", report.carried),
            ("MessagesTakenOver", report.taken_over),
            ("TurnsSettled", report.settled),
        ):
            if value:
                self._add(name, value)
        if report.outcome in _TIMED:
            for name, seconds in (
                ("TurnSeconds", report.total_seconds),
                ("TurnModelSeconds", report.model_seconds),
                ("TurnMediaSeconds", report.media_seconds),
                ("TurnDatabaseSeconds", report.db_seconds),
                ("TurnOverheadSeconds", report.overhead_seconds),
            ):
                self._add(name, seconds, MetricUnit.Seconds)
            self._add("ModelCalls", report.model_calls)
            self._add("PromptTokens", report.prompt_tokens)
            self._add("CompletionTokens", report.completion_tokens)
        fields = {
            "outcome": report.outcome,
            "turn_id": report.turn_id,
            "messages": report.messages,
            "carried": report.carried or None,
            "taken_over": report.taken_over or None,
            "settled": report.settled or None,
            "error": report.error,
            "db_round_trips": report.db_round_trips,
            "model_calls": report.model_calls,
            "seconds": round(report.total_seconds, 4),
            "model_seconds": round(report.model_seconds, 4),
            "media_seconds": round(report.media_seconds, 4),
            "db_seconds": round(report.db_seconds, 4),
            "overhead_seconds": round(report.overhead_seconds, 4),
            **extra,
        }
        fields = {k: v for k, v in fields.items() if v is not None}
        if report.outcome == "gave_up":
            self._logger.error("turn fell back", extra=fields)
        else:
            self._logger.info("turn done", extra=fields)
