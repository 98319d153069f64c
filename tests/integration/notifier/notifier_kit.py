"""Shared by the notifier integration tests: a Gupshup server with one more fault, SQS records,
the Lambda context, CRM set-up and reads, EMF parsing."""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from devstack.fakes.base import Recorded, Reply
from devstack.fakes.gupshup import FakeGupshup
from devstack.lambda_context import LocalContext
from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.models import ChatIdentity
from receptionist.messages import DeliveryStatus, OutboundJob, fifo_id

ROOT = Path(__file__).resolve().parents[3]
APP = "ClinicaSonrisa"
ORG = "00000000-0000-4000-8000-000000000001"
API_KEY = "local-gupshup-key"
KEY_REF = "/receptionist/dev/gupshup/ClinicaSonrisa"  # the seed's api_key_ref


class Gupshup(FakeGupshup):
    """FakeGupshup plus one more fault: every request whose form matches `refuse` gets a 500."""

    refuse: Callable[[dict[str, str]], bool] | None = None

    def answer(self, request: Recorded) -> Reply:
        if self.refuse is not None and request.method == "POST" and self.refuse(request.form()):
            return Reply.json(500, {"status": "error", "message": "Internal Server Error"})
        return super().answer(request)

    def requests_to(self, destination: str) -> list[dict[str, str]]:
        return [f for f in (r.form() for r in self.received("/msg")) if f.get("destination") == destination]


def Context(seconds: float = 30.0) -> LocalContext:
    """The Lambda context of a 30 s notifier (as the template's), or with `seconds` left."""
    return LocalContext("receptionist-dev-notifier", memory_mb=128, timeout_s=seconds)


_sequence = itertools.count(1)


def message_group(job: OutboundJob) -> str:
    """The FIFO group the producers give a job: statuses one per Gupshup message, the rest the
    conversation's (as the webhook and the processor send them)."""
    if job.kind == "status" and job.status is not None:
        return fifo_id(f"status#{job.status.provider_message_id}")
    return job.group  # the conversation's, or a staff notice's business's staff


def sqs_record(job: OutboundJob, receive_count: int = 1) -> dict[str, Any]:
    n = next(_sequence)
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": f"receipt-{n}",
        "body": job.model_dump_json(),
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": str(int(time.time() * 1000)),
            "SequenceNumber": f"{18_000_000_000_000_000_000 + n}",
            "MessageGroupId": message_group(job),
            "SenderId": "AIDAEXAMPLE",
            "MessageDeduplicationId": fifo_id(job.job_id),
            "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:receptionist-dev-outbound.fifo",
        "awsRegion": "us-east-1",
    }


@dataclass
class Notifier:
    """Invoke the handler with SQS events; set up and read the CRM."""

    app: ModuleType
    gupshup: Gupshup
    db: Database
    slept: list[float] = field(default_factory=list)

    def invoke(self, *records: dict[str, Any], seconds: float = 30.0) -> list[str]:
        """The messageIds the handler reported as failed."""
        result = self.app.handler({"Records": list(records)}, Context(seconds))
        return [f["itemIdentifier"] for f in result["batchItemFailures"]]

    def deliver(self, *jobs: OutboundJob) -> list[str]:
        return self.invoke(*(sqs_record(j) for j in jobs))

    # -- CRM
    def customer(
        self, *, last_inbound: timedelta | None = timedelta(minutes=3), opted_out: bool = False, org: str = ORG
    ) -> ChatIdentity:
        number = f"346{uuid.uuid4().int % 10**8:08d}"
        inbound_at = None if last_inbound is None else datetime.now(UTC) - last_inbound
        identity = chats.touch_identity(self.db, org, number, "Lucía", inbound_at)
        if opted_out:
            chats.set_opted_out(self.db, org, identity.id, True)
        return identity

    def reply(self, identity: ChatIdentity, text: str, *, app: str = APP, kind: str = "reply") -> OutboundJob:
        """A reply job as the processor makes it (the notifier writes its outbound rows)."""
        turn_id = f"wamid.{uuid.uuid4().hex}"
        return OutboundJob(
            job_id=f"{turn_id}#reply",
            kind=kind,  # type: ignore[arg-type]
            conversation=str(ConversationKey(app, identity.customer_number)),
            text=text,
            turn_id=turn_id,
        )

    def first_row(self, job: OutboundJob) -> dict[str, Any]:
        """The outbound row of a reply's first (or only) part."""
        rows = self.rows(job.turn_id or job.job_id)
        assert rows, "the notifier recorded no row for this job"
        return rows[0]

    def rows(self, turn_id: str) -> list[dict[str, Any]]:
        return self.db.fetch_all(
            "select id::text, part_index, status, provider_message_id, error, processed_text, kind, sent_by"
            " from chat_messages where turn_id = %s and direction = 'outbound' order by part_index",
            (turn_id,),
        )

    def row(self, message_id: str) -> dict[str, Any]:
        found = self.db.fetch_one(
            "select status, provider_message_id, error, processed_text from chat_messages where id = %s", (message_id,)
        )
        assert found is not None
        return found

    def identity(self, org: str, number: str) -> ChatIdentity:
        found = chats.find_identity(self.db, org, number)
        assert found is not None
        return found

    @staticmethod
    def status(
        identity: ChatIdentity, state: str, provider_id: str, gs_id: str | None = None, **kw: Any
    ) -> OutboundJob:
        status = DeliveryStatus(
            provider_message_id=provider_id,
            gupshup_message_id=gs_id,
            state=state,  # type: ignore[arg-type]
            destination=identity.customer_number,
            occurred_at=int(time.time() * 1000),
            **kw,
        )
        return OutboundJob.for_status(str(ConversationKey(APP, identity.customer_number)), status)


def emitted_metrics(out: str) -> dict[str, float]:
    """EMF blobs on stdout -> {metric name: total}."""
    totals: dict[str, float] = {}
    for line in out.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + (
                    sum(value) if isinstance(value, list) else value
                )
    return totals
