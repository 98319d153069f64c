"""Kind "reminder": an appointment reminder, delivered as an approved template with the
reminder's postback texts on its quick-reply buttons; the reminder row is marked sent or skipped.
Right before the send the reminder must still be current (its appointment active, at the time the
reminder is for, not started): a job queued or retried before a cancel, a move or the start is not
sent and the reminder is skipped with the reason (issue 24, point 3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from delivery_kit import APP, Harness, permanent, transient
from pydantic import ValidationError

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.conversation_key import ConversationKey
from receptionist.messages import OutboundJob
from receptionist.notifier.service import OUTDATED
from receptionist.notifier.telemetry import describe

REMINDER = "7d0c1c52-52a4-4a0e-9d0f-0b8a4f0c0001"
POSTBACKS = ["reminder:tok1:confirm", "reminder:tok1:cancel", "reminder:tok1:change"]


def _reminder(number: str, reminder_id: str = REMINDER) -> OutboundJob:
    return OutboundJob.for_reminder(
        str(ConversationKey(APP, number)),
        reminder_id,
        "recordatorio_cita",
        ["Lucía", "04/12/2026 a las 10:30"],
        "Hola Lucía, te recordamos tu cita el 04/12/2026 a las 10:30.",
        POSTBACKS,
    )


def test_a_reminder_goes_out_as_a_template_with_its_postbacks_outside_the_window(h: Harness) -> None:
    number = "34600300001"
    h.customer(number, last_inbound=timedelta(days=20))
    h.appointment(REMINDER)
    job = _reminder(number)

    report = h.service.deliver(job)

    assert (report.kind, report.outcome, report.sent, report.http_calls) == ("reminder", "sent", 1, 1)
    (sent,) = h.sender.sent
    assert (sent.kind, sent.destination, sent.template_id, sent.params, sent.postback_texts) == (
        "template",
        number,
        "recordatorio_cita",
        ["Lucía", "04/12/2026 a las 10:30"],
        POSTBACKS,
    )
    (row,) = h.store.parts_of(f"reminder#{REMINDER}")
    assert (row.kind, row.status, row.sent_by, row.text) == (
        "template",
        "sent",
        None,  # the business's assistant, not a staff member
        "Hola Lucía, te recordamos tu cita el 04/12/2026 a las 10:30.",
    )
    assert h.store.reminders == {REMINDER: "sent"}
    assert h.store.acting == []


def test_a_reminder_to_a_customer_who_opted_out_is_skipped(h: Harness) -> None:
    number = "34600300002"
    h.customer(number, opted_out=True)

    report = h.service.deliver(_reminder(number))

    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "opted_out", 0)
    assert h.store.reminders == {REMINDER: "skipped"}


def test_a_reminder_without_a_conversation_is_skipped(h: Harness) -> None:
    report = h.service.deliver(_reminder("34600300003"))
    assert (report.outcome, report.reason, h.sender.calls) == ("undeliverable", "unknown_customer", 0)
    assert h.store.reminders == {REMINDER: "skipped"}


def test_a_reminder_refused_for_good_is_skipped(h: Harness) -> None:
    number = "34600300004"
    h.customer(number)
    h.appointment(REMINDER)
    h.sender.fail_next(permanent("Template Not Found"))
    assert h.service.deliver(_reminder(number)).outcome == "undeliverable"
    assert h.store.reminders == {REMINDER: "skipped"}


def test_a_reminder_redelivered_or_queued_twice_is_sent_once(h: Harness) -> None:
    number = "34600300005"
    h.customer(number)
    h.appointment(REMINDER)
    h.sender.fail_next(*[transient()] * 4)
    with pytest.raises(GupshupError):
        h.service.deliver(_reminder(number))
    assert h.store.reminders == {}  # nothing decided while it may still be sent

    assert h.service.deliver(_reminder(number)).outcome == "sent"
    again = h.service.deliver(_reminder(number))  # a second pass re-queued the same reminder
    assert (again.outcome, again.http_calls) == ("duplicate", 0)
    assert len(h.sender.sent) == 1 and h.store.reminders == {REMINDER: "sent"}


# -- never late, never for another time (issue 24, point 3) ---------------------------------------
def test_a_current_reminder_is_read_right_before_it_is_sent(h: Harness) -> None:
    """Pending, still at its time, starting in a minute: it goes out, after one read of its appointment."""
    number = "34600300010"
    h.customer(number)
    h.appointment(REMINDER, reminded=timedelta(minutes=1), status="confirmed")

    report = h.service.deliver(_reminder(number))

    assert (report.outcome, report.reason, report.sent) == ("sent", None, 1)
    assert h.store.events == [f"reminder_timing {REMINDER}", "send_template"]
    assert (h.store.reminders, h.store.skip_reasons) == ({REMINDER: "sent"}, {})


@pytest.mark.parametrize(
    ("appointment", "reason"),
    [
        ({"starts": timedelta(days=4)}, "moved"),  # moved later: this reminder was for its earlier time
        ({"starts": timedelta(hours=2)}, "moved"),  # moved earlier
        ({"status": "cancelled"}, "cancelled"),
        ({"status": "cancelled", "starts": timedelta(days=4)}, "cancelled"),
        ({"reminded": timedelta(0)}, "started"),  # starts right now
        ({"reminded": -timedelta(minutes=10)}, "started"),
        ({"reminded": -timedelta(hours=1), "status": "completed"}, "started"),
        ({"reminded": -timedelta(hours=1), "status": "no_show"}, "started"),
        ({"consented": False}, "no_consent"),  # reminder consent withdrawn since the pass queued it
    ],
    ids=[
        "moved-later",
        "moved-earlier",
        "cancelled",
        "cancelled-and-moved",
        "starts-now",
        "started",
        "completed",
        "no-show",
        "no-consent",
    ],
)
def test_a_reminder_no_longer_current_is_not_sent_and_is_skipped_with_its_reason(
    h: Harness, appointment: dict[str, Any], reason: str
) -> None:
    number = "34600300011"
    h.customer(number)
    h.appointment(REMINDER, **appointment)

    report = h.service.deliver(_reminder(number))

    assert (report.outcome, report.reason, report.sent, report.http_calls) == ("outdated", reason, 0, 0)
    assert h.sender.sent == []
    assert (h.store.reminders, h.store.skip_reasons) == ({REMINDER: "skipped"}, {REMINDER: reason})
    (row,) = h.store.parts_of(f"reminder#{REMINDER}")  # the history says what was not sent, and why
    assert (row.status, row.error) == ("undeliverable", OUTDATED[reason])
    event = describe(report)
    assert event.counts == {"Job_outdated": 1, f"Outdated_{reason}": 1}
    assert (event.level, event.fields["reason"]) == ("info", reason)


def test_a_reminder_whose_row_or_appointment_is_gone_is_not_sent(h: Harness) -> None:
    number = "34600300012"
    h.customer(number)  # no appointment behind the reminder any more (erased)

    report = h.service.deliver(_reminder(number))

    assert (report.outcome, report.reason, h.sender.calls) == ("outdated", "gone", 0)
    assert (h.store.reminders, h.store.skip_reasons) == ({REMINDER: "skipped"}, {REMINDER: "gone"})


@pytest.mark.parametrize(
    ("change", "reason"), [({"starts": timedelta(days=3)}, "moved"), ({"status": "cancelled"}, "cancelled")]
)
def test_a_retried_reminder_checks_again_before_it_is_sent(h: Harness, change: dict[str, Any], reason: str) -> None:
    """Gupshup failed every attempt (the job is redelivered by SQS); meanwhile the appointment
    changed: the redelivery reads it again and sends nothing."""
    number = "34600300013"
    h.customer(number)
    h.appointment(REMINDER)
    h.sender.fail_next(*[transient()] * 4)
    with pytest.raises(GupshupError):
        h.service.deliver(_reminder(number))
    assert (h.sender.sent, h.store.reminders) == ([], {})
    h.appointment(REMINDER, **change)

    report = h.service.deliver(_reminder(number))

    assert (report.outcome, report.reason, report.http_calls) == ("outdated", reason, 0)
    assert h.sender.sent == [] and h.sender.calls == 4  # only the first delivery's failed attempts
    assert h.store.events.count(f"reminder_timing {REMINDER}") == 2  # once per delivery, before its sends
    assert (h.store.reminders, h.store.skip_reasons) == ({REMINDER: "skipped"}, {REMINDER: reason})
    assert h.service.deliver(_reminder(number)).outcome == "duplicate"  # decided: a third copy does nothing


def test_a_reminder_sent_before_a_crash_is_sent_even_if_its_appointment_moved_since(h: Harness) -> None:
    """The failure window after Gupshup accepted the reminder and before it was recorded: the
    redelivery finds the send made (per-send idempotency) and does not check again, so what the
    customer got is recorded as sent, never as skipped."""
    number = "34600300014"
    h.customer(number)
    h.appointment(REMINDER)
    crash = RuntimeError("the database went away after the send")
    original = h.store.mark_sent

    def mark_sent_crashing(organization_id: str, message_id: str, provider_message_id: str) -> None:
        raise crash

    h.store.mark_sent = mark_sent_crashing  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        h.service.deliver(_reminder(number))
    h.store.mark_sent = original  # type: ignore[method-assign]
    assert len(h.sender.sent) == 1 and h.store.reminders == {}
    h.appointment(REMINDER, starts=timedelta(days=3))  # moved after the send

    report = h.service.deliver(_reminder(number))

    assert (report.outcome, report.sent, report.skipped, report.http_calls) == ("sent", 0, 1, 0)
    assert len(h.sender.sent) == 1 and h.store.events.count(f"reminder_timing {REMINDER}") == 1
    assert (h.store.reminders, h.store.skip_reasons) == ({REMINDER: "sent"}, {})
    (row,) = h.store.parts_of(f"reminder#{REMINDER}")
    assert row.status == "sent"


def test_a_staff_template_is_not_checked_as_a_reminder(h: Harness) -> None:
    number = "34600300015"
    h.customer(number)
    job = OutboundJob.for_human_template(
        str(ConversationKey(APP, number)), "retomar_conversacion", ["Lucía"], "Hola", "ana@x.es"
    )
    assert h.service.deliver(job).outcome == "sent"
    assert h.store.events == ["send_template"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"template_id": None}, "template_id"),
        ({"reminder_id": None}, "reminder_id"),
        ({"postbacks": ["a", "b", "c", "d"]}, "at most 3"),
    ],
)
def test_a_reminder_job_needs_what_it_delivers(changes: dict[str, object], message: str) -> None:
    document = _reminder("34600300006").model_dump() | changes
    with pytest.raises(ValidationError, match=message):
        OutboundJob.model_validate(document)


def test_a_reminder_job_survives_the_queue_and_older_kinds_are_unchanged() -> None:
    job = _reminder("34600300007")
    assert job.job_id == f"reminder#{REMINDER}" and job.sent_by is None
    assert OutboundJob.model_validate_json(job.model_dump_json(exclude_none=True)) == job
    reply = OutboundJob.for_reply(f"{APP}#34600300007", "turn-9", "Hola")
    assert reply.postbacks == [] and reply.reminder_id is None
