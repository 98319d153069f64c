"""One telemetry shape for every function: each unit of work (a request, a ticket, a job, a
sweep, a run) becomes one Event, a log line and EMF metrics, emitted through Powertools.

Each function's package says what its reports mean in its own `telemetry.py`: the metric names
and a pure `describe(report, **fields) -> Event` (no Powertools there, so it is tested alone),
whose report is the function's own or a `Failure`: a unit that raised is described by the same
function, while its exception is handled. Its wiring hands the handler that `describe` and the
`Counters` of its adapters (the database's round trips...), and the handler builds one
`PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)`; per unit:

    with telemetry.unit(attempt=n):      # a raise is recorded as a Failure, then goes on
        report = parts.service.run(...)
    telemetry.record(report)             # with the unit's fields and what the counters counted

so a function's round trips are counted in one place, and its failures reported one way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from receptionist.logsafe import error_fields

R = TypeVar("R")
R_contra = TypeVar("R_contra", contravariant=True)
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


@dataclass(frozen=True)
class Failure:
    """A unit of work that raised, described while its exception is handled (then it goes on):
    `error` is the exception's type; `partial`, what the unit had done by then when its service
    keeps that (the notifier's sends and retries)."""

    error: str
    partial: Any = None


class Describe(Protocol[R_contra]):
    """A function's `telemetry.describe`: what one of its reports, or a Failure, means as an Event."""

    def __call__(self, report: R_contra | Failure, **fields: Any) -> Event: ...


@dataclass(frozen=True)
class Counters:
    """Named counters of what a function's adapters did (`Database.round_trips`, the idempotency
    store's DynamoDB calls), read before and after each unit of work."""

    read: Mapping[str, Callable[[], int]] = field(default_factory=dict)

    def now(self) -> dict[str, int]:
        return {name: read() for name, read in self.read.items()}

    def since(self, then: Mapping[str, int]) -> dict[str, int]:
        return {name: value - then.get(name, 0) for name, value in self.now().items()}


class PowertoolsTelemetry(Generic[R]):
    def __init__(
        self,
        logger: Logger,
        metrics: Metrics,
        describe: Describe[R],
        tracer: Tracer | None = None,
        *,
        counters: Counters | None = None,
    ) -> None:
        self._logger = logger
        self._metrics = metrics
        self._describe = describe
        self._tracer = tracer
        self._counters = counters or Counters()
        self._unit_fields: dict[str, Any] = {}
        self._unit_counted: dict[str, int] | None = None  # the counters when the unit began

    def correlate(self, key: str | None) -> None:
        """Tag what follows (logs) with this id (a Gupshup message id)."""
        self._logger.set_correlation_id(key)

    @contextmanager
    def unit(self, *, partial: Callable[[], Any] | None = None, **fields: Any) -> Iterator[None]:
        """One unit of work: the counters are read from here, and `fields` go with its record. If
        the block raises, a Failure (with `partial()`) is recorded and the exception goes on."""
        self._unit_fields, self._unit_counted = fields, self._counters.now()
        try:
            yield
        except Exception as exc:
            self.record(Failure(type(exc).__name__, partial() if partial is not None else None))
            raise

    def record(self, report: R | Failure, **fields: Any) -> None:
        """Log and count one report (with its unit's fields and counts); a Failure is recorded
        while its exception is handled."""
        counted = self._counters.since(self._unit_counted) if self._unit_counted is not None else {}
        unit, self._unit_fields, self._unit_counted = self._unit_fields, {}, None
        self.emit(self._describe(report, **{**unit, **counted, **fields}))

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
