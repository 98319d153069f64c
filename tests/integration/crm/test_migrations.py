"""Migrations from an empty database, their bookkeeping, and the closed-by-default security
(RLS, API roles), on a fresh database of the test server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from devstack.migrate import MIGRATIONS, apply_migrations, apply_seed, migration_files

API_ROLES = ("anon", "authenticated")


def _tables_without_rls(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity"
        ).fetchall()
    return [r[0] for r in rows]


def test_migrations_apply_from_zero_once_and_in_order(fresh_database: str) -> None:
    versions = [v for v, _, _ in migration_files(MIGRATIONS)]
    assert versions == sorted(versions) and len(versions) >= 4
    assert apply_migrations(fresh_database) == versions
    assert apply_migrations(fresh_database) == []  # re-running applies nothing twice
    with psycopg.connect(fresh_database) as conn:
        recorded = conn.execute(
            "select version, name, statements[1] from supabase_migrations.schema_migrations order by version"
        ).fetchall()
    assert [r[0] for r in recorded] == versions
    by_version = {v: (n, p.read_text(encoding="utf-8")) for v, n, p in migration_files(MIGRATIONS)}
    for version, name, text in recorded:
        assert (name, text) == by_version[version]  # what `supabase db push` would record
    assert _tables_without_rls(fresh_database) == []
    # The seed loads on top, twice.
    assert apply_seed(fresh_database) and apply_seed(fresh_database)


def test_a_failing_migration_leaves_nothing_behind(fresh_database: str, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "20990101000000_ok.sql").write_text("create table public.ok_table (id int);")
    (folder / "20990101000100_broken.sql").write_text("create table public.half_done (id int); select 1/0;")
    with pytest.raises(psycopg.errors.DivisionByZero):
        apply_migrations(fresh_database, folder)
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("select to_regclass('public.half_done')").fetchone() == (None,)
        done = [r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations")]
    assert done == ["20990101000000"]


def test_rls_guard_refuses_a_public_table_without_row_level_security(fresh_database: str) -> None:
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        conn.execute("create table public.legacy_notes (id int)")
    with pytest.raises(psycopg.errors.RaiseException, match="legacy_notes"):
        apply_migrations(fresh_database)


@pytest.fixture
def api_roles(postgres_url: str) -> Iterator[None]:
    """Supabase's API roles, which plain PostgreSQL lacks (cluster-wide: dropped afterwards)."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for role in API_ROLES:
            if conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone() is None:
                conn.execute(f"create role {role} nologin".encode())
    try:
        yield
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for role in API_ROLES:
                conn.execute(f"drop role if exists {role}".encode())


def test_api_roles_can_neither_read_nor_write_even_when_granted(api_roles: None, fresh_database: str) -> None:
    # Supabase grants the API roles everything in public by default; simulate that before migrating.
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        for role in API_ROLES:
            conn.execute(f"alter default privileges in schema public grant all on tables to {role}".encode())
    apply_migrations(fresh_database)
    apply_seed(fresh_database)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select tablename from pg_tables where schemaname = 'public' order by tablename"
            ).fetchall()
        ]
        # The only policies are those of the functions' two roles: none for the API roles.
        roles = conn.execute(
            "select distinct unnest(roles) from pg_policies where schemaname = 'public' order by 1"
        ).fetchall()
        assert roles == [("receptionist_app",), ("receptionist_console",)]
        for role in API_ROLES:
            granted = conn.execute(
                "select count(*) from information_schema.role_table_grants"
                " where grantee = %s and table_schema = 'public'",
                (role,),
            ).fetchone()
            assert granted == (0,), f"{role} still has table privileges"
            conn.execute(f"set role {role}".encode())
            for table in tables:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql.SQL("select 1 from public.{} limit 1").format(sql.Identifier(table)))
            conn.execute("reset role")
        # Even if someone grants a table back, row level security (no policy) shows no row.
        conn.execute("grant select, insert on public.organizations, public.contacts to anon")
        conn.execute("set role anon")
        assert conn.execute("select count(*) from public.organizations").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # "new row violates row-level security"
            conn.execute("insert into public.organizations (name) values ('intruso')")
        conn.execute("reset role")
        seeded = conn.execute("select count(*) from public.organizations").fetchone()
        assert seeded is not None and seeded[0] >= 1  # the seed's
        conn.execute("revoke all on public.organizations, public.contacts from anon")
        # A table created by a later migration is not granted to the API roles either.
        conn.execute("create table public.later_table (id int)")
        later = conn.execute(
            "select count(*) from information_schema.role_table_grants where table_name = 'later_table'"
            " and grantee in ('anon', 'authenticated')"
        ).fetchone()
        assert later == (0,)
        conn.execute("drop table public.later_table")


SCOPE = "20261207070000"  # business_scope: agent_settings.emergency_number


def _execute_grantees(conn: psycopg.Connection[Any], signature: str) -> set[str]:
    """The roles granted EXECUTE on a function (its owner and PUBLIC aside)."""
    rows = conn.execute(
        "select a.grantee::regrole::text from pg_proc p cross join lateral aclexplode(p.proacl) a"
        " where p.oid = %s::regprocedure and a.privilege_type = 'EXECUTE' and a.grantee not in (0, p.proowner)",
        (signature,),
    ).fetchall()
    return {r[0] for r in rows}


def test_existing_businesses_get_their_time_zones_emergency_number(fresh_database: str, tmp_path: Path) -> None:
    """Businesses created before the migration: 112 in Europe (and Spain's Canary Islands), 106 in
    Lima, none where the zone does not say; the functions keep the roles they were granted to."""
    before = tmp_path / "before"
    before.mkdir()
    for version, name, path in migration_files(MIGRATIONS):
        if version < SCOPE:
            (before / f"{version}_{name}.sql").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    apply_migrations(fresh_database, before)
    zones = {"Europe/Madrid": "112", "Atlantic/Canary": "112", "America/Lima": "106", "America/Bogota": None}
    old_onboard = "public.onboard_business(text, text, text, text, text, text, text, text, text[], text, text)"
    with psycopg.connect(fresh_database) as conn:
        for zone in zones:
            org = conn.execute("insert into organizations (name) values (%s) returning id", (zone,)).fetchone()
            assert org is not None
            conn.execute("insert into agent_settings (organization_id, timezone) values (%s, %s)", (org[0], zone))
            conn.execute(
                "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
                " values (%s, %s, '34910000001', 'k')",
                (org[0], f"App{zone.replace('/', '')}"),
            )
        resolve_grantees = _execute_grantees(conn, "public.resolve_gupshup_app(text)")
        onboard_grantees = _execute_grantees(conn, old_onboard)
    assert resolve_grantees and onboard_grantees

    assert SCOPE in apply_migrations(fresh_database)
    with psycopg.connect(fresh_database) as conn:
        for zone, number in zones.items():
            found = conn.execute(
                "select emergency_number from public.resolve_gupshup_app(%s)", (f"App{zone.replace('/', '')}",)
            ).fetchone()
            assert found == (number,), zone
        assert _execute_grantees(conn, "public.resolve_gupshup_app(text)") == resolve_grantees
        # Its emergency number, then (20261208010000_staff_accounts.sql) the health marker.
        new_onboard = old_onboard.replace("text, text)", "text, text, text, boolean)")
        assert _execute_grantees(conn, new_onboard) == onboard_grantees
        assert conn.execute("select to_regprocedure(%s)", (old_onboard,)).fetchone() == (None,)
        for bad in ("llama", "1", "+34 112", "1234567890123456"):
            with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
                conn.execute("update agent_settings set emergency_number = %s", (bad,))
