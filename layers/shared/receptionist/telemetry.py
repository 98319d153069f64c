"""One telemetry shape for every function: each unit of work (a request, a ticket, a job, a
sweep) becomes one Event, a log line and EMF metrics, emitted through Powertools.

Each function's package says what its reports mean in its own `telemetry.py`: the metric names
and a pure `describe(report, **fields) -> Event` (no Powertools there, so it is tested alone).
Handlers build one `PowertoolsTelemetry(logger, metrics, describe)` and call `record(report)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from receptionist.logsafe import error_fields

R = TypeVar("R")
Level = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Event:
    """A log line and its metrics. Fields whose value is None are left out of the line."""

    message: str
    level: Level = "info"
    fields: Mapping[str, Any] = field(default_factory=dict)
    counts: Mapping[str, float] = field(default_factory=dict)  # Count metrics, as given
    seconds: Mapping[str, float] = field(default_factory=dict)  # Seconds metrics
    dimension: tuple[str, str] | None = None  # (name, value) for this invocation's metrics
    annotation: tuple[str, str] | None = None  # X-Ray annotation (key, value)
    with_error: bool = False  # the exception being handled, by type / SQL state / place only


class PowertoolsTelemetry(Generic[R]):
    def __init__(
        self, logger: Logger, metrics: Metrics, describe: Callable[..., Event], tracer: Tracer | None = None
    ) -> None:
        self._logger = logger
        self._metrics = metrics
        self._describe = describe
        self._tracer = tracer

    def correlate(self, key: str | None) -> None:
        """Tag what follows (logs) with this id (a Gupshup message id)."""
        self._logger.set_correlation_id(key)

    def record(self, report: R, **fields: Any) -> None:
        """Log and count one report; a failed one is recorded while its exception is handled."""
        self.emit(self._describe(report, **fields))

    def emit(self, event: Event) -> None:
        if event.dimension is not None:
            self._metrics.add_dimension(name=event.dimension[0], value=event.dimension[1])
        for name, value in event.counts.items():
            self._metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        for name, value in event.seconds.items():
            self._metrics.add_metric(name=name, unit=MetricUnit.Seconds, value=value)
        if event.annotation is not None and self._tracer is not None:
            self._tracer.put_annotation(key=event.annotation[0], value=event.annotation[1])
        extra = {k: v for k, v in event.fields.items() if v is not None}
        if event.with_error:
            extra.update(error_fields())
        log: dict[str, Callable[..., None]] = {
            "info": self._logger.info,
            "warning": self._logger.warning,
            "error": self._logger.error,
        }
        log[event.level](event.message, extra=extra)
