"""RemindersFunction: every 5 minutes, a reminder pass: the reminders due now (and missed ones
within REMINDER_LOOKBACK_HOURS) claimed exactly once and queued for the notifier
(receptionist.reminders.service, built by receptionist.reminders.wiring; docs/reminders.md); then
the handoff follow-up pass: escalations nobody took, notified again or offered a message, each
step claimed once (receptionist.reminders.handoff); then, with the time left, the businesses whose
WhatsApp templates were not read from Gupshup today (receptionist.reminders.template_sync); then,
with the time left, the recalls due at businesses open now (receptionist.reminders.recalls).
Every hour ({"pass": "budgets"}): the businesses whose month reached their budget, owner and ops
told once (receptionist.reminders.budgets). Every hour, on its own schedule ({"pass": "stats"}), the
daily roll-up of every business's last days (receptionist.stats.rollup; docs/stats.md). Thin:
settings, wiring, a call per pass.

A database outage raises: Lambda reports the error (alarmed) and the next run catches up. The
handoff pass runs after the reminders, in its own unit: its failure never holds a reminder back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from receptionist.config import RemindersSettings
from receptionist.deadline import Deadline
from receptionist.reminders.wiring import build
from receptionist.telemetry import PowertoolsTelemetry

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces
metrics = Metrics()
# Kept back from the template sync: the invocation ends well inside the function's timeout.
SYNC_RESERVE_SECONDS = 10

settings = RemindersSettings.from_env()  # validated at cold start
parts = build(settings)  # the connection is opened by the first run
telemetry = PowertoolsTelemetry(logger, metrics, parts.describe, counters=parts.counters)
handoff_telemetry = PowertoolsTelemetry(logger, metrics, parts.describe_handoff, counters=parts.counters)
templates_telemetry = PowertoolsTelemetry(logger, metrics, parts.describe_templates, counters=parts.counters)
recalls_telemetry = PowertoolsTelemetry(logger, metrics, parts.describe_recalls, counters=parts.counters)
waitlist_telemetry = PowertoolsTelemetry(logger, metrics, parts.describe_waitlist, counters=parts.counters)
budgets_telemetry = PowertoolsTelemetry(logger, metrics, parts.describe_budgets, counters=parts.counters)
stats_telemetry = PowertoolsTelemetry(logger, metrics, parts.describe_stats, counters=parts.counters)


def _sync_templates(now: datetime, context: LambdaContext) -> dict[str, int]:
    """After the reminders and follow-ups (they never wait for Gupshup), with the time left."""
    if parts.templates is None:
        return {}
    left = context.get_remaining_time_in_millis() / 1000 - SYNC_RESERVE_SECONDS
    with templates_telemetry.unit():
        synced = parts.templates.run_due(now, Deadline.after(left))
    templates_telemetry.record(synced)
    return synced.counts()


def _send_recalls(now: datetime, context: LambdaContext) -> dict[str, int]:
    """Last, after the template sync (a recall needs an approved template), with the time left;
    what it does not reach is the next run's (docs/recalls.md)."""
    if parts.recalls is None:
        return {}
    left = context.get_remaining_time_in_millis() / 1000 - SYNC_RESERVE_SECONDS
    with recalls_telemetry.unit():
        sent = parts.recalls.run(now, Deadline.after(left))
    recalls_telemetry.record(sent)
    return sent.counts("recalls_")


def _waitlist() -> dict[str, int]:
    """The minute's offer pass (its own schedule: reminders never wait for it, nor it for them)."""
    if parts.waitlist is None:
        return {}
    with waitlist_telemetry.unit():
        offered = parts.waitlist.run()
    waitlist_telemetry.record(offered)
    return offered.counts("waitlist_")


def _budgets() -> dict[str, int]:
    """The hour's budget pass (its own schedule: it reads the daily roll-up, never the messages)."""
    if parts.budgets is None:
        return {}
    with budgets_telemetry.unit():
        told = parts.budgets.run()
    budgets_telemetry.record(told)
    return told.counts("budgets_")


def _stats(context: LambdaContext) -> dict[str, int]:
    """The hour's roll-up (its own schedule), within the invocation's time: the businesses it does
    not reach are the next hour's (their trailing days are recomputed then)."""
    if parts.stats is None:
        return {}
    left = context.get_remaining_time_in_millis() / 1000 - SYNC_RESERVE_SECONDS
    with stats_telemetry.unit():
        rolled = parts.stats.run(datetime.now(UTC), Deadline.after(left))
    stats_telemetry.record(rolled)
    return rolled.counts()


# The passes on schedules of their own (the event's "pass"); any other event is the 5-minute run.
OWN_SCHEDULES: dict[str, Callable[[LambdaContext], dict[str, int]]] = {
    "waitlist": lambda _context: _waitlist(),
    "budgets": lambda _context: _budgets(),
    "stats": _stats,
}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    own_schedule = OWN_SCHEDULES.get(str(event.get("pass")))
    if own_schedule is not None:
        return own_schedule(context)
    now = datetime.now(UTC)
    with telemetry.unit():
        report = parts.service.run(now, timedelta(hours=settings.reminder_lookback_hours))
    telemetry.record(report)
    with handoff_telemetry.unit():
        followed = parts.handoff.run(datetime.now(UTC))
    handoff_telemetry.record(followed)
    synced = _sync_templates(now, context)
    return {**report.counts(), **followed.counts("handoff_"), **synced, **_send_recalls(now, context)}
