"""Migrations, RLS and the seed, checked on the database itself."""

from __future__ import annotations

import psycopg

from devstack.migrate import MIGRATIONS, apply_migrations, apply_seed, migration_files


def test_migrations_are_recorded_and_reapply_as_no_op(seeded_url: str) -> None:
    assert apply_migrations(seeded_url) == []
    with psycopg.connect(seeded_url) as conn:
        versions = [r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations order by 1")]
    assert versions == [v for v, _, _ in migration_files(MIGRATIONS)]


def test_rls_is_on_for_every_table_with_no_policy_for_api_roles(seeded_url: str) -> None:
    with psycopg.connect(seeded_url) as conn:
        tables = conn.execute(
            "select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'public' and c.relkind = 'r'"
        ).fetchall()
        policies = conn.execute(
            "select tablename, policyname, roles from pg_policies where schemaname = 'public'"
        ).fetchall()
    assert len(tables) >= 17
    assert [name for name, rls in tables if not rls] == []
    # One tenant policy per table, for the functions' two roles only: none for the API roles. The
    # audit log also takes operators' own lines (no business), from the console only.
    tenant = [(t, roles) for t, name, roles in policies if name == "tenant_isolation"]
    assert sorted(t for t, _ in tenant) == sorted(name for name, _ in tables)
    assert {tuple(sorted(roles)) for _, roles in tenant} == {("receptionist_app", "receptionist_console")}
    others = [(t, name, list(roles)) for t, name, roles in policies if name != "tenant_isolation"]
    assert others == [("audit_log", "operator_lines", ["receptionist_console"])]


def test_seed_loads_twice_without_change(seeded_url: str) -> None:
    def counts() -> tuple[int, ...]:
        with psycopg.connect(seeded_url) as conn:
            return tuple(
                conn.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]  # noqa: S608
                for t in ("organizations", "services", "members", "member_hours", "knowledge_entries")
            )

    before = counts()
    apply_seed(seeded_url)
    assert counts() == before


def test_overlapping_active_appointments_are_refused_by_the_database(seeded_url: str) -> None:
    org, svc, member = (
        "00000000-0000-4000-8000-000000000001",
        "00000000-0000-4000-8001-000000000001",
        "00000000-0000-4000-8002-000000000002",
    )
    with psycopg.connect(seeded_url) as conn:
        contact = conn.execute(
            "insert into contacts (organization_id, phone) values (%s, '34600999001')"
            " on conflict (organization_id, phone) do update set phone = excluded.phone returning id",
            (org,),
        ).fetchone()[0]  # type: ignore[index]
        insert = (
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)"
            " values (%s, %s, %s, %s, %s, %s, %s)"
        )
        conn.execute(insert, (org, contact, svc, member, "2031-01-06 10:00Z", "2031-01-06 10:30Z", "confirmed"))
        conn.commit()
        try:
            conn.execute(insert, (org, contact, svc, member, "2031-01-06 10:15Z", "2031-01-06 10:45Z", "pending"))
            raise AssertionError("overlap accepted")
        except psycopg.errors.ExclusionViolation:
            conn.rollback()
        # A cancelled appointment does not hold the slot.
        conn.execute(insert, (org, contact, svc, member, "2031-01-06 10:15Z", "2031-01-06 10:45Z", "cancelled"))
        conn.commit()


def test_rows_cannot_point_into_another_organization(seeded_url: str) -> None:
    with psycopg.connect(seeded_url) as conn:
        other = conn.execute("insert into organizations (name) values ('Otra') returning id").fetchone()[0]  # type: ignore[index]
        conn.commit()
        try:
            # The demo org's member in an appointment of another organization: the composite FK refuses.
            conn.execute(
                "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
                " values (%s, '00000000-0000-4000-8002-000000000001', 7, '09:00', '10:00')",  # a free Sunday
                (other,),
            )
            raise AssertionError("cross-tenant reference accepted")
        except psycopg.errors.ForeignKeyViolation:
            conn.rollback()
