"""functions/notifier/app.py: settings at cold start, batch semantics, what reaches the logs.

The module is loaded as Lambda would load it (nothing is contacted at import: the database,
SSM and DynamoDB are reached lazily); its service is then swapped for one on in-memory adapters."""

from __future__ import annotations

import io
import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from delivery_kit import CUSTOMER, Harness, transient
from pydantic import ValidationError

from devstack.lambda_context import LocalContext, load_function
from devstack.template import function_env
from receptionist.conversation_key import ConversationKey
from receptionist.messages import OutboundJob, fifo_id

ROOT = Path(__file__).resolve().parents[3]
ENV = function_env("NotifierFunction", GUPSHUP_API_URL="http://127.0.0.1:9/gupshup")


def _load(env: dict[str, str]) -> ModuleType:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        return load_function(ROOT / "functions/notifier/app.py", "notifier_app_unit")


@pytest.fixture(scope="module")
def app() -> Iterator[ModuleType]:
    yield _load(ENV)
    sys.modules.pop("notifier_app_unit", None)


@pytest.fixture
def wired(app: ModuleType, h: Harness) -> Iterator[Harness]:
    original = app.parts
    app.parts = replace(app.parts, service=h.service)  # the module's own telemetry kept
    yield h
    app.parts = original


def _record(job: OutboundJob) -> dict[str, Any]:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "r",
        "body": job.model_dump_json(),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795420810000",
            "SequenceNumber": "1",
            "MessageGroupId": fifo_id(job.conversation),
            "SenderId": "AIDAEXAMPLE",
            "MessageDeduplicationId": fifo_id(job.job_id),
            "ApproximateFirstReceiveTimestamp": "1795420820000",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:receptionist-dev-outbound.fifo",
        "awsRegion": "us-east-1",
    }


@pytest.mark.parametrize("missing", ["IDEMPOTENCY_TABLE", "GUPSHUP_API_URL", "DATABASE_URL_PARAM"])
def test_settings_are_validated_at_cold_start(missing: str) -> None:
    env = {k: v for k, v in ENV.items() if k != missing}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(missing, raising=False)
        with pytest.raises(ValidationError, match=missing):
            _load(env)


def test_a_failed_job_fails_its_record_and_holds_its_conversation_only(
    app: ModuleType, wired: Harness, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    h = wired
    h.customer()
    other = "34600999888"
    h.customer(other)
    first = h.reply("Texto secreto uno", job_id="t1#reply#0", turn_id="t1")
    second = h.reply("Texto secreto dos", job_id="t2#reply#0", turn_id="t2")
    elsewhere = h.reply("Texto secreto tres", job_id="t3#reply#0", turn_id="t3", customer=other)
    elsewhere = elsewhere.model_copy(update={"conversation": str(ConversationKey("ClinicaSonrisa", other))})
    h.sender.fail_next(*[transient()] * 4)  # "first" exhausts its attempts
    records = [_record(first), _record(second), _record(elsewhere)]

    stream = io.StringIO()
    handler = app.logger.registered_handler
    previous = handler.setStream(stream)  # the handler holds the stdout of import time
    try:
        result = app.handler(
            {"Records": records}, LocalContext("receptionist-dev-notifier", memory_mb=128, timeout_s=30)
        )
    finally:
        handler.setStream(previous)

    assert result == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records[:2]]}
    assert [s.destination for s in h.sender.sent] == [other]
    logs = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(log["message"], log["job_id"]) for log in logs] == [
        ("job failed; SQS will deliver it again", "t1#reply#0"),
        ("job done", "t3#reply#0"),
    ]
    assert logs[0]["http_calls"] == 4 and len(logs[0]["retry_delays"]) == 3
    emitted = stream.getvalue() + capsys.readouterr().out + caplog.text
    for secret in (CUSTOMER, other, "secreto", "k-123"):
        assert secret not in emitted


def test_an_all_failed_batch_is_answered_not_raised(app: ModuleType, wired: Harness) -> None:
    wired.customer()
    wired.sender.fail_next(*[transient()] * 4)
    record = _record(wired.reply("hola"))
    assert app.handler(
        {"Records": [record]}, LocalContext("receptionist-dev-notifier", memory_mb=128, timeout_s=30)
    ) == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}


def test_staff_jobs_log_ids_and_outcomes_never_text_numbers_or_authors(
    app: ModuleType, wired: Harness, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    h = wired
    number, opted_out = "34600400001", "34600400002"
    h.customer(number)
    h.customer(opted_out, opted_out=True)
    author = "ana.secreta@clinica.example"
    jobs = [
        OutboundJob.for_human_reply(str(ConversationKey("ClinicaSonrisa", number)), "Texto secreto de Ana", author),
        OutboundJob.for_human_template(
            str(ConversationKey("ClinicaSonrisa", number)),
            "retomar_conversacion",
            ["ParametroSecreto"],
            "Vista secreta",
            author,
        ),
        OutboundJob.for_human_reply(str(ConversationKey("ClinicaSonrisa", opted_out)), "Otro texto secreto", author),
    ]

    stream = io.StringIO()
    handler = app.logger.registered_handler
    previous = handler.setStream(stream)
    try:
        result = app.handler(
            {"Records": [_record(j) for j in jobs]},
            LocalContext("receptionist-dev-notifier", memory_mb=128, timeout_s=30),
        )
    finally:
        handler.setStream(previous)

    assert result == {"batchItemFailures": []}
    logs = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(log["job_id"], log["kind"], log["outcome"], log.get("reason")) for log in logs] == [
        (jobs[0].job_id, "human_reply", "sent", None),
        (jobs[1].job_id, "human_template", "sent", None),
        (jobs[2].job_id, "human_reply", "undeliverable", "opted_out"),
    ]
    emitted = stream.getvalue() + capsys.readouterr().out + caplog.text
    for secret in (number, opted_out, "ana.secreta", "secreto", "Secreta", "ParametroSecreto", "k-123"):
        assert secret not in emitted
