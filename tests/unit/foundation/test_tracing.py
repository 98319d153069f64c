"""X-Ray traces AWS calls only: with tracing on (as in Lambda), each traced function patches
botocore and nothing else, so no HTTP client (media downloads, Gupshup, the model) puts a URL in a
trace. The webhook loads no X-Ray SDK at all (a third of its cold start), yet its trace still
reaches the processor: botocore sends Lambda's trace header with each SQS call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devstack.lambda_context import modules_after, run_fresh
from devstack.template import function_env

ROOT = Path(__file__).resolve().parents[3]


def _lambda_env(function: str, **extra: str) -> dict[str, str]:
    return function_env(
        f"{function.capitalize()}Function",
        POWERTOOLS_TRACE_DISABLED="false",
        LAMBDA_TASK_ROOT="/var/task",  # Powertools traces only inside Lambda
        AWS_LAMBDA_FUNCTION_NAME=f"receptionist-dev-{function}",
        **extra,
    )


@pytest.mark.parametrize("function", ["processor", "notifier", "sweeper", "console", "reminders"])
def test_only_botocore_is_patched(function: str) -> None:
    code = (
        "import app, json\nfrom aws_xray_sdk.core import patcher\nprint(json.dumps(sorted(patcher._PATCHED_MODULES)))\n"
    )
    patched = run_fresh(code, code_dir=ROOT / "functions" / function, env=_lambda_env(function))
    assert json.loads(patched) == ["botocore"]


def test_the_webhook_loads_no_xray_sdk() -> None:
    loaded = modules_after("import app", code_dir=ROOT / "functions" / "webhook", env=_lambda_env("webhook"))
    assert "app" in loaded
    assert not {m for m in loaded if m.startswith("aws_xray_sdk")}


def test_the_webhooks_queue_calls_carry_lambdas_trace_header() -> None:
    trace = "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"
    # The webhook's own SQS client; the request is captured just before it would leave.
    code = (
        "import app, json\n"
        "seen = {}\n"
        "class Captured(Exception): ...\n"
        "def capture(request, **kwargs):\n"
        "    seen.update(request.headers)\n"
        "    raise Captured\n"
        "sqs = app.parts.service._inbound._sqs\n"
        "sqs.meta.events.register('before-send.sqs', capture)\n"
        "try:\n"
        "    sqs.send_message(QueueUrl=app.settings.inbound_queue_url, MessageBody='{}', MessageGroupId='g')\n"
        "except Captured:\n"
        "    pass\n"
        "print(json.dumps({k: (v.decode() if isinstance(v, bytes) else v) for k, v in seen.items()}))\n"
    )
    env = _lambda_env("webhook", _X_AMZN_TRACE_ID=trace)
    headers = json.loads(run_fresh(code, code_dir=ROOT / "functions" / "webhook", env=env))
    assert headers.get("X-Amzn-Trace-Id") == trace
