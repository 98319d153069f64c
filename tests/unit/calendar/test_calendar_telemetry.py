"""What the calendar functions' reports mean as metrics (receptionist.calendar.telemetry and
receptionist.calendar_push.telemetry): counts only, a failure counted and logged with its error."""

from __future__ import annotations

from receptionist.calendar import telemetry
from receptionist.calendar.channels import PollReport, RenewReport
from receptionist.calendar.publish import PublishReport
from receptionist.calendar.relay import RelayReport
from receptionist.calendar.schedule import ScheduleReport
from receptionist.calendar.sync import SyncReport
from receptionist.calendar_push import telemetry as push_telemetry
from receptionist.calendar_push.service import PushReport
from receptionist.telemetry import Failure


def test_a_publish_and_a_sync_count_what_they_did() -> None:
    put = telemetry.describe(PublishReport("put"), attempt=1)
    assert put.counts == {telemetry.EVENTS_PUT: 1, telemetry.EVENTS_DELETED: 0, telemetry.BROKEN: 0}
    assert put.fields == {"job": "appointment", "outcome": "put", "attempt": 1}
    resynced = telemetry.describe(SyncReport("resynced", changed=4, blocks=3, conflicts=2))
    assert resynced.counts == {
        telemetry.SYNCS: 1,
        telemetry.FULL_RESYNCS: 1,
        telemetry.CONFLICTS: 2,
        telemetry.BROKEN: 0,
    }
    broken = telemetry.describe(SyncReport("broken"))
    assert (broken.level, broken.counts[telemetry.BROKEN], broken.counts[telemetry.SYNCS]) == ("warning", 1, 0)


def test_a_failed_job_is_counted_with_its_error_and_a_failed_schedule_is_an_error() -> None:
    failed = telemetry.describe(Failure("CalendarUnavailable"), attempt=3)
    assert (failed.counts, failed.with_error, failed.fields) == ({telemetry.JOBS_FAILED: 1}, True, {"attempt": 3})
    assert telemetry.describe_schedule(Failure("OperationalError")).level == "error"


def test_the_schedule_counts_relay_renewals_and_polls() -> None:
    report = ScheduleReport(RelayReport(7), RenewReport(renewed=2, failed=1, broken=1), PollReport(3))
    event = telemetry.describe_schedule(report)
    assert event.counts == {
        telemetry.RELAYED: 7,
        telemetry.RENEWED: 2,
        telemetry.RENEW_FAILED: 1,
        telemetry.BROKEN: 1,
        telemetry.POLLS: 3,
    }
    assert event.level == "warning"


def test_a_rejected_push_is_counted_by_reason() -> None:
    event = push_telemetry.describe(PushReport("rejected", "bad_token"))
    assert (event.counts, event.dimension) == ({push_telemetry.REJECTED: 1}, ("reason", "bad_token"))
    assert push_telemetry.describe(PushReport("queued", state="exists")).counts == {push_telemetry.QUEUED: 1}
