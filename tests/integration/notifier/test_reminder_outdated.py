"""A reminder already on the outbound queue when its appointment moves is never delivered (issue 24,
point 3): the real reminder pass queues it on SQS (moto), the appointment is moved through the CRM
(crm.appointments.reschedule, as "Cambiar" and the console move it), and the real notifier handler
then sends nothing to the local Gupshup server and marks the reminder skipped 'moved', while the
same business's other reminder, still current, goes out. Each costs the notifier 6 database round
trips (one of them the check)."""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notifier_kit import KEY_REF, Notifier, emitted_metrics, sqs_record

from devstack.aws import moto_client
from receptionist.adapters.queues import FifoQueue
from receptionist.conversation_key import ConversationKey
from receptionist.crm import appointments, chats
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.messages import OutboundJob
from receptionist.notifier.service import OUTDATED
from receptionist.reminders.service import ReminderPass

DAY = timedelta(days=1)


@dataclass
class Shop:
    """A business of this test's own (its reminders are no other test's), on the seed's Gupshup key."""

    id: str
    app: str
    service: str
    member: str


@pytest.fixture
def shop(notifier: Notifier) -> Shop:
    db = notifier.db  # the tables' owner: set-up only
    org, app = str(uuid.uuid4()), f"Rem{uuid.uuid4().hex[:10]}"
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
    db.execute(
        "insert into agent_settings (organization_id, timezone, reminder_offsets_minutes, reminder_template_id,"
        " reminder_template_params) values (%s, 'UTC', '{1440}', 'recordatorio_cita', '{customer_name,when}')",
        (org,),
    )
    db.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000778', %s)",
        (org, app, KEY_REF),
    )
    db.execute(
        "insert into message_templates (organization_id, template_id, label, body, param_count)"
        " values (%s, 'recordatorio_cita', 'Recordatorio', 'Hola {{1}}, te recordamos tu cita el {{2}}.', 2)",
        (org,),
    )
    service = db.fetch_one(
        "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Corte', 30, 0)"
        " returning id::text",
        (org,),
    )
    member = db.fetch_one("insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (org,))
    assert service and member
    for weekday in range(1, 8):  # open around the clock: the move may go anywhere
        db.execute(
            "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
            " values (%s, %s, %s, '00:00', '24:00')",
            (org, member["id"], weekday),
        )
    return Shop(org, app, service["id"], member["id"])


@pytest.fixture
def outbound(moto_endpoint: str) -> Iterator[tuple[Any, str]]:
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    url = sqs.create_queue(QueueName=f"out-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    yield sqs, url
    sqs.delete_queue(QueueUrl=url)


def _appointment(notifier: Notifier, shop: Shop, starts_at: datetime) -> tuple[str, str, str]:
    """(appointment, contact, customer number): a customer with a conversation, booked long before."""
    phone = f"3460{random.randrange(10**7, 10**8)}"
    db = notifier.db
    contact = db.fetch_one(
        "insert into contacts (organization_id, name, phone) values (%s, 'Lucía', %s) returning id::text",
        (shop.id, phone),
    )
    assert contact
    identity = chats.touch_identity(db, shop.id, phone, "Lucía", datetime.now(UTC))  # wrote: reminders granted
    chats.link_contact(db, shop.id, identity.id, contact["id"])
    row = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status,"
        " created_at) values (%s, %s, %s, %s, %s, %s, 'pending', %s) returning id::text",
        (
            shop.id,
            contact["id"],
            shop.service,
            shop.member,
            starts_at,
            starts_at + timedelta(minutes=30),
            starts_at - 30 * DAY,
        ),
    )
    assert row
    return row["id"], contact["id"], phone


def _queued_jobs(sqs: Any, url: str) -> list[OutboundJob]:
    found: list[OutboundJob] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
        for message in batch:
            found.append(OutboundJob.model_validate_json(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _job_done(records: list[logging.LogRecord]) -> dict[str, dict[str, Any]]:
    """The fields of the notifier's "job done" log lines, by job id."""
    return {vars(r)["job_id"]: vars(r) for r in records if r.getMessage() == "job done" and "job_id" in vars(r)}


def test_a_queued_reminder_whose_appointment_moved_is_not_delivered_and_is_skipped_moved(
    notifier: Notifier,
    shop: Shop,
    outbound: tuple[Any, str],
    app_url: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Its own far-future moment (the pass is cross-business): nobody else's reminder is due then.
    starts = datetime(2300, 1, 1, 12, tzinfo=UTC) + timedelta(days=random.randrange(30_000))
    moved, contact, moved_customer = _appointment(notifier, shop, starts)
    _, _, kept_customer = _appointment(notifier, shop, starts + timedelta(hours=1))
    at = starts + timedelta(hours=1) - DAY  # both reminders due
    sqs, url = outbound
    fn_db = Database(app_url)  # the functions' role, as the RemindersFunction and the console run
    try:
        # Other tests' stale claims are theirs: this pass re-sends none (stale_after: a millennium).
        report = ReminderPass(fn_db, FifoQueue(url, sqs), stale_after=1000 * 365 * DAY).run(at, timedelta(hours=2))
        assert (report.claimed, report.queued) == (2, 2)
        # Queued, and before the notifier gets to it the customer moves the appointment 3 days on.
        with fn_db.acting_for(shop.id):
            window = BookingWindow("UTC", lead_minutes=0, horizon_days=365, step_minutes=1)
            result = appointments.reschedule(fn_db, shop.id, contact, moved, starts + 3 * DAY, window, now=at)
        assert result.ok, result
    finally:
        fn_db.close()
    jobs = {ConversationKey.parse(job.conversation).number: job for job in _queued_jobs(sqs, url)}
    assert set(jobs) == {moved_customer, kept_customer}
    capsys.readouterr()
    caplog.clear()

    assert notifier.invoke(*(sqs_record(job) for job in jobs.values())) == []

    assert notifier.gupshup.requests_to(moved_customer) == []  # nothing reached Gupshup
    (kept,) = notifier.gupshup.requests_to(kept_customer)  # the current one did
    assert json.loads(kept["postbackTexts"])[0]["text"].startswith("reminder:")
    rows = notifier.db.fetch_all(
        "select r.status, r.skip_reason, c.phone from appointment_reminders r"
        " join appointments a on a.id = r.appointment_id join contacts c on c.id = a.contact_id"
        " where r.organization_id = %s",
        (shop.id,),
    )
    assert {r["phone"]: (r["status"], r["skip_reason"]) for r in rows} == {
        moved_customer: ("skipped", "moved"),
        kept_customer: ("sent", None),
    }
    (history,) = notifier.rows(jobs[moved_customer].job_id)  # the transcript says it was not sent, and why
    assert (history["status"], history["error"], history["kind"]) == ("undeliverable", OUTDATED["moved"], "template")

    out = capsys.readouterr().out
    metrics = emitted_metrics(out)
    assert (metrics.get("Job_outdated"), metrics.get("Outdated_moved"), metrics.get("Job_sent")) == (1, 1, 1)
    done = _job_done(caplog.records)
    skipped, sent = done[jobs[moved_customer].job_id], done[jobs[kept_customer].job_id]
    assert (skipped["outcome"], skipped["reason"], sent["outcome"]) == ("outdated", "moved", "sent")
    # organization, identity, the history row, the check, its mark (undeliverable / sent), the reminder
    assert (skipped["db_round_trips"], sent["db_round_trips"]) == (6, 6)

    # Redelivered by SQS: decided, nothing more is sent or written.
    assert notifier.invoke(sqs_record(jobs[moved_customer], receive_count=2)) == []
    assert notifier.gupshup.requests_to(moved_customer) == []
    assert notifier.app.parts.service.last_report.outcome == "duplicate"
