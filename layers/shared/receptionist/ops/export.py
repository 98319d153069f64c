"""Export everything one business holds about one customer (GDPR Art. 15, access, and Art. 20,
portability), for ops; the business's owner has the same download on the console's conversation
page.

    python -m receptionist.ops.export --app ClinicaSonrisa --customer 34600111222 --local [--out file]
    python -m receptionist.ops.export --app ClinicaSonrisa --customer 34600111222 --stage prod [--out file]

One zip archive (receptionist/privacy/export.py: export.json, its JSON Schema, the media files;
docs/privacy.md, "Access and portability"). Where it reads from:

  --local    the running local stack (`make local`): its .local/stack.json (LOCAL_STATE_DIR, as the
             stack itself) names the console's database role, moto's endpoint and region, and the
             media bucket.
  otherwise  the stage's settings: the console's database role from the SecureString
             /receptionist/<stage>/console-database-url (DATABASE_URL instead, when set: any role
             that may read these tables, e.g. the tables' owner), the media bucket from the stack's
             output MediaBucketName (stack receptionist-<stage>, or --stack-name; MEDIA_BUCKET
             instead, when set). AWS settings from the environment, as for the AWS CLI.

The archive is written to --out (default datos-<day>-<conversation id>.zip here; readable by its
owner only) and appears there only once the business's audit log has its line
(`customer_exported`, actor ops:<name> or --actor, target the conversation, counts; never the
number). It prints the file and the counts, never the customer's data.
Exit status: 0 written, 1 unknown app or no data for that customer, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from receptionist.crm.connection import Database
from receptionist.crm.contacts import InvalidPhoneError, normalize_phone
from receptionist.crm.export import CrmCustomerData
from receptionist.crm.inbox import record_audit
from receptionist.ops.actor import ops_actor
from receptionist.privacy.export import AUDIT_ACTION, CustomerExporter, ExportPlan, MediaStore


@dataclass(frozen=True)
class Endpoints:
    """Where the export reads from."""

    database_url: str
    bucket: str
    aws_endpoint_url: str | None = None  # None: AWS's own (from the environment)
    region: str | None = None


def local_endpoints(state_dir: Path) -> Endpoints:
    """The running local stack's, from its stack.json."""
    path = state_dir / "stack.json"
    try:
        info = json.loads(path.read_text())
    except FileNotFoundError:
        raise LookupError(f"{path} not found: is the local stack running (make local)?") from None
    return Endpoints(
        database_url=str(info["console_database_url"]),
        bucket=str(info["buckets"]["MediaBucket"]),
        aws_endpoint_url=str(info["aws_endpoint_url"]),
        region=str(info["region"]),
    )


def stage_endpoints(stage: str, stack_name: str | None, environ: Mapping[str, str], aws: Any) -> Endpoints:
    """The stage's: its console database URL in SSM and its stack's media bucket (`aws`: boto3 or
    a session)."""
    url = (
        environ.get("DATABASE_URL")
        or aws.client("ssm").get_parameter(Name=f"/receptionist/{stage}/console-database-url", WithDecryption=True)[
            "Parameter"
        ]["Value"]
    )
    bucket = environ.get("MEDIA_BUCKET") or _stack_output(aws, stack_name or f"receptionist-{stage}", "MediaBucketName")
    return Endpoints(database_url=str(url), bucket=bucket)


def _stack_output(aws: Any, stack: str, name: str) -> str:
    (described,) = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    for output in described.get("Outputs", []):
        if output["OutputKey"] == name:
            return str(output["OutputValue"])
    raise LookupError(f"the stack {stack} has no output {name}")


@dataclass(frozen=True)
class Exported:
    result: Literal["written", "unknown_app", "unknown_customer"]
    path: Path | None = None
    plan: ExportPlan | None = None


def export_customer(
    db: Database,
    media: MediaStore,
    app: str,
    number: str,
    *,
    out: Path | None,
    actor: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Exported:
    """Write the customer's archive to `out` (or the default name), audited first."""
    crm = CrmCustomerData(db)
    organization = crm.organization_of_app(app)
    if organization is None:
        return Exported("unknown_app")
    exporter = CustomerExporter(crm, media, now)
    plan = exporter.plan(organization, number)
    if plan is None:
        return Exported("unknown_customer")
    target = out or Path(f"datos-{plan.exported_at:%Y%m%d}-{plan.records.subject[:8]}.zip")
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        # Health data on an ops machine: the owner's eyes only.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
            exporter.write(plan, file)
        with db.acting_for(organization):
            record_audit(db, organization, actor, AUDIT_ACTION, plan.records.subject, plan.audit_details("ops.export"))
        partial.replace(target)  # only an audited export appears
    finally:
        partial.unlink(missing_ok=True)
    return Exported("written", target, plan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.ops.export",
        description="Export one customer's data at one business (GDPR Art. 15 and 20) as a zip archive.",
    )
    parser.add_argument("--app", required=True, help="the business's Gupshup app name, e.g. ClinicaSonrisa")
    parser.add_argument("--customer", required=True, help="the customer's WhatsApp number")
    parser.add_argument("--out", type=Path, help="the archive's path (default datos-<day>-<conversation>.zip)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--local", action="store_true", help="the running local stack (.local/stack.json)")
    where.add_argument("--stage", default="dev", help="the deployment stage whose settings to use (default dev)")
    parser.add_argument("--stack-name", help="the stage's CloudFormation stack (default receptionist-<stage>)")
    parser.add_argument("--actor", help="who exports, in the audit log (default ops:<login name>)")
    args = parser.parse_args(argv)
    try:
        number = normalize_phone(args.customer)
    except InvalidPhoneError:
        parser.error("--customer must be a phone number in international format (6 to 15 digits)")
    if args.out is not None and not args.out.parent.is_dir():
        parser.error(f"--out: no directory {args.out.parent}")

    import boto3  # here: the module's functions take their clients

    from receptionist.adapters.export_media import MediaCopies

    try:
        if args.local:
            endpoints = local_endpoints(Path(os.environ.get("LOCAL_STATE_DIR", ".local")))
        else:
            endpoints = stage_endpoints(args.stage, args.stack_name, os.environ, boto3)
    except LookupError as exc:
        parser.error(str(exc))
    s3 = boto3.client("s3", endpoint_url=endpoints.aws_endpoint_url, region_name=endpoints.region)
    db = Database(endpoints.database_url, statement_timeout_ms=30_000, application_name="receptionist-ops-export")
    try:
        media = MediaCopies(endpoints.bucket, s3)
        done = export_customer(db, media, args.app, number, out=args.out, actor=ops_actor(args.actor))
    finally:
        db.close()
    if done.result == "unknown_app":
        print(f"no business uses the Gupshup app {args.app!r}", file=sys.stderr)
        return 1
    if done.result == "unknown_customer":
        print(f"{args.app} holds nothing about that customer", file=sys.stderr)
        return 1
    assert done.path is not None and done.plan is not None
    counts = done.plan.audit_details("ops.export")
    print(
        f"wrote {done.path} ({done.path.stat().st_size} bytes): {counts['messages']} messages,"
        f" {counts['appointments']} appointments, {counts['escalations']} escalations, {counts['media']} media files;"
        f" audit line {AUDIT_ACTION}, target {done.plan.records.subject}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
