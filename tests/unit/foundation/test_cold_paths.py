"""What each cold start imports, seen in a fresh interpreter with the function's environment
from the template: the webhook stays light, the processor leaves google-genai for turns with
media, and domain modules never import the AWS SDK or the database driver."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devstack.lambda_context import modules_after
from devstack.template import function_env

ROOT = Path(__file__).resolve().parents[3]
LLM_OR_DATABASE = ("langgraph", "langchain", "langchain_core", "openai", "google.genai", "psycopg", "psycopg_binary")
AWS_SDK = ("boto3", "botocore")


def _loaded(code: str, function: str | None = None) -> set[str]:
    if function is None:
        return modules_after(code)
    # CalendarPushFunction -> functions/calendar_push
    code_dir = ROOT / "functions" / re.sub(r"(?<!^)(?=[A-Z])", "_", function.removesuffix("Function")).lower()
    return modules_after(code, code_dir=code_dir, env=function_env(function))


def _of(loaded: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(f"{p}.") for p in packages))


@pytest.mark.parametrize(
    ("function", "expected", "forbidden"),
    [
        ("WebhookFunction", "receptionist.webhook.service", LLM_OR_DATABASE),
        # The calendar push route is as light as the webhook: no database, no agent.
        ("CalendarPushFunction", "receptionist.calendar_push.service", LLM_OR_DATABASE),
        ("ProcessorFunction", "receptionist.processor.wiring", ("google.genai",)),
    ],
)
def test_a_handler_module_leaves_out_what_its_cold_start_does_not_need(
    function: str, expected: str, forbidden: tuple[str, ...]
) -> None:
    loaded = _loaded("import app", function)
    assert expected in loaded
    assert _of(loaded, forbidden) == []


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("receptionist.webhook.service", AWS_SDK),
        ("receptionist.gupshup.inbound", AWS_SDK),
        ("receptionist.webhook.http", AWS_SDK),
        ("receptionist.messages", AWS_SDK),
        ("receptionist.calendar.sync", (*AWS_SDK, "psycopg")),
        ("receptionist.calendar.publish", (*AWS_SDK, "psycopg")),
        ("receptionist.calendar.relay", (*AWS_SDK, "psycopg")),
        ("receptionist.calendar.channels", (*AWS_SDK, "psycopg")),
        ("receptionist.calendar_push.service", (*AWS_SDK, "psycopg")),
        ("receptionist.notifier.service", (*AWS_SDK, "psycopg")),
        ("receptionist.notifier.ports", (*AWS_SDK, "psycopg")),
        ("receptionist.notifier.window", (*AWS_SDK, "psycopg")),
        ("receptionist.notifier.splitting", (*AWS_SDK, "psycopg")),
        ("receptionist.notifier.retry", (*AWS_SDK, "psycopg")),
    ],
)
def test_domain_modules_import_no_sdk_or_driver(module: str, forbidden: tuple[str, ...]) -> None:
    loaded = _loaded(f"import {module}")
    assert module in loaded
    assert _of(loaded, forbidden) == []


def test_the_probe_would_notice() -> None:
    """Against a vacuous pass: the same probe sees what an adapter pulls in."""
    loaded = _loaded("import receptionist.adapters.delivery_crm\nimport receptionist.adapters.gemini")
    assert _of(loaded, ("psycopg", "google.genai", *AWS_SDK)) != []
    assert "psycopg" in loaded and "google.genai" in loaded
