"""Powertools telemetry: one log line and one EMF metric per request; no PII, no secret."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from webhook_kit import CONTENT, SECRET, Harness, billing_event, message, status_event

from receptionist.telemetry import PowertoolsTelemetry
from receptionist.webhook import telemetry as request_telemetry

TEXT = "Quiero cita, mi DNI es 12345678Z"
PHONE = "34611999888"


@pytest.fixture
def observed(capsys: pytest.CaptureFixture[str]) -> Any:
    stream = io.StringIO()
    # A fresh name: Powertools loggers of one name share their handler (and its stream).
    logger = Logger(service=f"webhook-test-{uuid.uuid4().hex}", stream=stream, level="INFO")
    metrics = Metrics(namespace="WebhookTest", service="webhook-test")
    # Powertools' Metrics instances share one metric set: what another test left unflushed would
    # land in this request's document.
    metrics.clear_metrics()
    harness = Harness()
    harness.telemetry = PowertoolsTelemetry(logger, metrics, request_telemetry.describe)  # type: ignore[assignment]

    class Observed:
        def __init__(self) -> None:
            self.harness = harness

        def post(self, body: Any, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
            """(the log line, the EMF document) this request produced."""
            stream.seek(0)
            stream.truncate()
            capsys.readouterr()
            try:
                harness.post(body, **kwargs)
            finally:
                metrics.flush_metrics()
            return self.last()

        def last(self) -> tuple[dict[str, Any], dict[str, Any]]:
            (line,) = stream.getvalue().splitlines()
            (emf,) = capsys.readouterr().out.splitlines()
            return json.loads(line), json.loads(emf)

    return Observed()


def _metric(emf: dict[str, Any]) -> tuple[str, dict[str, str]]:
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    (metric,) = directive["Metrics"]
    (dimensions,) = directive["Dimensions"]
    assert emf[metric["Name"]] == [1.0] or emf[metric["Name"]] == 1.0
    return metric["Name"], {d: emf[d] for d in dimensions}


def test_accepted_message(observed: Any) -> None:
    log, emf = observed.post(message("text", {"text": TEXT}, id="wamid.ABC", source=PHONE))
    assert log["level"] == "INFO"
    assert (log["outcome"], log["kind"], log["message_id"]) == ("accepted", "text", "wamid.ABC")
    assert log["correlation_id"] == "wamid.ABC"
    assert _metric(emf) == ("Received", {"kind": "text", "service": "webhook-test"})


def test_duplicate(observed: Any) -> None:
    body = message("image", CONTENT["image"], id="wamid.DUP")
    observed.post(body)
    log, emf = observed.post(body)  # still pending: its ticket is sent again
    assert log["outcome"] == "duplicate" and log["correlation_id"] == "wamid.DUP" and log["reason"] == "reticketed"
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in directive["Metrics"]] == ["Duplicates", "Reticketed"]
    assert (emf["kind"], emf["service"]) == ("image", "webhook-test")
    observed.harness.buffer.answer_all()
    log, emf = observed.post(body)  # answered by now: nothing to send
    assert "reason" not in log and _metric(emf) == ("Duplicates", {"kind": "image", "service": "webhook-test"})


@pytest.mark.parametrize(
    ("body", "kwargs", "reason"),
    [
        (message("text", {"text": TEXT}, source=PHONE), {"token": "nope"}, "unauthorized"),
        (b"{", {}, "malformed_json"),
        (message("text", {"text": TEXT}, source=f"{PHONE} x"), {}, "invalid_payload"),
        (message("text", {"text": TEXT}, source=PHONE), {"content_type": "text/plain"}, "unsupported_media_type"),
    ],
)
def test_rejected_requests_are_counted_by_reason(observed: Any, body: Any, kwargs: dict[str, Any], reason: str) -> None:
    log, emf = observed.post(body, **kwargs)
    assert log["outcome"] == "rejected" and log["reason"] == reason
    assert _metric(emf) == ("Rejected", {"reason": reason, "service": "webhook-test"})


def test_ignored_and_forwarded(observed: Any) -> None:
    log, emf = observed.post(billing_event())
    assert _metric(emf) == ("Ignored", {"reason": "unhandled_type", "service": "webhook-test"})
    log, emf = observed.post(status_event("read"))
    assert log["outcome"] == "forwarded" and log["correlation_id"] == log["message_id"]
    assert _metric(emf) == ("Received", {"kind": "read", "service": "webhook-test"})


@pytest.mark.parametrize(
    ("body", "kwargs"),
    [
        (message("text", {"text": TEXT}, source=PHONE), {}),
        (message("text", {"text": TEXT}, source=PHONE), {"token": SECRET + "!"}),
        (message("text", {"text": TEXT, "extra": 1}, source=PHONE + "#"), {}),
        (message("location", {"latitude": TEXT, "longitude": PHONE}, source=PHONE), {}),
        (message("image", {"caption": TEXT, "url": ""}, source=PHONE), {}),
    ],
)
def test_logs_never_hold_text_numbers_or_the_secret(observed: Any, body: Any, kwargs: dict[str, Any]) -> None:
    log, emf = observed.post(body, **kwargs)
    for document in (log, emf):
        text = json.dumps(document, ensure_ascii=False)
        assert TEXT not in text and "12345678Z" not in text
        assert PHONE not in text
        assert SECRET not in text


def test_correlation_id_does_not_leak_into_the_next_request(observed: Any) -> None:
    observed.post(message("text", {"text": "hola"}, id="wamid.FIRST"))
    log, _ = observed.post(b"{")
    assert log.get("correlation_id") is None


def test_an_aws_failure_is_logged_by_type_and_place_not_message_and_counted(observed: Any) -> None:
    class Down(Exception):
        pass

    observed.harness.inbound.fail_with = Down(f"queue unavailable for {PHONE}")  # a message quoting data
    with pytest.raises(Down):
        observed.post(message("text", {"text": TEXT}, id="wamid.FAIL", source=PHONE))
    log, emf = observed.last()
    assert log["level"] == "ERROR" and log["outcome"] == "failed" and log["reason"] == "Down"
    assert log["correlation_id"] == "wamid.FAIL"
    assert log["error"] == "Down" and log["error_at"].startswith("receptionist.webhook.service:")
    assert "exception" not in log and "queue unavailable" not in json.dumps(log)
    assert TEXT not in json.dumps(log, ensure_ascii=False) and PHONE not in json.dumps(log)
    assert _metric(emf) == ("Failed", {"reason": "Down", "service": "webhook-test"})
