"""What the settings tests share (test_settings_*.py): a business of each test's own, a signed-in
staff member, form posts with their CSRF token, and what the tables and the audit log hold."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from console_kit import CHANGES, Console, csrf
from fastapi.testclient import TestClient

STAGE_KEYS = "/receptionist/dev/gupshup/"
CLINIC_SERVICE = "00000000-0000-4000-8001-000000000001"
CLINIC_ENTRY = "00000000-0000-4000-8005-000000000001"
CLINIC_MEMBER = "00000000-0000-4000-8002-000000000001"
CLINIC_CONNECTION = "00000000-0000-4000-8000-000000000002"


def business(console: Console) -> str:
    """A new business of its own: organization, persona, a Gupshup app, notification settings."""
    org, app = str(uuid.uuid4()), f"Prueba{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        conn.execute("insert into agent_settings (organization_id, assistant_name) values (%s, 'Ana')", (org,))
        conn.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000099', %s)",
            (org, app, f"{STAGE_KEYS}{app}"),
        )
        conn.execute("insert into notification_settings (organization_id) values (%s)", (org,))
    return org


def staff_member(console: Console, organization: str) -> TestClient:
    """A signed-in account of `organization` with role 'staff' (not the owner)."""
    return console.signed_in(organization, "staff")


def post(client: TestClient, path: str, page: str, **fields: Any) -> Any:
    """A form post with the CSRF token of `page` (where the form is)."""
    return client.post(path, data={"csrf_token": csrf(client, page), **fields})


def row(console: Console, sql: str, *params: Any) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(sql, params).fetchone()


def rows(console: Console, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(sql, params).fetchall()


def audit(console: Console, organization: str) -> list[tuple[str, str, str | None]]:
    return [
        (str(a), str(b), c)
        for a, b, c in rows(
            console,
            f"select actor, action, target from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            organization,
        )
    ]


def persona(console: Console, organization: str) -> tuple[Any, ...] | None:
    return row(
        console,
        "select assistant_name, tone, instructions, language, timezone, booking_lead_minutes, booking_horizon_days,"
        " slot_step_minutes from agent_settings where organization_id = %s",
        organization,
    )


PERSONA = {
    "assistant_name": "Marta",
    "tone": "formal; trata de usted",
    "instructions": "Nunca des precios de implantes.",
    "language": "en",
    "timezone": "America/Lima",
    "booking_lead_minutes": "30",
    "booking_horizon_days": "90",
    "slot_step_minutes": "20",
}


def emergency_number(console: Console, organization: str) -> str | None:
    found = row(console, "select emergency_number from agent_settings where organization_id = %s", organization)
    assert found is not None
    return found[0]  # type: ignore[no-any-return]


def everything(console: Console, organization: str) -> list[Any]:
    return [
        rows(console, f"select * from {table} where organization_id = %s order by 1", organization)  # noqa: S608
        for table in (
            "agent_settings",
            "services",
            "knowledge_entries",
            "members",
            "member_services",
            "member_hours",
            "member_time_off",
            "notification_settings",
            "platform_connections",
        )
    ]
