"""X-Ray traces AWS calls only: with tracing on (as in Lambda), each function patches botocore and
nothing else, so no HTTP client (media downloads, Gupshup, the model) puts a URL in a trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devstack.lambda_context import run_fresh
from devstack.template import function_env

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("function", ["webhook", "processor", "notifier", "sweeper"])
def test_only_botocore_is_patched(function: str) -> None:
    env = function_env(
        f"{function.capitalize()}Function",
        POWERTOOLS_TRACE_DISABLED="false",
        LAMBDA_TASK_ROOT="/var/task",  # Powertools traces only inside Lambda
        AWS_LAMBDA_FUNCTION_NAME=f"receptionist-dev-{function}",
    )
    code = (
        "import app, json\nfrom aws_xray_sdk.core import patcher\nprint(json.dumps(sorted(patcher._PATCHED_MODULES)))\n"
    )
    patched = run_fresh(code, code_dir=ROOT / "functions" / function, env=env)
    assert json.loads(patched) == ["botocore"]
