"""Measure the webhook (prints figures; asserts nothing about timing).

    .venv/bin/python tests/integration/webhook/measure_webhook.py [--runs 10] [--messages 200]

1. Import time in a fresh interpreter (a cold start's import phase), median of N processes:
   Powertools' Logger alone, the webhook's domain code alone, and functions/webhook/app.py.
2. The handler's in-process time per request against moto (the template deployed into it):
   new messages (2 AWS calls each), redeliveries (1), statuses (1), rejections (0).
   moto over local HTTP stands in for DynamoDB/SQS, so these are the code's own cost plus a
   local round trip, not Lambda-to-AWS latencies.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests" / "unit" / "webhook"))
sys.path.insert(0, str(HERE))

from webhook_kit import CONTENT, SECRET, api_event, message, status_event  # noqa: E402

from devstack.cloudformation import TranslatedTemplate, deploy  # noqa: E402
from devstack.lambda_context import import_seconds  # noqa: E402
from devstack.stack import MotoServer  # noqa: E402
from devstack.template import function_env  # noqa: E402

IMPORT_ENV = function_env("WebhookFunction")
IMPORTS = {
    "Powertools Logger alone (baseline)": (None, "from aws_lambda_powertools import Logger"),
    "webhook domain only (service + Gupshup models)": (None, "import receptionist.webhook.service"),
    "functions/webhook/app.py, tracing disabled": ("functions/webhook", "import app"),
    "functions/webhook/app.py, tracing enabled (as deployed)": ("functions/webhook", "import app"),
}


def _import_seconds(code_dir: str | None, statement: str, tracing: bool) -> float:
    env = {**IMPORT_ENV, "POWERTOOLS_TRACE_DISABLED": "false" if tracing else "true"}
    return import_seconds(statement, code_dir=ROOT / code_dir if code_dir else None, env=env)


def measure_imports(runs: int) -> None:
    print(f"Import time, fresh interpreter, median of {runs} (max):")
    for name, (code_dir, statement) in IMPORTS.items():
        samples = [_import_seconds(code_dir, statement, "enabled" in name) * 1000 for _ in range(runs)]
        print(f"  {name:58} {statistics.median(samples):7.1f} ms  ({max(samples):.1f})")


class _Context:
    function_name = "receptionist-dev-webhook"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:receptionist-dev-webhook"
    aws_request_id = "measure"


def _timed(handler: Callable[[dict[str, Any], Any], dict[str, Any]], events: list[dict[str, Any]]) -> list[float]:
    out = []
    for event in events:
        t = time.perf_counter()
        result = handler(event, _Context())
        out.append((time.perf_counter() - t) * 1000)
        assert result["statusCode"] < 500, result
    return out


def measure_handler(count: int) -> None:
    region = "us-east-1"
    params = {"Stage": "dev", "DebounceSeconds": "0"}
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "moto.log", "w") as log:
        server = MotoServer(0, log)
        try:
            server.wait_ready()
            template = TranslatedTemplate.from_sam(
                ROOT / "template.yaml", ROOT / ".venv-sam/bin/python", params, region
            )
            stack = deploy(template, stack_name="measure", endpoint_url=server.url, region=region, parameters=params)
            env = template.functions["WebhookFunction"]["Environment"]["Variables"]
            os.environ.update({k: str(stack.resolve(v)) for k, v in env.items()})
            os.environ.update(
                {
                    "AWS_ENDPOINT_URL": server.url,
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": region,
                    "POWERTOOLS_TRACE_DISABLED": "true",
                    "POWERTOOLS_METRICS_NAMESPACE": "Measure",
                    "POWERTOOLS_LOG_LEVEL": "WARNING",  # keep the console quiet; EMF still prints
                }
            )
            import boto3

            boto3.client("ssm", endpoint_url=server.url).put_parameter(
                Name=os.environ["WEBHOOK_SECRETS_PATH"] + "/ClinicaSonrisa",
                Value=SECRET,
                Type="SecureString",
                Overwrite=True,
            )
            spec = importlib.util.spec_from_file_location("webhook_app", ROOT / "functions/webhook/app.py")
            assert spec and spec.loader
            app = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(app)

            stamp = time.time_ns()
            first = _timed(app.handler, [api_event(message("text", CONTENT["text"], id=f"wamid.warm-{stamp}"))])
            messages = [
                api_event(message(kind, CONTENT[kind], id=f"wamid.m{i}-{stamp}"))
                for i, kind in enumerate(list(CONTENT) * (count // len(CONTENT) + 1))
            ][:count]
            statuses = []
            for i in range(count):
                body = status_event("delivered")
                body["payload"]["id"] = f"wamid.s{i}-{stamp}"
                statuses.append(api_event(body))
            stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 - EMF lines
            try:
                rows = {
                    "first request (fetches the secret from SSM)": first,
                    "new message (TransactWriteItems + SendMessage)": _timed(app.handler, messages),
                    "redelivery (TransactWriteItems only)": _timed(app.handler, messages),
                    "status (SendMessage to outbound)": _timed(app.handler, statuses),
                    "rejected, wrong token (no AWS call)": _timed(
                        app.handler, [api_event(message("text", CONTENT["text"]), token="x")] * count
                    ),
                }
            finally:
                sys.stdout.close()
                sys.stdout = stdout
        finally:
            server.stop()
    print(f"\nHandler time in process against moto (local HTTP), {count} requests each:")
    for name, samples in rows.items():
        samples = sorted(samples)
        p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
        print(f"  {name:50} median {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    measure_imports(args.runs)
    measure_handler(args.messages)
    print(f"\n({time.perf_counter() - started:.0f} s, Python {sys.version.split()[0]}, {sys.platform})")
    print(json.dumps({"note": "figures are printed, not asserted"}))


if __name__ == "__main__":
    main()
