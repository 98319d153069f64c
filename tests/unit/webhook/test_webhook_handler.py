"""functions/webhook/app.py: settings at cold start, Powertools decorators, event -> response.

The module is loaded as Lambda would load it; its service is then rebuilt on in-memory adapters
(its own logger and metrics kept), so no AWS endpoint is needed.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from webhook_kit import FakeBuffer, FakeQueue, FakeSecrets, message

from devstack.lambda_context import LocalContext, load_function
from devstack.template import function_env
from receptionist.webhook.service import WebhookService

ROOT = Path(__file__).resolve().parents[3]
ENV = function_env("WebhookFunction")


def _load(env: dict[str, str]) -> ModuleType:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        return load_function(ROOT / "functions/webhook/app.py", "webhook_app_under_test")


@pytest.fixture(scope="module")
def app() -> Iterator[ModuleType]:
    module = _load(ENV)
    yield module
    sys.modules.pop("webhook_app_under_test", None)


@pytest.fixture
def wired(app: ModuleType) -> Iterator[dict[str, Any]]:
    original = app.parts
    parts: dict[str, Any] = {"buffer": FakeBuffer(), "inbound": FakeQueue("in"), "outbound": FakeQueue("out")}
    service = WebhookService(secrets=FakeSecrets({"ClinicaSonrisa": ["local-webhook-secret"]}), **parts)
    app.parts = replace(app.parts, service=service)  # the module's own telemetry kept
    yield parts
    app.parts = original


def test_settings_are_validated_at_cold_start() -> None:
    with pytest.raises(Exception, match="INBOUND_QUEUE_URL"):
        _load({k: v for k, v in ENV.items() if k != "INBOUND_QUEUE_URL"})


def test_the_module_builds_the_real_adapters(app: ModuleType) -> None:
    service = app.parts.service
    assert type(service._buffer).__name__ == "ConversationBuffer"
    assert service._buffer.table_name == ENV["CONVERSATIONS_TABLE"]
    assert service._inbound.queue_url == ENV["INBOUND_QUEUE_URL"]
    assert service._outbound.queue_url == ENV["OUTBOUND_QUEUE_URL"]


@pytest.mark.parametrize("path", sorted((ROOT / "events").glob("webhook_*.json")), ids=lambda p: p.name)
def test_sample_events_return_200(app: ModuleType, wired: dict[str, Any], path: Path) -> None:
    result = app.handler(
        json.loads(path.read_text()), LocalContext("receptionist-dev-webhook", memory_mb=512, timeout_s=10)
    )
    assert result["statusCode"] == 200, result
    assert json.loads(result["body"])["status"] in ("accepted", "forwarded")
    assert len(wired["inbound"].sent) + len(wired["outbound"].sent) == 1


def test_handler_maps_rejections_to_responses(app: ModuleType, wired: dict[str, Any]) -> None:
    event = json.loads((ROOT / "events/webhook_text.json").read_text())
    event["queryStringParameters"] = {"token": "wrong"}
    result = app.handler(event, LocalContext("receptionist-dev-webhook", memory_mb=512, timeout_s=10))
    assert result["statusCode"] == 401
    assert json.loads(result["body"])["error"] == "unauthorized"


def test_handler_logs_with_the_message_id_as_correlation_id(
    app: ModuleType, wired: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    event = json.loads((ROOT / "events/webhook_text.json").read_text())
    event["body"] = json.dumps(message("text", {"text": "hola"}, id="wamid.CORRELATE"))
    stream = io.StringIO()
    handler = app.logger.registered_handler
    previous = handler.setStream(stream)  # the handler holds the stdout of import time
    try:
        capsys.readouterr()
        app.handler(event, LocalContext("receptionist-dev-webhook", memory_mb=512, timeout_s=10, request_id="req-1"))
    finally:
        handler.setStream(previous)
    (log,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert log["message"] == "webhook request accepted"
    assert log["correlation_id"] == "wamid.CORRELATE"
    assert log["function_request_id"] == "req-1"
    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf["Received"] == [1.0] and emf["kind"] == "text" and emf["service"] == "webhook"
