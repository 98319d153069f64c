"""Status jobs: which id finds the message, what a failure records."""

from __future__ import annotations

import pytest
from delivery_kit import APP, CUSTOMER, ORG, Harness

from receptionist.conversation_key import ConversationKey
from receptionist.messages import DeliveryStatus, OutboundJob


def _status(state: str, provider_id: str, gs_id: str | None = None, **kw: object) -> OutboundJob:
    status = DeliveryStatus(
        provider_message_id=provider_id,
        gupshup_message_id=gs_id,
        state=state,  # type: ignore[arg-type]
        destination=CUSTOMER,
        occurred_at=1_795_420_801_000,
        **kw,  # type: ignore[arg-type]
    )
    return OutboundJob.for_status(str(ConversationKey(APP, CUSTOMER)), status)


def test_gsid_is_the_key_when_present(h: Harness) -> None:
    report = h.service.deliver(_status("read", "gBEGkYaYVSEEAgnZxQ3JmKK6Wvg", "gs-1"))
    assert h.store.statuses == [(ORG, "gs-1", "read", None)]
    assert (report.outcome, report.reason, report.http_calls) == ("status_recorded", "read", 0)


def test_without_gsid_the_event_id_is_the_key(h: Harness) -> None:
    h.service.deliver(_status("enqueued", "gs-1", whatsapp_message_id="gBEGkYaYVSEEAgnZxQ3JmKK6Wvg"))
    assert h.store.statuses == [(ORG, "gs-1", "enqueued", None)]


def test_a_failure_records_its_code_and_reason_and_is_counted(h: Harness) -> None:
    report = h.service.deliver(
        _status("failed", "gs-1", error_code="1002", error_reason="Number Does Not Exists On WhatsApp")
    )
    assert h.store.statuses == [(ORG, "gs-1", "failed", "1002: Number Does Not Exists On WhatsApp")]
    assert report.delivery_failed is True


@pytest.mark.parametrize("state", ["sent", "delivered", "read", "enqueued", "deleted"])
def test_other_states_are_not_failures(h: Harness, state: str) -> None:
    assert h.service.deliver(_status(state, "gs-1")).delivery_failed is False


def test_a_state_that_changes_nothing_is_reported_as_such(h: Harness) -> None:
    h.store.status_answer = False  # e.g. "delivered" after "read"
    assert h.service.deliver(_status("delivered", "wamid", "gs-1")).outcome == "status_unchanged"


def test_statuses_skip_idempotency_and_send_nothing(h: Harness) -> None:
    job = _status("read", "wamid", "gs-1")
    h.service.deliver(job)
    h.service.deliver(job)
    assert h.idempotency.done == {} and h.sender.calls == 0
    assert len(h.store.statuses) == 2  # applying a state twice is harmless


def test_a_status_for_an_unknown_app_is_dropped(h: Harness) -> None:
    job = OutboundJob.for_status(
        str(ConversationKey("OtraApp", CUSTOMER)),
        DeliveryStatus(provider_message_id="x", state="read", destination=CUSTOMER, occurred_at=1),
    )
    assert h.service.deliver(job).outcome == "unknown_app"
    assert h.store.statuses == []
