"""The webhook's cold path stays light, and its domain code stays free of AWS SDK imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.lambda_context import modules_after

ROOT = Path(__file__).resolve().parents[3]
ENV = {
    "STAGE": "dev",
    "SECRETS_PATH": "/receptionist/dev",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "CONVERSATIONS_TABLE": "c",
    "INBOUND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/in.fifo",
    "OUTBOUND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/out.fifo",
    "WEBHOOK_SECRETS_PATH": "/receptionist/dev/webhook-secrets",
}
HEAVY = ("langgraph", "langchain", "langchain_core", "openai", "google.genai", "psycopg", "psycopg_binary")


def _modules_after(code: str, path: Path | None = None) -> set[str]:
    return modules_after(code, code_dir=path, env=ENV)


def test_importing_the_webhook_loads_no_llm_or_database_library() -> None:
    loaded = _modules_after("import app", ROOT / "functions" / "webhook")
    assert "app" in loaded and "receptionist.webhook.service" in loaded
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith("google.genai"))
    assert heavy == []


def test_the_check_would_notice_a_heavy_import() -> None:
    # Guard against a vacuous pass: the same probe sees psycopg when something imports it.
    loaded = _modules_after("import psycopg")
    assert "psycopg" in loaded


@pytest.mark.parametrize(
    "module",
    [
        "receptionist.webhook.service",
        "receptionist.gupshup.inbound",
        "receptionist.webhook.http",
        "receptionist.messages",
    ],
)
def test_domain_modules_do_not_import_boto3(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert module in loaded
    assert not {"boto3", "botocore"} & loaded
