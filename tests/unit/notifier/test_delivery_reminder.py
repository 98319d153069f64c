"""Kind "reminder": an appointment reminder, delivered as an approved template with the
reminder's postback texts on its quick-reply buttons; the reminder row is marked sent or skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_testkit import APP, Harness, permanent, transient
from pydantic import ValidationError

from receptionist.adapters.gupshup_api import GupshupError
from receptionist.messages import OutboundJob

REMINDER = "7d0c1c52-52a4-4a0e-9d0f-0b8a4f0c0001"
POSTBACKS = ["reminder:tok1:confirm", "reminder:tok1:cancel", "reminder:tok1:change"]


def _reminder(number: str, reminder_id: str = REMINDER) -> OutboundJob:
    return OutboundJob.for_reminder(
        f"{APP}#{number}",
        reminder_id,
        "recordatorio_cita",
        ["Lucía", "04/12/2026 a las 10:30"],
        "Hola Lucía, te recordamos tu cita el 04/12/2026 a las 10:30.",
        POSTBACKS,
    )


def test_a_reminder_goes_out_as_a_template_with_its_postbacks_outside_the_window(h: Harness) -> None:
    number = "34600300001"
    h.customer(number, last_inbound=timedelta(days=20))
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
    h.sender.fail_next(permanent("Template Not Found"))
    assert h.service.deliver(_reminder(number)).outcome == "undeliverable"
    assert h.store.reminders == {REMINDER: "skipped"}


def test_a_reminder_redelivered_or_queued_twice_is_sent_once(h: Harness) -> None:
    number = "34600300005"
    h.customer(number)
    h.sender.fail_next(*[transient()] * 4)
    with pytest.raises(GupshupError):
        h.service.deliver(_reminder(number))
    assert h.store.reminders == {}  # nothing decided while it may still be sent

    assert h.service.deliver(_reminder(number)).outcome == "sent"
    again = h.service.deliver(_reminder(number))  # a second pass re-queued the same reminder
    assert (again.outcome, again.http_calls) == ("duplicate", 0)
    assert len(h.sender.sent) == 1 and h.store.reminders == {REMINDER: "sent"}


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
