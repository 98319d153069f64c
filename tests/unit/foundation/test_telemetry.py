"""One telemetry shape: each function's reports described as Events (pure), and one Powertools
emitter turning an Event into a log line and EMF metrics."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics

from receptionist.notifier import telemetry as job_telemetry
from receptionist.notifier.service import DeliveryReport
from receptionist.processor import telemetry as turn_telemetry
from receptionist.processor.service import TurnReport
from receptionist.reminders import recalls_telemetry, template_sync_telemetry
from receptionist.reminders import telemetry as pass_telemetry
from receptionist.reminders.recalls import RecallReport
from receptionist.reminders.service import PassReport
from receptionist.reminders.template_sync import SyncReport
from receptionist.sweeper import telemetry as sweep_telemetry
from receptionist.sweeper.service import SweepReport
from receptionist.telemetry import Counters, Event, Failure, PowertoolsTelemetry


def test_a_turn_that_fell_back_is_an_error_counted_as_given_up() -> None:
    event = turn_telemetry.describe(
        TurnReport("gave_up", turn_id="wamid.1", messages=2, total_seconds=3.0, model_seconds=1.0), attempt=3
    )
    assert (event.level, event.message) == ("error", "turn fell back")
    assert event.counts["Turn_gave_up"] == 1 and event.counts[turn_telemetry.TURNS_GIVEN_UP] == 1
    assert event.seconds["TurnOverheadSeconds"] == 2.0 and event.fields["attempt"] == 3


def test_a_skipped_ticket_counts_its_outcome_only() -> None:
    event = turn_telemetry.describe(TurnReport("skipped_debounce"))
    assert event.counts == {"Turn_skipped_debounce": 1} and event.seconds == {}
    assert event.level == "info"


def test_a_budget_refusal_is_counted_for_its_alarm() -> None:
    assert turn_telemetry.describe(TurnReport("over_budget")).counts[turn_telemetry.TURNS_OVER_BUDGET] == 1


def test_a_search_without_embeddings_is_counted_and_the_tools_named() -> None:
    report = TurnReport("answered", tools=["knowledge_search"], search_degraded=1)
    event = turn_telemetry.describe(report)
    assert event.counts[turn_telemetry.SEARCH_DEGRADED] == 1 and event.fields["tools"] == ["knowledge_search"]
    assert turn_telemetry.SEARCH_DEGRADED not in turn_telemetry.describe(TurnReport("answered")).counts


def test_cached_prompt_tokens_are_recorded_with_the_turn() -> None:
    event = turn_telemetry.describe(TurnReport("answered", model_calls=2, prompt_tokens=3000, cached_tokens=2048))
    assert event.counts["CachedPromptTokens"] == 2048 and event.counts["PromptTokens"] == 3000


def test_a_failed_ticket_carries_the_error() -> None:
    event = turn_telemetry.describe(Failure("OperationalError"), attempt=2)
    assert event.with_error and event.counts == {"Turn_failed": 1} and event.fields == {"attempt": 2}


def test_an_undeliverable_job_is_a_warning_labelled_by_reason() -> None:
    report = DeliveryReport("job-1", "reply", outcome="undeliverable", reason="outside_window", http_calls=0)
    event = job_telemetry.describe(report, attempt=1)
    assert event.level == "warning"
    assert event.counts == {"Job_undeliverable": 1, "Undeliverable_outside_window": 1}


def test_a_sent_job_counts_its_sends_and_retries() -> None:
    report = DeliveryReport("job-2", "reply", outcome="sent", parts=2, sent=2, http_calls=3, delays=[0.5])
    event = job_telemetry.describe(report)
    assert event.counts == {"Job_sent": 1, "MessagesSent": 2, "SendRetries": 1, "GupshupCalls": 3}
    assert event.fields["retry_delays"] == [0.5] and event.level == "info"


def test_a_sweep_reports_zeros_too_and_errors_when_it_abandons() -> None:
    quiet = sweep_telemetry.describe(SweepReport())
    assert quiet.counts == {"StaleConversations": 0, "Reticketed": 0, "SweepsAbandoned": 0}
    assert quiet.level == "info"
    assert sweep_telemetry.describe(SweepReport(stale=1, abandoned=1)).level == "error"


def test_a_reminder_pass_counts_only_and_errors_when_a_reminder_failed() -> None:
    quiet = pass_telemetry.describe(PassReport(), db_round_trips=1)
    assert quiet.counts == {
        "RemindersQueued": 0, "RemindersRequeued": 0, "RemindersSkipped": 0, "RemindersFailed": 0, "RemindersGivenUp": 0
    }  # fmt: skip
    assert quiet.level == "info" and quiet.fields["db_round_trips"] == 1
    assert set(quiet.fields) == {*PassReport().counts(), "db_round_trips"}  # counts, never numbers or names
    busy = pass_telemetry.describe(PassReport(due=3, claimed=3, queued=3, requeued=1, skipped=1, failed=2, given_up=1))
    assert busy.counts == {
        "RemindersQueued": 3, "RemindersRequeued": 1, "RemindersSkipped": 1, "RemindersFailed": 2, "RemindersGivenUp": 1
    }  # fmt: skip
    assert busy.level == "error"
    failed = pass_telemetry.describe(Failure("OperationalError"))
    assert failed.level == "error" and failed.with_error and not failed.counts


def test_a_recall_pass_counts_only_with_its_prefix_and_errors_when_a_recall_failed() -> None:
    quiet = recalls_telemetry.describe(RecallReport(), db_round_trips=2)
    assert quiet.counts == {"RecallsQueued": 0, "RecallsSkipped": 0, "RecallsFailed": 0, "RecallsGivenUp": 0}
    assert quiet.level == "info" and quiet.fields["db_round_trips"] == 2
    assert set(quiet.fields) == {*RecallReport().counts("recalls_"), "db_round_trips"}  # counts, never numbers
    busy = recalls_telemetry.describe(RecallReport(due=4, closed=1, claimed=3, queued=2, skipped=1, failed=1))
    assert busy.counts == {"RecallsQueued": 2, "RecallsSkipped": 1, "RecallsFailed": 1, "RecallsGivenUp": 0}
    assert busy.level == "error" and busy.fields["recalls_closed"] == 1
    failed = recalls_telemetry.describe(Failure("OperationalError"))
    assert failed.level == "error" and failed.with_error and not failed.counts


def test_a_template_sync_is_counted_by_business_and_names_its_error_kinds_only() -> None:
    quiet = template_sync_telemetry.describe(SyncReport(synced=2, added=3), db_round_trips=4)
    assert quiet.counts == {"TemplatesSynced": 2, "TemplatesFailed": 0}
    assert quiet.level == "info" and quiet.fields["templates_added"] == 3 and quiet.fields["db_round_trips"] == 4
    failing = template_sync_telemetry.describe(SyncReport(synced=1, failed=2, errors={"no_key": 1, "unreachable": 1}))
    assert failing.level == "warning" and failing.counts["TemplatesFailed"] == 2
    assert failing.fields["sync_error_no_key"] == 1 and failing.fields["sync_error_unreachable"] == 1
    raised = template_sync_telemetry.describe(Failure("OperationalError"))
    assert raised.level == "error" and raised.with_error and not raised.counts


@pytest.fixture
def emitter(capsys: pytest.CaptureFixture[str]) -> Any:
    stream = io.StringIO()
    logger = Logger(service=f"telemetry-test-{uuid.uuid4().hex}", stream=stream, level="INFO")
    metrics = Metrics(namespace="TelemetryTest", service="telemetry-test")

    def emit(event: Event) -> tuple[dict[str, Any], dict[str, Any]]:
        capsys.readouterr()
        PowertoolsTelemetry(logger, metrics, lambda report: event).record(object())
        metrics.flush_metrics()
        (line,) = stream.getvalue().splitlines()[-1:]
        (emf,) = capsys.readouterr().out.splitlines()
        return json.loads(line), json.loads(emf)

    return emit


def test_an_event_becomes_one_log_line_and_its_metrics(emitter: Any) -> None:
    line, emf = emitter(
        Event(
            "job done",
            level="warning",
            fields={"job_id": "j1", "reason": None},
            counts={"Job_sent": 1, "MessagesSent": 2},
            seconds={"TurnSeconds": 1.5},
            dimension=("kind", "text"),
        )
    )
    assert line["message"] == "job done" and line["level"] == "WARNING"
    assert line["job_id"] == "j1" and "reason" not in line  # None fields are left out
    definitions = emf["_aws"]["CloudWatchMetrics"][0]
    units = {m["Name"]: m["Unit"] for m in definitions["Metrics"]}
    assert units == {"Job_sent": "Count", "MessagesSent": "Count", "TurnSeconds": "Seconds"}
    assert (emf["Job_sent"], emf["MessagesSent"], emf["TurnSeconds"]) == ([1.0], [2.0], [1.5])
    assert emf["kind"] == "text" and sorted(definitions["Dimensions"][0]) == ["kind", "service"]


def test_an_error_event_is_logged_by_type_and_place_only(emitter: Any) -> None:
    try:
        raise ValueError("34611999888 dijo algo privado")
    except ValueError:
        line, _ = emitter(Event("turn failed", level="error", counts={"Turn_failed": 1}, with_error=True))
    assert line["level"] == "ERROR" and line["error"] == "ValueError"
    assert "34611999888" not in json.dumps(line)


def _unit_telemetry() -> tuple[PowertoolsTelemetry[SweepReport], list[tuple[object, dict[str, Any]]], list[int]]:
    described: list[tuple[object, dict[str, Any]]] = []
    trips = [10]

    def describe(report: SweepReport | Failure, **fields: Any) -> Event:
        described.append((report, fields))
        return sweep_telemetry.describe(report, **fields)

    logger = Logger(service=f"telemetry-test-{uuid.uuid4().hex}", stream=io.StringIO(), level="INFO")
    metrics = Metrics(namespace="TelemetryTest", service="telemetry-test")
    counters = Counters({"db_round_trips": lambda: trips[0]})
    return PowertoolsTelemetry(logger, metrics, describe, counters=counters), described, trips


def test_a_unit_s_record_carries_its_fields_and_what_its_counters_counted() -> None:
    telemetry, described, trips = _unit_telemetry()
    with telemetry.unit(attempt=2):
        trips[0] += 3  # the unit's own round trips
        report = SweepReport(stale=1)
    telemetry.record(report)
    assert described == [(report, {"attempt": 2, "db_round_trips": 3})]
    telemetry.record(SweepReport())  # outside a unit: nothing counted, no stale fields
    assert described[-1][1] == {}


def test_a_unit_that_raises_is_described_as_a_failure_and_raises_on() -> None:
    telemetry, described, trips = _unit_telemetry()
    partial = SweepReport(stale=4)
    with pytest.raises(TimeoutError), telemetry.unit(attempt=3, partial=lambda: partial):
        trips[0] += 1
        raise TimeoutError("the table is away")
    assert described == [(Failure("TimeoutError", partial), {"attempt": 3, "db_round_trips": 1})]
    event = sweep_telemetry.describe(Failure("TimeoutError"))
    assert event.level == "error" and event.with_error and not event.counts
