"""Block or erase one customer of one business, in every store (docs/privacy.md, "Blocking and
erasing one customer"):

    .venv/bin/python -m receptionist.ops.forget --local --app ClinicaSonrisa --customer 34600111222 \\
        --mode erase --reason "Solicitud de supresión por escrito, art. 17 RGPD"
    DATABASE_URL=postgresql://postgres:…@…/postgres .venv/bin/python -m receptionist.ops.forget --stage prod \\
        --app ClinicaSonrisa --customer 34600111222 --mode block --reason "…" [--until 2031-12-31]

`--local` takes every endpoint and name from the running local stack ($LOCAL_STATE_DIR, else
.local, /stack.json): the database as the tables' owner, moto's endpoint, the tables, the bucket,
the SSM parameters, Langfuse when the stack traces. `--stage` takes them from the stage's deployed
functions (the processor's and the notifier's environment: tables, bucket, Langfuse host and the
names of its keys and of the customer key), with AWS credentials as for the AWS CLI, and the
database from $DATABASE_URL (the tables' owner, as for the other ops commands).

Prints what each store held and the request's pseudonym, never the number. Running it again after
a failure finishes the same request; running it once it is done finds nothing (harmless).

Exit status: 0 done; 1 refused (unknown app, not allowed, the reason names the customer, no
customer key); 2 usage; 3 stopped midway (a store or the database failed): run it again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from receptionist.crm.connection import Database
from receptionist.crm.privacy import organization_of_app
from receptionist.logsafe import error_fields
from receptionist.ops.actor import ops_actor
from receptionist.privacy.forget import Outcome
from receptionist.privacy.ports import Caller, ForgetRefused
from receptionist.privacy.stores import MODES
from receptionist.privacy.wiring import StoreNames, build_forget

_REFUSED = {
    "not_allowed": "not allowed",
    "invalid": "a value was refused",
    "reason_names_customer": "the reason must not name the customer (number or name): it outlives their data",
    "no_request": "no request to finish",
    "no_key": "the customer key (SSM trace-user-key) is missing or too short: create it (docs/tracing.md)",
}


def stack_settings(state_dir: Path) -> tuple[str, StoreNames, dict[str, Any]]:
    """The database URL (the tables' owner), the stores' names and the AWS client settings of
    the running local stack."""
    path = state_dir / "stack.json"
    if not path.exists():
        raise SystemExit(f"no local stack at {path}: start one with `make local`")
    info = json.loads(path.read_text())
    secrets = info["secrets_path"]
    names = StoreNames(
        conversations_table=info["tables"]["ConversationsTable"],
        checkpoints_table=info["tables"]["CheckpointsTable"],
        idempotency_table=info["tables"]["IdempotencyTable"],
        media_bucket=info["buckets"]["MediaBucket"],
        customer_key_param=f"{secrets}/trace-user-key",
        langfuse_host=info.get("langfuse_host") or "",
        langfuse_public_key_param=f"{secrets}/langfuse-public-key",
        langfuse_secret_key_param=f"{secrets}/langfuse-secret-key",
    )
    return str(info["database_url"]), names, {"endpoint_url": info["aws_endpoint_url"], "region_name": info["region"]}


def stage_settings(stage: str, lambda_client: Any) -> StoreNames:
    """The stores' names as the stage's functions have them (template.yaml's environment)."""

    def env(function: str) -> dict[str, str]:
        config = lambda_client.get_function_configuration(FunctionName=f"receptionist-{stage}-{function}")
        return dict(config.get("Environment", {}).get("Variables", {}))

    processor, notifier = env("processor"), env("notifier")
    return StoreNames(
        conversations_table=processor["CONVERSATIONS_TABLE"],
        checkpoints_table=processor["CHECKPOINTS_TABLE"],
        idempotency_table=notifier["IDEMPOTENCY_TABLE"],
        media_bucket=processor["MEDIA_BUCKET"],
        customer_key_param=processor.get("LANGFUSE_USER_KEY_PARAM") or f"/receptionist/{stage}/trace-user-key",
        langfuse_host=processor.get("LANGFUSE_HOST", ""),
        langfuse_public_key_param=processor.get("LANGFUSE_PUBLIC_KEY_PARAM", ""),
        langfuse_secret_key_param=processor.get("LANGFUSE_SECRET_KEY_PARAM", ""),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.ops.forget",
        description="Block (LOPDGDD art. 32: hidden, kept for legal claims until a date) or erase one customer "
        "of one business, in every store.",
    )
    parser.add_argument("--app", required=True, help="the business's Gupshup app name, e.g. ClinicaSonrisa")
    parser.add_argument("--customer", required=True, help="the customer's WhatsApp number, international format")
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--reason", required=True, help="why (audited; must not name the customer)")
    parser.add_argument("--until", type=date.fromisoformat, help="block: kept until this date (YYYY-MM-DD)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="the running local stack (.local/stack.json)")
    where.add_argument("--stage", choices=("dev", "prod"), help="the deployed stage")
    parser.add_argument("--actor", help="who, in the audit log (default ops:<login name>)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.until is not None and args.mode != "block":
        parser.error("--until is for --mode block")
    aws: dict[str, Any] = {}
    if args.local:
        url, names, aws = stack_settings(Path(os.environ.get("LOCAL_STATE_DIR") or ".local"))
    else:
        url = os.environ.get("DATABASE_URL", "")
        if not url:
            parser.error("DATABASE_URL is not set (the tables' owner)")
        try:
            names = stage_settings(args.stage, boto3.client("lambda"))
        except (ClientError, KeyError) as exc:
            print(f"the stage's functions could not be read ({type(exc).__name__})", file=sys.stderr)
            return 1
    ssm = boto3.client("ssm", **aws)

    def secret(name: str) -> str:
        return str(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])

    db = Database(url, statement_timeout_ms=60_000, application_name="receptionist-ops-forget")
    try:
        organization = organization_of_app(db, args.app)
        if organization is None:
            print(f"no Gupshup app named {args.app!r}", file=sys.stderr)
            return 1
        service = build_forget(
            db, names, secret=secret, dynamodb=boto3.client("dynamodb", **aws), s3=boto3.client("s3", **aws)
        )
        caller = Caller(actor=ops_actor(args.actor))
        try:
            outcome = service.forget(caller, organization, args.customer, args.mode, args.reason, args.until)
        except ForgetRefused as refused:
            why = refused.detail if refused.code == "invalid" and refused.detail else _REFUSED[refused.code]
            print(f"refused: {why}; nothing removed", file=sys.stderr)
            return 1
        except Exception as exc:  # a store or the database failed: the request stays running
            fields = error_fields(exc)
            done = ", ".join(service.last_steps) or "none"
            print(
                f"stopped midway ({fields.get('error')}); stores emptied in this run: {done}. "
                "Run the same command again to finish the request.",
                file=sys.stderr,
            )
            return 3
    finally:
        db.close()
    _report(outcome)
    return 0


def _report(outcome: Outcome) -> None:
    verb = "blocked" if outcome.mode == "block" else "erased"
    resumed = " (an earlier run that stopped midway, finished)" if outcome.resumed else ""
    print(f"{verb}: request {outcome.request_id}, customer {outcome.customer_ref}{resumed}")
    if not outcome.items_removed and not any(r.kept for r in outcome.stores.values()):
        print("nothing of this customer was found (already erased, or never here)")
    elif outcome.until:
        print(f"kept for legal claims until {outcome.until.isoformat()} (owner-only vault: blocked_customers)")
    for name, report in outcome.stores.items():
        if report.off:
            print(f"  {name:<14} off (tracing is not on here)")
            continue
        kept = f", {report.kept} kept in the vault" if report.kept else ""
        again = " (earlier run)" if report.resumed else ""
        print(f"  {name:<14} {report.found} found, {report.removed} removed{kept}{again}")
    rows = ", ".join(f"{table} {n}" for table, n in sorted(outcome.rows.items()) if n)
    print(f"  {'crm':<14} {rows or 'nothing'}")
    if "langfuse" in outcome.stores and not outcome.stores["langfuse"].off:
        print("Langfuse deletes within ~15 minutes and lists new traces after a delay: run it again in 15 minutes.")


if __name__ == "__main__":
    sys.exit(main())
