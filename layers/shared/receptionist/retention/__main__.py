"""Run one retention pass now, as the nightly RetentionFunction does (docs/privacy.md, "How long
anything is kept"):

    .venv/bin/python -m receptionist.retention --local [--app ClinicaSonrisa] [--seconds 840]
    DATABASE_URL=postgresql://… .venv/bin/python -m receptionist.retention --stage prod [--app …]

`--local` takes every endpoint and name from the running local stack ($LOCAL_STATE_DIR, else
.local, /stack.json): the database as the retention role, moto's endpoint, the tables, the bucket,
the SSM parameters, Langfuse when the stack traces. `--stage` takes the names from the stage's
deployed RetentionFunction (its environment) and the database from $DATABASE_URL (the retention role
or the tables' owner), with AWS credentials as for the AWS CLI. `--app` limits it to one business.

What is due is the CRM's decision, with its clock: nothing here chooses a time. Prints counts only.
Running it again (after a failure, or while another run goes) removes only what is still due.

Exit status: 0 done; 1 some steps failed (the next run tries again) or the names could not be read;
2 usage; 3 time ran out with work left (run it again).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from receptionist.config import RetentionSettings
from receptionist.crm.connection import Database
from receptionist.crm.privacy import organization_of_app
from receptionist.deadline import Deadline
from receptionist.retention.service import RetentionReport
from receptionist.retention.wiring import build

SECONDS = 840.0  # as the function: its 900 s timeout less the 60 s reserve


def local_settings(state_dir: Path) -> tuple[str, dict[str, str], str, dict[str, Any]]:
    """The retention role's URL, the function's environment, the owner's URL (to name an app) and
    the AWS client settings of the running local stack."""
    path = state_dir / "stack.json"
    if not path.exists():
        raise SystemExit(f"no local stack at {path}: start one with `make local`")
    info = json.loads(path.read_text())
    secrets = info["secrets_path"]
    env = {
        "DATABASE_URL_PARAM": f"{secrets}/retention-database-url",
        "CONVERSATIONS_TABLE": info["tables"]["ConversationsTable"],
        "CHECKPOINTS_TABLE": info["tables"]["CheckpointsTable"],
        "IDEMPOTENCY_TABLE": info["tables"]["IdempotencyTable"],
        "MEDIA_BUCKET": info["buckets"]["MediaBucket"],
        "CUSTOMER_KEY_PARAM": f"{secrets}/trace-user-key",
        "LANGFUSE_HOST": info.get("langfuse_host") or "",
        "LANGFUSE_PUBLIC_KEY_PARAM": f"{secrets}/langfuse-public-key",
        "LANGFUSE_SECRET_KEY_PARAM": f"{secrets}/langfuse-secret-key",
    }
    aws = {"endpoint_url": info["aws_endpoint_url"], "region_name": info["region"]}
    return str(info["retention_database_url"]), env, str(info["database_url"]), aws


def stage_settings(stage: str, lambda_client: Any) -> dict[str, str]:
    """The deployed RetentionFunction's environment (template.yaml's names)."""
    config = lambda_client.get_function_configuration(FunctionName=f"receptionist-{stage}-retention")
    return dict(config.get("Environment", {}).get("Variables", {}))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.retention",
        description="Remove now what each business's retention windows make due, in every store.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="the running local stack (.local/stack.json)")
    where.add_argument("--stage", choices=("dev", "prod"), help="the deployed stage ($DATABASE_URL)")
    parser.add_argument("--app", help="only the business of this Gupshup app")
    parser.add_argument(
        "--seconds", type=float, default=SECONDS, help=f"stop starting work after this (default {SECONDS:.0f})"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    aws: dict[str, Any] = {}
    if args.local:
        url, env, owner_url, aws = local_settings(Path(os.environ.get("LOCAL_STATE_DIR") or ".local"))
    else:
        url = owner_url = os.environ.get("DATABASE_URL", "")
        if not url:
            parser.error("DATABASE_URL is not set")
        try:
            env = stage_settings(args.stage, boto3.client("lambda"))
        except (ClientError, KeyError) as exc:
            print(f"the stage's retention function could not be read ({type(exc).__name__})", file=sys.stderr)
            return 1
    ssm = boto3.client("ssm", **aws)

    def secret(name: str) -> str:
        return str(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])

    settings = RetentionSettings.from_env(env)
    db = Database(url, statement_timeout_ms=60_000, application_name="receptionist-ops-retention")
    try:
        only = None
        if args.app:
            owner = Database(owner_url, application_name="receptionist-ops-retention")
            try:
                organization = organization_of_app(owner, args.app)
            finally:
                owner.close()
            if organization is None:
                print(f"no Gupshup app named {args.app!r}", file=sys.stderr)
                return 1
            only = {organization}
        parts = build(
            settings, db=db, secret=secret, dynamodb=boto3.client("dynamodb", **aws), s3=boto3.client("s3", **aws)
        )
        report = parts.service.run(Deadline.after(args.seconds), only)
    finally:
        db.close()
    _print(report)
    if report.failed:
        return 1
    return 3 if report.backlog else 0


def _print(report: RetentionReport) -> None:
    print(" ".join(f"{k}={v}" for k, v in report.counts().items()) + f" seconds={report.seconds}")
    if report.backlog:
        print(f"time ran out with work left at {report.backlog} business(es): run it again")


if __name__ == "__main__":
    sys.exit(main())
