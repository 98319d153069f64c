"""The notifier end to end: SQS event -> real handler -> local Gupshup server + PostgreSQL + moto."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from notifier_kit import APP, ORG, Notifier, emitted_metrics, message_group, sqs_record

from devstack.aws import moto_client
from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats
from receptionist.messages import OutboundJob, fifo_id
from receptionist.notifier.splitting import WHATSAPP_TEXT_LIMIT


def _long_text() -> str:
    paragraphs = [
        " ".join(f"Párrafo {p}, frase {i}: en la clínica cuidamos de tu sonrisa y de tu salud." for i in range(14))
        for p in range(10)
    ]
    return "\n\n".join(paragraphs)


def _texts(notifier: Notifier, number: str) -> list[str]:
    return [json.loads(f["message"])["text"] for f in notifier.gupshup.requests_to(number)]


# -- replies -------------------------------------------------------------------------------------
def test_a_reply_is_sent_and_its_provider_id_recorded(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, "¡Hola Lucía! Una limpieza dental cuesta 45 €.")

    assert notifier.deliver(job) == []

    (sent,) = notifier.gupshup.sent_to(customer.customer_number)
    assert (sent.kind, sent.source, sent.app, sent.text) == (
        "session",
        "34910000001",
        APP,
        "¡Hola Lucía! Una limpieza dental cuesta 45 €.",
    )
    row = notifier.first_row(job)
    assert (row["status"], row["provider_message_id"]) == ("sent", sent.provider_id)
    assert notifier.app.parts.service.last_report.http_calls == 1


@pytest.mark.parametrize("mode", ["500", "429", "rate_limit", "hang"])
def test_transient_failures_are_retried_and_the_reply_goes_once(notifier: Notifier, mode: str) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, f"Respuesta tras un fallo {mode}.")
    notifier.gupshup.fail_next(mode)

    assert notifier.deliver(job) == []

    assert len(notifier.gupshup.requests_to(customer.customer_number)) == 2  # the failure, then the retry
    assert len(notifier.gupshup.sent_to(customer.customer_number)) == 1
    assert len(notifier.slept) == 1 and 0 <= notifier.slept[0] <= 0.5  # full jitter, first step
    assert notifier.first_row(job)["status"] == "sent"


def test_a_permanent_error_is_recorded_and_not_retried(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, "Hola")
    notifier.gupshup.fail_next("invalid_destination")

    assert notifier.deliver(job) == []  # nothing to try again: the record succeeds

    assert len(notifier.gupshup.requests_to(customer.customer_number)) == 1 and notifier.slept == []
    row = notifier.first_row(job)
    assert row["status"] == "undeliverable" and "Invalid Destination" in row["error"]


def test_when_retries_run_out_the_record_fails_and_the_redelivery_sends(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, "Hola otra vez")
    notifier.gupshup.fail_next("500", "500", "500", "500")
    record = sqs_record(job)

    assert notifier.invoke(record) == [record["messageId"]]  # batchItemFailures: SQS will retry
    assert len(notifier.slept) == 3
    assert notifier.first_row(job)["status"] == "queued"

    redelivered = sqs_record(job, receive_count=2)
    assert notifier.invoke(redelivered) == []
    assert len(notifier.gupshup.sent_to(customer.customer_number)) == 1


def test_a_job_delivered_twice_by_sqs_sends_once(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, "Solo una vez")

    assert notifier.deliver(job) == []
    assert notifier.deliver(job) == []  # a redelivery (another invocation)
    assert notifier.invoke(sqs_record(job), sqs_record(job)) == []  # and twice in one batch

    assert len(notifier.gupshup.requests_to(customer.customer_number)) == 1
    assert notifier.app.parts.service.last_report.outcome == "duplicate"


def test_a_10000_character_reply_arrives_as_ordered_parts(notifier: Notifier) -> None:
    customer = notifier.customer()
    text = _long_text()
    assert len(text) > 10_000
    job = notifier.reply(customer, text)

    assert notifier.deliver(job) == []

    texts = _texts(notifier, customer.customer_number)
    assert len(texts) == 3 and all(len(t) <= WHATSAPP_TEXT_LIMIT for t in texts)
    assert "\n\n".join(texts) == text
    sent = notifier.gupshup.sent_to(customer.customer_number)
    assert [s.at for s in sent] == sorted(s.at for s in sent)
    rows = notifier.rows(job.turn_id or "")
    assert [r["part_index"] for r in rows] == [0, 1, 2]  # one row per part, written by the notifier alone
    assert [r["processed_text"] for r in rows] == texts
    assert [r["provider_message_id"] for r in rows] == [s.provider_id for s in sent]
    assert {r["status"] for r in rows} == {"sent"}
    assert notifier.app.parts.service.last_report.http_calls == 3


def test_a_crash_after_part_1_of_3_does_not_resend_part_1(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, _long_text())
    notifier.gupshup.refuse = lambda form: "Párrafo 4," in form.get("message", "")  # part 2 starts there
    record = sqs_record(job)

    assert notifier.invoke(record) == [record["messageId"]]
    assert len(notifier.gupshup.sent_to(customer.customer_number)) == 1

    notifier.gupshup.refuse = None
    assert notifier.invoke(sqs_record(job, receive_count=2)) == []

    texts = [s.text for s in notifier.gupshup.sent_to(customer.customer_number)]
    assert len(texts) == 3 and "\n\n".join(texts) == _long_text()  # each part once, in order
    assert [r["status"] for r in notifier.rows(job.turn_id or "")] == ["sent"] * 3


def test_a_reply_outside_the_24_hour_window_is_not_sent(notifier: Notifier) -> None:
    customer = notifier.customer(last_inbound=timedelta(hours=25))
    job = notifier.reply(customer, "¿Sigues interesada en la cita?")

    assert notifier.deliver(job) == []

    assert notifier.gupshup.requests_to(customer.customer_number) == []
    row = notifier.first_row(job)
    assert row["status"] == "undeliverable" and "24-hour" in row["error"]


def test_nothing_is_sent_to_a_customer_who_opted_out(notifier: Notifier) -> None:
    customer = notifier.customer(opted_out=True)
    job = notifier.reply(customer, "Hola", kind="fallback")
    assert notifier.deliver(job) == []
    assert notifier.gupshup.requests_to(customer.customer_number) == []
    assert notifier.first_row(job)["status"] == "undeliverable"


def test_a_failed_conversation_holds_its_later_jobs_but_not_other_conversations(notifier: Notifier) -> None:
    first, other = notifier.customer(), notifier.customer()
    failing = notifier.reply(first, "primero")
    later = notifier.reply(first, "segundo")
    elsewhere = notifier.reply(other, "otra conversación")
    records = [sqs_record(failing), sqs_record(later), sqs_record(elsewhere)]
    notifier.gupshup.refuse = lambda form: form.get("destination") == first.customer_number

    failed = notifier.invoke(*records)

    assert failed == [records[0]["messageId"], records[1]["messageId"]]  # order kept: "segundo" waits
    assert len(notifier.gupshup.requests_to(first.customer_number)) == 4  # only "primero" was tried
    assert len(notifier.gupshup.sent_to(other.customer_number)) == 1


def test_no_attempt_starts_when_the_invocation_is_nearly_over(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, "tarde")
    record = sqs_record(job)
    assert notifier.invoke(record, seconds=2.5) == [record["messageId"]]
    assert notifier.gupshup.requests_to(customer.customer_number) == []


# -- escalation ----------------------------------------------------------------------------------
@pytest.fixture
def staff_org(notifier: Notifier) -> dict[str, Any]:
    """An organization with three staff numbers and its own parameter order."""
    org, app = str(uuid.uuid4()), f"Notif{uuid.uuid4().hex[:10]}"
    staff = [f"3469{uuid.uuid4().int % 10**7:07d}" for _ in range(3)]
    db = notifier.db
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Org {app}"))
    db.execute("insert into agent_settings (organization_id) values (%s)", (org,))
    db.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000777', %s)",
        (org, app, "/receptionist/dev/gupshup/ClinicaSonrisa"),
    )
    db.execute(
        "insert into notification_settings (organization_id, staff_numbers, escalation_template_id,"
        " escalation_template_params) values (%s, %s, 'aviso_escalado', '{reason,customer_number,customer_name}')",
        (org, staff),
    )
    return {"org": org, "app": app, "staff": staff}


def _escalation(app: str, number: str, turn_id: str) -> OutboundJob:
    return OutboundJob(
        job_id=f"{turn_id}#escalation#0",
        kind="escalation",
        conversation=str(ConversationKey(app, number)),
        reason="Dolor fuerte\nen una muela",
        turn_id=turn_id,
    )


def test_an_escalation_reaches_every_staff_number_as_a_template(notifier: Notifier, staff_org: dict[str, Any]) -> None:
    customer = notifier.customer(org=staff_org["org"], last_inbound=timedelta(days=3))  # templates: no window
    # The processor switched the bot off when it recorded the escalation (the one place it happens).
    chats.open_escalation(notifier.db, staff_org["org"], customer.id, "Dolor fuerte", f"t-{uuid.uuid4().hex}")
    job = _escalation(staff_org["app"], customer.customer_number, f"wamid.{uuid.uuid4().hex}")

    assert notifier.deliver(job) == []

    for number in staff_org["staff"]:
        (sent,) = notifier.gupshup.sent_to(number)
        assert (sent.kind, sent.app, sent.source) == ("template", staff_org["app"], "34910000777")
        assert sent.payload == {
            "id": "aviso_escalado",
            "params": ["Dolor fuerte en una muela", f"+{customer.customer_number}", "Lucía"],
        }
    assert notifier.identity(staff_org["org"], customer.customer_number).bot_enabled is False
    assert notifier.app.parts.service.last_report.http_calls == 3

    assert notifier.deliver(job) == []  # redelivered: nobody is notified twice
    assert all(len(notifier.gupshup.sent_to(n)) == 1 for n in staff_org["staff"])
    # Each accepted send recorded once for the roll-up (docs/stats.md "Staff notices"): no number kept.
    recorded = notifier.db.fetch_all(
        "select send_key, template_id, prefix from staff_template_sends where organization_id = %s order by send_key",
        (staff_org["org"],),
    )
    assert [(r["send_key"], r["template_id"], r["prefix"]) for r in recorded] == [
        (f"{job.job_id}#staff#{i}", "aviso_escalado", "346") for i in range(3)
    ]


def test_the_seed_escalation_notice_and_a_refused_template(notifier: Notifier) -> None:
    customer = notifier.customer()
    turn = f"wamid.{uuid.uuid4().hex}"
    chats.open_escalation(notifier.db, ORG, customer.id, "Quiere hablar con una persona", turn)  # the processor's tool
    before = len(notifier.gupshup.sent_to("34699000001"))

    assert notifier.deliver(_escalation(APP, customer.customer_number, turn)) == []
    (notice,) = notifier.gupshup.sent_to("34699000001")[before:]
    assert notice.payload["id"] == "escalation_notice"
    assert notice.payload["params"] == ["Lucía", f"+{customer.customer_number}", "Dolor fuerte en una muela"]

    notifier.gupshup.fail_next("template_not_found")
    other = notifier.customer()
    assert notifier.deliver(_escalation(APP, other.customer_number, f"wamid.{uuid.uuid4().hex}")) == []
    assert notifier.app.parts.service.last_report.rejected == 1 and notifier.slept == []  # not retried


# -- delivery states -----------------------------------------------------------------------------
def test_statuses_arriving_read_before_delivered_end_as_read(
    notifier: Notifier, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, "¿Te va bien el martes?")
    assert notifier.deliver(job) == []
    gs_id = notifier.first_row(job)["provider_message_id"]
    wamid = f"wamid.{uuid.uuid4().hex}"

    events = [
        notifier.status(customer, "enqueued", gs_id, whatsapp_message_id=wamid),
        notifier.status(customer, "read", wamid, gs_id),
        notifier.status(customer, "delivered", wamid, gs_id),
        notifier.status(customer, "sent", wamid, gs_id),
    ]
    assert notifier.deliver(*events[:2]) == []
    assert notifier.first_row(job)["status"] == "read"
    assert notifier.deliver(*events[2:]) == []  # late ones, another invocation

    assert notifier.first_row(job)["status"] == "read"
    assert notifier.app.parts.service.last_report.outcome == "status_unchanged"
    capsys.readouterr()
    failed = notifier.status(customer, "failed", gs_id, error_code="1002", error_reason="Number Does Not Exist")
    assert notifier.deliver(failed) == []
    assert emitted_metrics(capsys.readouterr().out).get("DeliveryFailed") == 1
    assert notifier.first_row(job)["status"] == "read"  # a failure never replaces read


def test_a_failed_status_is_recorded_on_a_sent_message(notifier: Notifier) -> None:
    customer = notifier.customer()
    job = notifier.reply(customer, "Hola")
    assert notifier.deliver(job) == []
    gs_id = notifier.first_row(job)["provider_message_id"]

    failed = notifier.status(customer, "failed", gs_id, error_code="1002", error_reason="Number Does Not Exist")
    assert notifier.deliver(failed) == []

    row = notifier.first_row(job)
    assert row["status"] == "failed" and row["error"] == "1002: Number Does Not Exist"


# -- statuses never hold a reply -----------------------------------------------------------------
def _fifo_with_dlq(endpoint: str) -> tuple[str, str]:
    sqs = moto_client("sqs", endpoint, "us-east-1")
    suffix = uuid.uuid4().hex[:8]
    dlq = sqs.create_queue(QueueName=f"out-dlq-{suffix}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(
        QueueName=f"out-{suffix}.fifo",
        Attributes={
            "FifoQueue": "true",
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "5"}),
        },
    )["QueueUrl"]
    return queue, dlq


@pytest.fixture
def statuses_failing(notifier: Notifier, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every status job fails (the database rejects the status update); the rest works."""

    def database_down(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(notifier.app.parts.service.store, "record_status", database_down)


@pytest.mark.usefixtures("statuses_failing")
def test_a_status_failing_five_times_never_delays_the_next_reply(notifier: Notifier, moto_endpoint: str) -> None:
    """SQS FIFO as in AWS (moto): a status job that fails on every receive until the DLQ takes it,
    queued *before* a reply of the same conversation; the reply goes out on the first receive."""
    customer = notifier.customer()
    status = notifier.status(customer, "delivered", f"wamid.{uuid.uuid4().hex}")
    reply = notifier.reply(customer, "Tu cita está confirmada.")
    queue, dlq = _fifo_with_dlq(moto_endpoint)
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    for job in (status, reply):
        sqs.send_message(
            QueueUrl=queue,
            MessageBody=job.model_dump_json(),
            MessageGroupId=message_group(job),
            MessageDeduplicationId=fifo_id(job.job_id),
        )
    receives: list[list[str]] = []  # the job ids of each receive
    sent_at: int | None = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch = sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]
        ).get("Messages", [])
        if not batch:
            if sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0).get("Messages"):
                break  # the status is dead-lettered and nothing is left
            continue
        receives.append([json.loads(m["Body"])["job_id"] for m in batch])
        records = []
        for m in batch:
            job = OutboundJob.model_validate_json(m["Body"])
            record = sqs_record(job, int(m["Attributes"]["ApproximateReceiveCount"]))
            record["messageId"] = m["MessageId"]
            records.append(record)
        failed = set(notifier.invoke(*records))
        for m in batch:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        if sent_at is None and notifier.gupshup.sent_to(customer.customer_number):
            sent_at = len(receives)
    assert sent_at == 1  # the reply went out with the first receive, not after the status's retries
    assert sum(status.job_id in r for r in receives) == 5  # the status kept failing...
    (dead,) = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0)["Messages"]
    assert json.loads(dead["Body"])["job_id"] == status.job_id  # ...and ended in the DLQ, alone


@pytest.mark.usefixtures("statuses_failing")
def test_in_the_conversations_group_a_failing_status_would_hold_the_reply(notifier: Notifier) -> None:
    """Why statuses have groups of their own: in one group, the failure fails what follows."""
    customer = notifier.customer()
    status = notifier.status(customer, "delivered", f"wamid.{uuid.uuid4().hex}")
    reply = notifier.reply(customer, "Hola")
    same_group = [sqs_record(status), sqs_record(reply)]
    same_group[0]["attributes"]["MessageGroupId"] = same_group[1]["attributes"]["MessageGroupId"]
    assert notifier.invoke(*same_group) == [r["messageId"] for r in same_group]  # the reply is held
    own_groups = [sqs_record(status), sqs_record(reply)]
    assert notifier.invoke(*own_groups) == [own_groups[0]["messageId"]]  # only the status fails
    assert len(notifier.gupshup.sent_to(customer.customer_number)) == 1
