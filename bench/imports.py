"""Import time of each function's module in a fresh interpreter (a Lambda cold start's import
phase), next to importing Powertools' Logger alone, median of N runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_FAKE_ENV = {
    "STAGE": "dev",
    "SECRETS_PATH": "/receptionist/dev",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Bench",
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

TARGETS = {
    "Powertools Logger alone (baseline)": (None, "from aws_lambda_powertools import Logger"),
    "webhook (functions/webhook/app.py)": ("functions/webhook", "import app"),
    "processor (functions/processor/app.py)": ("functions/processor", "import app"),
    "notifier (functions/notifier/app.py)": ("functions/notifier", "import app"),
    "sweeper (functions/sweeper/app.py)": ("functions/sweeper", "import app"),
}


def _one(code_dir: str | None, statement: str) -> float:
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(ROOT / code_dir) if code_dir else ''!r})\n"
        "t = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - t)\n"
    )
    env = {**os.environ, **_FAKE_ENV}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(runs: int = 10) -> list[tuple[str, float, float]]:
    """(target, median ms, max ms)."""
    rows = []
    for name, (code_dir, statement) in TARGETS.items():
        samples = [_one(code_dir, statement) * 1000 for _ in range(runs)]
        rows.append((name, statistics.median(samples), max(samples)))
    return rows


if __name__ == "__main__":
    t = time.perf_counter()
    for name, median, worst in measure():
        print(f"{name:45} median {median:7.1f} ms   max {worst:7.1f} ms")
    print(f"({time.perf_counter() - t:.1f} s)")
