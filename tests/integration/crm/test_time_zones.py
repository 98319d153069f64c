"""agent_settings.timezone is an IANA zone name that PostgreSQL and Python's zoneinfo both read
(issue 24, point 2; migration 20261207010100_time_zone_names.sql). PostgreSQL used to take
'CEST' (an abbreviation: a fixed +02:00) written by SQL, which zoneinfo cannot load: every
reminder pass and turn of that business failed."""

from __future__ import annotations

import shutil
import uuid
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from devstack.migrate import MIGRATIONS, apply_migrations, migration_files
from receptionist.crm.connection import Database
from receptionist.crm.settings.zones import valid_timezone

REFUSED = ("CEST", "cest", "PST", "europe/madrid", "Europe/Madrid ", "posixrules", "localtime", "Factory", "UTC+3", "")
ACCEPTED = ("Europe/Madrid", "America/Lima", "Etc/GMT-2", "UTC", "America/Argentina/Buenos_Aires")
TIME_ZONE_MIGRATION = "20261207010100"


def _tzdata_zones() -> set[str]:
    """The zones of the tzdata package the functions ship (layers/deps-light)."""
    return set(resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def _from_the_tzdata_package(name: str) -> ZoneInfo:
    """Load a zone from the tzdata package only, whatever the machine's /usr/share/zoneinfo holds
    (what a function loads when the runtime's image lacks the name)."""
    folder = resources.files("tzdata.zoneinfo")
    for part in name.split("/"):
        folder = folder.joinpath(part)
    with folder.open("rb") as file:
        return ZoneInfo.from_file(file, key=name)


def _org(db: Database, timezone: str = "Europe/Madrid") -> str:
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Zona {org[:8]}"))
    db.execute("insert into agent_settings (organization_id, timezone) values (%s, %s)", (org, timezone))
    return org


@pytest.mark.parametrize("zone", REFUSED)
def test_sql_cannot_write_an_abbreviation_or_another_spelling(db: Database, console_url: str, zone: str) -> None:
    org = _org(db)
    with pytest.raises(psycopg.errors.CheckViolation, match="agent_settings_timezone_check"):
        db.execute("update agent_settings set timezone = %s where organization_id = %s", (zone, org))
    console = Database(console_url)  # the role the console's settings write as
    try:
        with console.acting_for(org), pytest.raises(psycopg.errors.CheckViolation):
            console.execute("update agent_settings set timezone = %s where organization_id = %s", (zone, org))
    finally:
        console.close()
    assert not valid_timezone(zone)  # nor the console's and onboarding's own check


@pytest.mark.parametrize("zone", ACCEPTED)
def test_iana_names_are_written(db: Database, zone: str) -> None:
    org = _org(db)
    db.execute("update agent_settings set timezone = %s where organization_id = %s", (zone, org))
    assert valid_timezone(zone)
    assert _from_the_tzdata_package(zone).key == zone


def test_every_zone_the_database_accepts_is_one_python_loads(db: Database) -> None:
    """What the check accepts: the pinned list (iana_time_zones()) that this PostgreSQL knows.
    Every one loads from the tzdata package alone and passes the Python check; the list is the
    package's zones but 'Factory' (a new tzdata release with new zones fails here: add them)."""
    pinned = set(db.fetch_one("select public.iana_time_zones() as names")["names"])  # type: ignore[index]
    known = {r["name"] for r in db.fetch_all("select name from pg_timezone_names")}
    assert pinned == _tzdata_zones() - {"Factory"}
    for name in pinned & known:
        assert _from_the_tzdata_package(name).key == name and valid_timezone(name)
    # The check's function is that: the list, and PostgreSQL knows the zone (a sample: each call
    # reads pg_timezone_names).
    sample = [*sorted(known)[::40], "CEST", "europe/madrid", "Factory", "posixrules"]
    rows = db.fetch_all("select n as name, public.is_valid_time_zone(n) as ok from unnest(%s::text[]) n", (sample,))
    assert {r["name"]: r["ok"] for r in rows} == {n: n in pinned and n in known for n in sample}


def test_the_migration_repairs_the_rows_its_check_refuses(fresh_database: str, tmp_path: Path) -> None:
    """Rows written before the check keep what PostgreSQL made of them: the IANA spelling of the
    same name, else the fixed offset PostgreSQL read in the abbreviation; valid ones are untouched
    (the seed's Europe/Madrid and America/Lima)."""
    before = tmp_path / "before"
    before.mkdir()
    for version, _, path in migration_files(MIGRATIONS):
        if version < TIME_ZONE_MIGRATION:
            shutil.copy(path, before / path.name)
    apply_migrations(fresh_database, before)
    zones = {
        "CEST": "Etc/GMT-2",  # PostgreSQL read it as UTC+2 all year
        "PST": "Etc/GMT+8",
        "europe/madrid": "Europe/Madrid",
        "Europe/Madrid": "Europe/Madrid",
        "America/Lima": "America/Lima",
    }
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        orgs = {}
        for zone in zones:
            org = conn.execute("insert into organizations (name) values (%s) returning id::text", (zone,)).fetchone()
            assert org
            conn.execute("insert into agent_settings (organization_id, timezone) values (%s, %s)", (org[0], zone))
            orgs[org[0]] = zone
        applied = apply_migrations(fresh_database)
        assert TIME_ZONE_MIGRATION in applied
        rows = conn.execute("select organization_id::text, timezone from agent_settings").fetchall()
    assert {orgs[org]: zone for org, zone in rows} == zones
    assert all(_from_the_tzdata_package(zone) for _, zone in rows)
