"""Templates to staff numbers are recorded for the daily roll-up (docs/stats.md "Staff notices"):
each send Gupshup accepted once, by job and place in the staff list, with the number's first
digits only; a refused send is not recorded; and what each window between Gupshup's acceptance
and the record does when the job is retried."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from delivery_kit import APP, CUSTOMER, NOW, ORG, STAFF, Harness, permanent, transient

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.messages import OutboundJob


class Crash(Exception):
    """The Lambda dying at a chosen point (SQS then delivers the job again)."""


def _escalation(job_id: str = "turn-1#escalation#0") -> OutboundJob:
    return OutboundJob(
        job_id=job_id,
        kind="escalation",
        conversation=str(ConversationKey(APP, CUSTOMER)),
        reason="Dolor fuerte",
        turn_id="turn-1",
    )


def test_each_accepted_staff_send_is_recorded_with_the_number_s_prefix_only(h: Harness) -> None:
    h.customer()
    report = h.service.deliver(_escalation())

    assert report.sent == 3
    assert h.store.staff_sends == {
        f"turn-1#escalation#0#staff#{i}": ("escalation_notice", "346", NOW) for i in range(len(STAFF))
    }
    # Never the number: neither in the key nor in the row.
    assert not any(n in repr(h.store.staff_sends) for n in STAFF)


def test_a_staff_notice_is_recorded_like_an_escalation(h: Harness) -> None:
    job = OutboundJob.for_staff_notice(ORG, "calendar-broken#c1#first", "El calendario se desconectó.")
    report = h.service.deliver(job)
    assert (report.outcome, report.sent) == ("sent", 3)
    assert sorted(h.store.staff_sends) == [f"{job.job_id}#staff#{i}" for i in range(3)]


def test_a_send_refused_for_good_is_not_recorded(h: Harness) -> None:
    h.customer()
    h.sender.fail_for[STAFF[1]] = permanent("Invalid Destination")
    report = h.service.deliver(_escalation())
    assert (report.outcome, report.rejected) == ("partially_sent", 1)
    assert sorted(h.store.staff_sends) == ["turn-1#escalation#0#staff#0", "turn-1#escalation#0#staff#2"]


def test_a_retried_job_records_each_send_once(h: Harness) -> None:
    h.customer()
    h.sender.fail_for[STAFF[2]] = transient(503)
    with pytest.raises(GupshupError):
        h.service.deliver(_escalation())
    assert sorted(h.store.staff_sends) == ["turn-1#escalation#0#staff#0", "turn-1#escalation#0#staff#1"]
    first = dict(h.store.staff_sends)

    del h.sender.fail_for[STAFF[2]]
    h.now = NOW + timedelta(minutes=1)
    report = h.service.deliver(_escalation())  # SQS redelivers it

    assert (report.outcome, report.sent, report.skipped) == ("sent", 1, 2)
    assert len(h.store.staff_sends) == 3
    assert {k: v for k, v in h.store.staff_sends.items() if k in first} == first  # not rewritten
    assert h.store.staff_sends["turn-1#escalation#0#staff#2"][2] == NOW + timedelta(minutes=1)


def test_accepted_then_the_record_fails_the_retry_records_without_sending_again(h: Harness) -> None:
    """The window between Gupshup's acceptance (the send's ledger entry stored) and the record:
    the job fails after telling every staff number; the retry sends nothing and records all."""
    h.customer()
    h.store.staff_send_failures.append(RuntimeError("connection lost"))

    with pytest.raises(RuntimeError):
        h.service.deliver(_escalation())
    assert len(h.sender.sent) == 3  # the others were still told
    assert sorted(h.store.staff_sends) == ["turn-1#escalation#0#staff#1", "turn-1#escalation#0#staff#2"]

    report = h.service.deliver(_escalation())

    assert (report.outcome, report.sent, report.skipped) == ("sent", 0, 3)
    assert len(h.sender.sent) == 3  # nobody notified twice
    assert len(h.store.staff_sends) == 3


def test_a_crash_before_the_send_s_ledger_entry_sends_again_and_records_once(h: Harness) -> None:
    """The one window the ledger cannot close: Gupshup accepted the send and the Lambda died
    before the send's idempotency entry was stored. The retry sends it again (the staff member
    gets it twice) and it is recorded once (docs/stats.md: that second charge is not counted)."""
    h.customer()
    once = h.idempotency.once
    crashed: list[str] = []

    def crash_after_first_send(scope: str, key: str, work: Callable[[], dict[str, Any]]) -> Any:
        if scope == "send" and not crashed:
            work()  # Gupshup accepts it...
            crashed.append(key)
            raise Crash(key)  # ...and the invocation dies before the entry is stored
        return once(scope, key, work)

    h.idempotency.once = crash_after_first_send  # type: ignore[method-assign]
    with pytest.raises(Crash):
        h.service.deliver(_escalation())
    assert h.store.staff_sends == {}

    report = h.service.deliver(_escalation())

    assert (report.outcome, report.sent) == ("sent", 3)
    assert [s.destination for s in h.sender.sent] == [STAFF[0], *STAFF]  # the first one twice
    assert sorted(h.store.staff_sends) == [f"turn-1#escalation#0#staff#{i}" for i in range(3)]
