"""The read receipt adapter (adapters/gupshup_read.py) without a network: the documented body, the
bound handed to bounded_http, every failure swallowed and counted by kind, the token never shown.
(Real HTTP against the local Gupshup server: tests/integration/processor/test_read_receipts_http.py.)"""

from __future__ import annotations

import http.client
import json
import logging
from typing import Any

import pytest

from receptionist import bounded_http
from receptionist.adapters.gupshup_read import GupshupReadReceipts, PartnerApp, event_body, outcome_of
from receptionist.deadline import Deadline

APP = PartnerApp("5b0c1e2a-app", "sk_token_never_shown")


def test_the_body_is_the_documented_message_event() -> None:
    assert json.loads(event_body("wamid.X", typing=True)) == {
        "type": "message-event",
        "message": {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": "wamid.X",
            "typing_indicator": {"type": "text"},
        },
    }
    assert "typing_indicator" not in json.loads(event_body("wamid.X", typing=False))["message"]


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b'{"status": "success"}', "ok"),
        (200, b'{"status": "error", "message": "x"}', "garbage"),
        (200, b"<html>proxy</html>", "garbage"),
        (400, b'{"message": "Outbound event not supported", "status": "error"}', "rejected"),
        (401, b'{"status": "error"}', "refused"),
        (404, b"", "refused"),
        (429, b"", "server"),
        (503, b"", "server"),
    ],
)
def test_answers_are_classified(status: int, body: bytes, outcome: str) -> None:
    assert outcome_of(status, body) == outcome


def _calls(monkeypatch: pytest.MonkeyPatch, answer: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def post(url: str, body: bytes, headers: dict[str, str], deadline: Deadline, **kwargs: Any) -> Any:
        seen.append({"url": url, "body": body, "headers": headers, "deadline": deadline})
        if isinstance(answer, BaseException):
            raise answer
        return answer

    monkeypatch.setattr(bounded_http, "post", post)
    return seen


def test_a_success_is_one_bounded_call_with_the_apps_token(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _calls(monkeypatch, bounded_http.Answer(200, b'{"status":"success"}'))
    api = GupshupReadReceipts("https://partner.example/")
    deadline = Deadline.after(1.0)
    assert api.mark_read(APP, "wamid.X", typing=True, deadline=deadline)
    [call] = seen
    assert call["url"] == "https://partner.example/partner/app/5b0c1e2a-app/v1/event"
    assert call["headers"]["Authorization"] == "sk_token_never_shown"
    assert call["deadline"] is deadline  # the caller's bound, whole
    assert api.calls == 1 and not api.failures


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (TimeoutError("the request's time is up"), "timeout"),
        (ConnectionRefusedError(), "unreachable"),
        (http.client.RemoteDisconnected("closed"), "unreachable"),
        (bounded_http.Answer(500, b"Internal Server Error"), "server"),
        (bounded_http.Answer(401, b'{"status":"error","message":"Authentication Failed"}'), "refused"),
        (bounded_http.Answer(400, b'{"status":"error","message":"Invalid JSON payload"}'), "rejected"),
        (RuntimeError("a bug"), "failed"),
    ],
)
def test_every_failure_is_swallowed_counted_and_logged_without_the_token(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, answer: Any, kind: str
) -> None:
    _calls(monkeypatch, answer)
    api = GupshupReadReceipts("https://partner.example")
    with caplog.at_level(logging.DEBUG):
        assert api.mark_read(APP, "wamid.X", typing=True, deadline=Deadline.after(1.0)) is False
    assert api.failures == {kind: 1} and api.calls == 1
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert kind in logged
    assert "sk_token_never_shown" not in logged and "wamid.X" not in logged
    assert "sk_token_never_shown" not in repr(APP)


def test_the_turns_telemetry_counts_read_receipts_and_their_failures_as_metrics() -> None:
    from receptionist.processor import telemetry
    from receptionist.processor.service import TurnReport

    event = telemetry.describe(TurnReport("answered"), gupshup_read_calls=2, gupshup_read_failures=1)
    assert (event.counts["ReadReceipts"], event.counts["ReadReceiptsFailed"]) == (2, 1)
    assert event.fields["gupshup_read_failures"] == 1  # and in the log line
    quiet = telemetry.describe(TurnReport("answered"), gupshup_read_calls=1, gupshup_read_failures=0)
    assert "ReadReceiptsFailed" not in quiet.counts
