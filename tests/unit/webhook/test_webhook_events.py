"""Delivery statuses, user events and everything else Gupshup may post."""

from __future__ import annotations

import pytest
from webhook_kit import APP, CUSTOMER, STATUS_KINDS, T0, Harness, billing_event, envelope, status_event, user_event

from receptionist.conversation_key import ConversationKey
from receptionist.messages import InboundTicket, OutboundJob

CONVERSATION = str(ConversationKey(APP, CUSTOMER))


@pytest.mark.parametrize("state", STATUS_KINDS)
def test_each_status_goes_to_the_outbound_queue_as_a_status_job(harness: Harness, state: str) -> None:
    response = harness.post(status_event(state))
    assert response.status == 200 and response.payload == {"status": "forwarded"}

    (sent,) = harness.outbound.sent
    job = OutboundJob.model_validate(sent.body)
    assert job.kind == "status" and job.conversation == CONVERSATION
    assert job.status is not None and job.status.state == state
    assert job.status.destination == CUSTOMER
    # A group of its own, not the conversation's: a failing status never holds a reply back.
    assert sent.group == f"status#{job.status.provider_message_id}"
    assert sent.dedup_id == f"{job.status.provider_message_id}#{state}"
    assert job.job_id == f"status#{job.status.provider_message_id}#{state}"
    # Nothing buffered, nothing for the processor.
    assert harness.buffer.calls == [] and harness.inbound.sent == []
    report = harness.telemetry.last
    assert (report.outcome, report.kind) == ("forwarded", state)
    assert report.message_id == job.status.provider_message_id


def test_enqueued_links_the_gupshup_and_whatsapp_ids(harness: Harness) -> None:
    harness.post(status_event("enqueued"))
    status = OutboundJob.model_validate(harness.outbound.sent[0].body).status
    assert status is not None
    assert status.provider_message_id == "59f8db90-c37e-4408-90ab-cc54ef8246ad"
    assert status.whatsapp_message_id == "gBEGkYaYVSEEAgnZxQ3JmKK6Wvg"
    assert status.occurred_at == T0  # no ts of its own: the callback's time


def test_failed_carries_code_and_reason(harness: Harness) -> None:
    harness.post(status_event("failed"))
    status = OutboundJob.model_validate(harness.outbound.sent[0].body).status
    assert status is not None
    assert (status.error_code, status.error_reason) == ("1002", "Number Does Not Exists On WhatsApp")


@pytest.mark.parametrize("state", ["sent", "delivered", "read"])
def test_delivery_receipts_use_their_own_time_and_both_ids(harness: Harness, state: str) -> None:
    harness.post(status_event(state))
    status = OutboundJob.model_validate(harness.outbound.sent[0].body).status
    assert status is not None
    assert status.occurred_at % 1000 == 0 and status.occurred_at // 1000 > 1_795_420_800
    assert status.provider_message_id == "gBEGkYaYVSEEAgnZxQ3JmKK6Wvg"
    assert status.gupshup_message_id == "59f8db90-c37e-4408-90ab-cc54ef8246ad"


def test_status_without_details_payload_is_fine(harness: Harness) -> None:
    body = status_event("delivered")
    del body["payload"]["payload"]
    assert harness.post(body).status == 200
    assert len(harness.outbound.sent) == 1


def test_unknown_status_is_ignored(harness: Harness) -> None:
    response = harness.post(status_event("mismatch"))
    assert response.payload == {"status": "ignored"}
    assert harness.nothing_stored_or_sent()
    assert harness.telemetry.last.reason == "unknown_status"


@pytest.mark.parametrize("kind", ["opted-in", "opted-out"])
def test_opt_in_and_out_go_to_the_inbound_queue_in_the_conversation_group(harness: Harness, kind: str) -> None:
    response = harness.post(user_event(kind))
    assert response.status == 200 and response.payload == {"status": "forwarded"}
    (sent,) = harness.inbound.sent
    ticket = InboundTicket.model_validate(sent.body)
    assert ticket.kind == "user_event"
    assert ticket.conversation == CONVERSATION and sent.group == CONVERSATION
    assert ticket.event is not None and ticket.event.type == kind and ticket.event.occurred_at == T0
    assert ticket.message_id == f"{kind}:{T0}"
    assert harness.buffer.calls == [] and harness.outbound.sent == []
    assert (harness.telemetry.last.outcome, harness.telemetry.last.kind) == ("forwarded", kind)


def test_a_repeated_user_event_has_the_same_dedup_id(harness: Harness) -> None:
    harness.post(user_event("opted-out"))
    harness.post(user_event("opted-out"))
    first, second = harness.inbound.sent
    assert first.dedup_id == second.dedup_id  # SQS drops the second within its window


@pytest.mark.parametrize("phone", [CUSTOMER, "callbackSetPhone"])
def test_sandbox_start_is_ignored(harness: Harness, phone: str) -> None:
    response = harness.post(user_event("sandbox-start", phone=phone))
    assert response.payload == {"status": "ignored"}
    assert harness.nothing_stored_or_sent()
    assert harness.telemetry.last.reason == "sandbox_start"


def test_unknown_user_event_is_ignored(harness: Harness) -> None:
    assert harness.post(user_event("blocked")).payload == {"status": "ignored"}
    assert harness.nothing_stored_or_sent()


def test_billing_event_is_ignored_and_counted(harness: Harness) -> None:
    response = harness.post(billing_event())
    assert response.status == 200 and response.payload == {"status": "ignored"}
    assert harness.nothing_stored_or_sent()
    report = harness.telemetry.last
    assert (report.outcome, report.kind, report.reason) == ("ignored", "billing-event", "unhandled_type")


@pytest.mark.parametrize("kind", ["account-event", "system-event", "template-event", "x"])
def test_unknown_types_are_ignored_and_counted(harness: Harness, kind: str) -> None:
    response = harness.post(envelope(kind, {"anything": ["goes"]}))
    assert response.status == 200 and response.payload == {"status": "ignored"}
    assert harness.nothing_stored_or_sent()
    report = harness.telemetry.last
    assert (report.outcome, report.reason, report.detail) == ("ignored", "unknown_type", kind)
