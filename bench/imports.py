"""Import time of each function's module in a fresh interpreter (a Lambda cold start's import
phase), next to importing Powertools' Logger alone, median of N runs."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from devstack.lambda_context import import_seconds
from devstack.template import function_env

ROOT = Path(__file__).resolve().parents[1]

TARGETS = {
    # name: (the function whose app.py is imported, with its settings from the template; statement)
    "Powertools Logger alone (baseline)": (None, "from aws_lambda_powertools import Logger"),
    # What the webhook cannot do without (issue 15's baseline): Powertools' Logger, Metrics and
    # HTTP resolver, and the two boto3 clients it calls.
    "webhook minimum (Logger, Metrics, HTTP resolver, SQS + DynamoDB clients)": (
        None,
        "from aws_lambda_powertools import Logger, Metrics\n"
        "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
        "import boto3\n"
        "boto3.client('sqs', region_name='us-east-1'); boto3.client('dynamodb', region_name='us-east-1')",
    ),
    "webhook (functions/webhook/app.py)": ("WebhookFunction", "import app"),
    "processor (functions/processor/app.py)": ("ProcessorFunction", "import app"),
    # With SnapStart this all runs once, when a version is published: the snapshot holds the
    # imports, the wiring and what the before-snapshot hook loads for the first turns.
    "processor + before-snapshot hook (what a SnapStart snapshot holds)": (
        "ProcessorFunction",
        "import app\nfrom receptionist.processor import snapshot\nsnapshot.before_snapshot(app.parts.connections)",
    ),
    "notifier (functions/notifier/app.py)": ("NotifierFunction", "import app"),
    "sweeper (functions/sweeper/app.py)": ("SweeperFunction", "import app"),
    "console (functions/console/app.py)": ("ConsoleFunction", "import app"),
    # The processor's heavy imports, each alone in a fresh interpreter (they share dependencies,
    # so they do not add up): where its cold start goes.
    "(processor part) langgraph": (None, "import langgraph.graph"),
    "(processor part) langchain_openai": (None, "import langchain_openai"),
    "(processor part) openai": (None, "import openai"),
    "(processor part) langgraph_checkpoint_aws": (None, "import langgraph_checkpoint_aws"),
    "(processor part) psycopg": (None, "import psycopg"),
    "(processor part) boto3": (None, "import boto3"),
}


def _one(function: str | None, statement: str) -> float:
    if function is None:
        return import_seconds(statement)
    code_dir = ROOT / "functions" / function.removesuffix("Function").lower()
    return import_seconds(statement, code_dir=code_dir, env=function_env(function))  # tracing off


def measure(runs: int = 10) -> list[tuple[str, float, float]]:
    """(target, median ms, max ms)."""
    rows = []
    for name, (function, statement) in TARGETS.items():
        samples = [_one(function, statement) * 1000 for _ in range(runs)]
        rows.append((name, statistics.median(samples), max(samples)))
    return rows


if __name__ == "__main__":
    t = time.perf_counter()
    for name, median, worst in measure():
        print(f"{name:45} median {median:7.1f} ms   max {worst:7.1f} ms")
    print(f"({time.perf_counter() - t:.1f} s)")
