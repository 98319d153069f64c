"""X-Ray traces AWS calls only: with tracing on (as in Lambda), each function patches botocore and
nothing else, so no HTTP client (media downloads, Gupshup, the model) puts a URL in a trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENV = {
    "STAGE": "dev",
    "SECRETS_PATH": "/receptionist/dev",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "false",
    "LAMBDA_TASK_ROOT": "/var/task",  # Powertools traces only inside Lambda
    "AWS_LAMBDA_FUNCTION_NAME": "receptionist-dev-test",
    "POWERTOOLS_METRICS_NAMESPACE": "Test",
    "CONVERSATIONS_TABLE": "c",
    "CHECKPOINTS_TABLE": "k",
    "IDEMPOTENCY_TABLE": "i",
    "MEDIA_BUCKET": "b",
    "INBOUND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/in.fifo",
    "OUTBOUND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/out.fifo",
    "WEBHOOK_SECRETS_PATH": "/receptionist/dev/webhook-secrets",
    "DATABASE_URL_PARAM": "/receptionist/dev/database-url",
    "OPENAI_API_KEY_PARAM": "/receptionist/dev/openai-api-key",
    "GEMINI_API_KEY_PARAM": "/receptionist/dev/gemini-api-key",
    "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    "OPENAI_MODEL": "gpt-4.1-mini",
    "GUPSHUP_API_URL": "http://127.0.0.1:9",
    "DEBOUNCE_SECONDS": "10",
}


@pytest.mark.parametrize("function", ["webhook", "processor", "notifier", "sweeper"])
def test_only_botocore_is_patched(function: str) -> None:
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT / 'functions' / function)!r})\n"
        "import app\n"
        "from aws_xray_sdk.core import patcher\n"
        "print(json.dumps(sorted(patcher._PATCHED_MODULES)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **ENV}, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["botocore"]
