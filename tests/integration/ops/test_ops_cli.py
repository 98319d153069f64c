"""The ops commands against real parts: hand-back on PostgreSQL, DLQ redrive on moto's SQS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from devstack.aws import moto_client
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.messages import InboundTicket, OutboundJob
from receptionist.ops.redrive import redrive

ROOT = Path(__file__).resolve().parents[3]
ORG = "00000000-0000-4000-8000-000000000001"
APP = "ClinicaSonrisa"


def _cli(module: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=60,
    )


def test_the_hand_back_cli_turns_the_bot_on(db: Database, seeded_url: str) -> None:
    number = f"346{uuid.uuid4().int % 10**8:08d}"
    customer = chats.touch_identity(db, ORG, number, "Lucía", None)
    chats.open_escalation(db, ORG, customer.id, "Quiere hablar con una persona", f"wamid.{uuid.uuid4().hex}")
    assert chats.find_identity(db, ORG, number).bot_enabled is False  # type: ignore[union-attr]

    done = _cli("receptionist.ops.handback", "--app", APP, "--customer", number, env={"DATABASE_URL": seeded_url})
    assert done.returncode == 0, done.stderr
    assert "handed back" in done.stdout and number not in done.stdout
    assert chats.find_identity(db, ORG, number).bot_enabled is True  # type: ignore[union-attr]
    still_open = db.fetch_one(
        "select count(*) as n from escalations where chat_identity_id = %s and status = 'open'", (customer.id,)
    )
    assert still_open == {"n": 0}
    env = {"DATABASE_URL": seeded_url}
    assert _cli("receptionist.ops.handback", "--app", APP, "--customer", "34600000000", env=env).returncode == 1
    assert _cli("receptionist.ops.handback", "--app", "NoSuchApp", "--customer", number, env=env).returncode == 1
    assert _cli("receptionist.ops.handback", "--app", APP, "--customer", "12").returncode == 2


def _queues(endpoint: str, stage: str) -> dict[str, str]:
    sqs = moto_client("sqs", endpoint, "us-east-1")
    urls = {}
    for name in ("inbound", "inbound-dlq", "outbound", "outbound-dlq"):
        urls[name] = sqs.create_queue(
            QueueName=f"receptionist-{stage}-{name}.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )["QueueUrl"]
    return urls


def _drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    out = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"], WaitTimeSeconds=0
    ).get("Messages", []):
        for m in batch:
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_redrive_moves_dead_letters_back_in_their_groups_and_keeps_what_is_unreadable(moto_endpoint: str) -> None:
    stage = f"t{uuid.uuid4().hex[:6]}"
    urls = _queues(moto_endpoint, stage)
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    tickets = [InboundTicket(conversation=f"{APP}#3460000000{i}", message_id=f"wamid.{i}") for i in range(3)]
    for i, ticket in enumerate(tickets):
        sqs.send_message(
            QueueUrl=urls["inbound-dlq"],
            MessageBody=ticket.model_dump_json(),
            MessageGroupId=ticket.conversation,
            MessageDeduplicationId=f"d{i}",
        )
    sqs.send_message(
        QueueUrl=urls["inbound-dlq"], MessageBody="not a ticket", MessageGroupId="g", MessageDeduplicationId="bad"
    )

    dry = _cli(
        "receptionist.ops.redrive",
        "--queue",
        "inbound",
        "--stage",
        stage,
        "--dry-run",
        env={"AWS_ENDPOINT_URL": moto_endpoint, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert dry.returncode == 1 and "would move 3 of 4" in dry.stdout  # the unreadable one is reported
    assert _drain(sqs, urls["inbound"]) == []  # a dry run moves nothing

    done = _cli(
        "receptionist.ops.redrive",
        "--queue",
        "inbound",
        "--stage",
        stage,
        env={"AWS_ENDPOINT_URL": moto_endpoint, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert "moved 3 of 4" in done.stdout
    moved = _drain(sqs, urls["inbound"])
    assert sorted(json.loads(m["Body"])["message_id"] for m in moved) == ["wamid.0", "wamid.1", "wamid.2"]
    assert {m["Attributes"]["MessageGroupId"] for m in moved} == {t.conversation for t in tickets}
    left = _drain(sqs, urls["inbound-dlq"])
    assert [m["Body"] for m in left] == ["not a ticket"]  # kept for a person to look at

    # Run again: nothing left to move, nothing sent twice.
    again = redrive(sqs, urls["inbound-dlq"], urls["inbound"], InboundTicket)
    assert (again.moved, again.seen) == (0, 0) and _drain(sqs, urls["inbound"]) == []


def test_redriving_the_same_dead_letter_twice_is_deduplicated(moto_endpoint: str) -> None:
    """A crash between the send and the delete: the next run sends it again with the same
    deduplication id, and SQS keeps one."""
    stage = f"t{uuid.uuid4().hex[:6]}"
    urls = _queues(moto_endpoint, stage)
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    job = OutboundJob(job_id="t1#reply", kind="reply", conversation=f"{APP}#34600000001", text="Hola", turn_id="t1")
    sqs.send_message(
        QueueUrl=urls["outbound-dlq"], MessageBody=job.model_dump_json(), MessageGroupId="g", MessageDeduplicationId="x"
    )

    class CrashBeforeDelete:
        def __init__(self, real: Any) -> None:
            self.real = real
            self.handles: list[str] = []

        def receive_message(self, **kwargs: Any) -> Any:
            out = self.real.receive_message(**kwargs)
            self.handles += [m["ReceiptHandle"] for m in out.get("Messages", [])]
            return out

        def delete_message(self, **kwargs: Any) -> Any:
            raise RuntimeError("crash after the send")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    crashing = CrashBeforeDelete(sqs)
    try:
        redrive(crashing, urls["outbound-dlq"], urls["outbound"], OutboundJob)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the crash did not happen")
    for handle in crashing.handles:  # its visibility timeout has passed: the next run sees it
        sqs.change_message_visibility(QueueUrl=urls["outbound-dlq"], ReceiptHandle=handle, VisibilityTimeout=0)
    assert redrive(sqs, urls["outbound-dlq"], urls["outbound"], OutboundJob).moved == 1
    delivered = _drain(sqs, urls["outbound"])
    assert [json.loads(m["Body"])["job_id"] for m in delivered] == ["t1#reply"]
    assert _drain(sqs, urls["outbound-dlq"]) == []
