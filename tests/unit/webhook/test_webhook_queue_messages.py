"""The queue documents: new kinds added without breaking what consumers already read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from receptionist.messages import DeliveryStatus, InboundTicket, OutboundJob, UserEvent, fifo_id

EVENTS = Path(__file__).resolve().parents[3] / "events"


def test_tickets_written_before_the_buffer_still_parse() -> None:
    records = json.loads((EVENTS / "processor_tickets.json").read_text())["Records"]
    for record in records:
        ticket = InboundTicket.model_validate_json(record["body"])
        assert ticket.kind == "message" and ticket.message_id
        assert ticket.conversation == "ClinicaSonrisa#34600111222"


def test_message_ticket_round_trip() -> None:
    ticket = InboundTicket(conversation="App#1", message_id="wamid.X")
    assert InboundTicket.model_validate_json(ticket.model_dump_json(exclude_none=True)) == ticket


def test_a_ticket_from_before_the_deploy_that_dropped_buffer_sk_still_parses() -> None:
    old = '{"kind": "message", "conversation": "App#1", "message_id": "wamid.X", "buffer_sk": "MSG#1#wamid.X"}'
    assert InboundTicket.model_validate_json(old) == InboundTicket(conversation="App#1", message_id="wamid.X")


def test_user_event_ticket_needs_its_event() -> None:
    with pytest.raises(ValidationError):
        InboundTicket(kind="user_event", conversation="App#1", message_id="opted-out:1")
    ticket = InboundTicket(
        kind="user_event",
        conversation="App#1",
        message_id="opted-out:1",
        event=UserEvent(type="opted-out", occurred_at=1),
    )
    assert InboundTicket.model_validate_json(ticket.model_dump_json()).event == ticket.event


def test_existing_outbound_jobs_still_parse() -> None:
    records = json.loads((EVENTS / "notifier_jobs.json").read_text())["Records"]
    job = OutboundJob.model_validate_json(records[0]["body"])
    assert job.kind == "reply" and job.text and job.status is None


def test_status_job_needs_its_status() -> None:
    with pytest.raises(ValidationError):
        OutboundJob(job_id="s", kind="status", conversation="App#1")
    status = DeliveryStatus(provider_message_id="wamid.Y", state="read", destination="1", occurred_at=5)
    job = OutboundJob.for_status("App#1", status)
    assert job.job_id == "status#wamid.Y#read"
    assert OutboundJob.model_validate_json(job.model_dump_json(exclude_none=True)) == job


@pytest.mark.parametrize(
    "value",
    ["wamid.HBgLMzQ2MDAxMTEyMjIVAgASGBQzQUI0RjE2QzA5NUZBMkE5MEI4RgA=", "ClinicaSonrisa#34600111222", "!~", "x" * 128],
)
def test_fifo_id_keeps_values_sqs_accepts(value: str) -> None:
    assert fifo_id(value) == value


@pytest.mark.parametrize("value", ["", "a b", "tab\there", "ñ", "x" * 129, "emoji🙂", "\ud800"])
def test_fifo_id_hashes_values_sqs_refuses(value: str) -> None:
    digest = fifo_id(value)
    assert digest == hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    assert fifo_id(value) == digest  # stable
