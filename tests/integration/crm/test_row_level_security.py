"""Row level security that applies: the functions' role reads and writes only the organization
its transaction set, whatever a query forgets to filter on."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from wire_kit import round_trip_proxy

from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.organizations import resolve_by_app

CLINIC = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def other_org(db: Database) -> str:
    """Another tenant with a contact and a chat identity of its own."""
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, 'Otra empresa')", (org,))
    db.execute("insert into agent_settings (organization_id) values (%s)", (org,))
    db.execute(
        "insert into contacts (organization_id, name, phone) values (%s, 'Cliente ajeno', %s)",
        (org, f"349{uuid.uuid4().int % 10**8:08d}"),
    )
    chats.touch_identity(db, org, f"349{uuid.uuid4().int % 10**8:08d}", "Ajeno", None)
    return org


def test_a_query_without_its_organization_filter_sees_only_its_own_tenant(
    app_db: Database, db: Database, other_org: str
) -> None:
    db.execute(  # a row of its own in the clinic, so "only its own" is not "nothing"
        "insert into contacts (organization_id, name, phone) values (%s, 'Cliente propio', %s)",
        (CLINIC, f"349{uuid.uuid4().int % 10**8:08d}"),
    )
    with app_db.acting_for(CLINIC):
        # Deliberately no `where organization_id = ...`: the policy is the filter.
        orgs = {r["organization_id"] for r in app_db.fetch_all("select organization_id::text from contacts")}
        names = {r["name"] for r in app_db.fetch_all("select name from organizations")}
        identities = app_db.fetch_all("select organization_id::text from chat_identities")
    assert orgs == {CLINIC}
    assert names == {"Clínica Dental Sonrisa"}
    assert {r["organization_id"] for r in identities} <= {CLINIC}
    owner_sees = db.fetch_one("select count(*) as n from contacts where organization_id = %s", (other_org,))
    assert owner_sees == {"n": 1}  # the row exists: RLS, not luck, hid it


def test_outside_acting_for_the_functions_role_sees_nothing(app_db: Database) -> None:
    assert app_db.fetch_all("select id from organizations") == []
    assert app_db.fetch_all("select id from contacts") == []
    assert app_db.execute("update contacts set name = 'x'") == 0


def test_writes_for_another_tenant_are_refused(app_db: Database, other_org: str) -> None:
    with app_db.acting_for(CLINIC):
        assert app_db.execute("update contacts set name = 'secuestrado' where organization_id = %s", (other_org,)) == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # new row violates row-level security
            app_db.execute(
                "insert into contacts (organization_id, name, phone) values (%s, 'Intruso', '34600000001')",
                (other_org,),
            )


def test_the_setting_ends_with_its_transaction(app_db: Database) -> None:
    """SET LOCAL: a pooler in transaction mode never hands the tenant to the next client."""
    with app_db.acting_for(CLINIC):
        assert app_db.fetch_one("select count(*) as n from organizations") == {"n": 1}
    raw: Any = app_db.conn  # the same connection, now outside any tenant transaction
    assert raw.execute("select current_setting('app.organization_id', true) as s").fetchone()["s"] in ("", None)


def test_the_gupshup_app_is_resolved_before_any_tenant_is_set(app_db: Database) -> None:
    org = resolve_by_app(app_db, "ClinicaSonrisa")
    assert org is not None and org.id == CLINIC and org.connection.business_number == "34910000001"
    assert resolve_by_app(app_db, "NoSuchApp") is None


def test_the_functions_role_owns_nothing_and_bypasses_nothing(db: Database) -> None:
    role = db.fetch_one("select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'receptionist_app'")
    assert role == {"rolsuper": False, "rolbypassrls": False, "rolcanlogin": True}
    owned = db.fetch_one(
        "select count(*) as n from pg_tables where schemaname = 'public' and tableowner = 'receptionist_app'"
    )
    assert owned == {"n": 0}
    unforced = db.fetch_all(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'public' and c.relkind = 'r' and not c.relforcerowsecurity"
    )
    assert unforced == []


def test_a_tenant_statement_is_one_round_trip_on_the_wire(app_url: str) -> None:
    """BEGIN, the setting, the statement and COMMIT go out together: one round trip, as
    Database.round_trips counts it (psycopg's transaction() would make it four)."""
    with round_trip_proxy(app_url) as wire:
        app_db = Database(wire.url)
        try:
            app_db.fetch_one("select 1 as one")  # connect
            before, counted = wire.round_trips, app_db.round_trips
            with app_db.acting_for(CLINIC):
                assert app_db.fetch_one("select count(*) as n from organizations") == {"n": 1}
                assert app_db.fetch_one("select count(*) as n from agent_settings") == {"n": 1}
            assert wire.round_trips - before == 2
            assert app_db.round_trips - counted == 2
        finally:
            app_db.close()


def test_a_failed_tenant_statement_leaves_the_connection_usable(app_db: Database) -> None:
    with app_db.acting_for(CLINIC):
        with pytest.raises(psycopg.errors.DivisionByZero):
            app_db.fetch_one("select 1 / 0 as x")
        assert app_db.fetch_one("select count(*) as n from organizations") == {"n": 1}
    raw: Any = app_db.conn
    assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert raw.execute("select current_setting('app.organization_id', true) as s").fetchone()["s"] in ("", None)
