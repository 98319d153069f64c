"""The processor's cold start leaves google-genai out: only turns with media need Gemini."""

from __future__ import annotations

from pathlib import Path

from devstack.lambda_context import modules_after

ROOT = Path(__file__).resolve().parents[3]

ENV = {
    "STAGE": "dev",
    "SECRETS_PATH": "/receptionist/dev",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Test",
    "CONVERSATIONS_TABLE": "c",
    "CHECKPOINTS_TABLE": "k",
    "MEDIA_BUCKET": "b",
    "OUTBOUND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/out.fifo",
    "INBOUND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/in.fifo",
    "DATABASE_URL_PARAM": "/receptionist/dev/database-url",
    "OPENAI_API_KEY_PARAM": "/receptionist/dev/openai-api-key",
    "GEMINI_API_KEY_PARAM": "/receptionist/dev/gemini-api-key",
    "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    "OPENAI_MODEL": "gpt-4.1-mini",
}


def _modules_after(code: str) -> set[str]:
    return modules_after(code, code_dir=ROOT / "functions/processor", env=ENV)


def test_the_handler_module_imports_without_google_genai() -> None:
    loaded = _modules_after("import app")
    assert "receptionist.processor.wiring" in loaded
    assert "google.genai" not in loaded


def test_the_check_would_notice() -> None:
    assert "google.genai" in _modules_after("import receptionist.adapters.gemini")
