"""stack.json: what `make local` tells the developer and other processes (`make chat`, ops, tests)
about the running stack, and its printed form."""

from __future__ import annotations

from typing import Any

from devstack.cloudformation import DeployedStack, TranslatedTemplate

_KINDS = {
    "AWS::SQS::Queue": "queues",
    "AWS::DynamoDB::Table": "tables",
    "AWS::S3::Bucket": "buckets",
    "AWS::SNS::Topic": "topics",
}


def resources_by_kind(stack: DeployedStack) -> dict[str, dict[str, str]]:
    """The deployed queues, tables, buckets and topics: logical id -> physical name (or URL)."""
    by_kind: dict[str, dict[str, str]] = {kind: {} for kind in _KINDS.values()}
    for lid, kind in stack.types.items():
        if kind in _KINDS:
            by_kind[_KINDS[kind]][lid] = stack.physical[lid]
    return by_kind


def webhook_path(template: TranslatedTemplate) -> str:
    routes = [r for r in template.routes if r.path == "/webhooks/gupshup"]
    return routes[0].path if routes else "/webhooks/gupshup"


def describe(info: dict[str, Any]) -> str:
    lines = ["Local stack is up.", ""]
    lines.append(f"  Webhook URL       {info['webhook_url']}?token=<WEBHOOK_SECRET>")
    lines.append(f"  AWS endpoint      {info['aws_endpoint_url']} (moto, region {info['region']})")
    lines.append(f"  Database          {info['database_url']} (owner)")
    lines.append(f"  Functions' role   {info['app_database_url']} (row level security)")
    lines.append(f"  Console's role    {info['console_database_url']} (row level security)")
    lines.append(f"  Retention's role  {info['retention_database_url']} (its retention functions only)")
    lines.append(f"  Debounce          {info['debounce_seconds']} s")
    for group in ("queues", "tables", "buckets"):
        for lid, name in sorted(info.get(group, {}).items()):
            lines.append(f"  {lid:<24} {name}")
    for app, seeded in sorted(info.get("apps", {}).items()):
        lines.append(f"  App {app:<14} number {seeded['business_number']}, organization {seeded['organization_id']}")
    if info.get("console_url"):
        lines.append(f"  Staff console     {info['console_url']}")
        for user in info.get("console_users", []):
            lines.append(f"    {user['app']:<16} {user['email']} / {user['password']}")
        lines.append("    (owners and the operator set up a TOTP app at their first sign-in; what Cognito would")
        mail = f"{info['aws_endpoint_url']}/_devstack/cognito/mail?email=<address>"
        lines.append(f"     e-mail an invited colleague: {mail})")
    lines.append(f"  Logs              {info['logs_dir']}")
    return "\n".join(lines)
