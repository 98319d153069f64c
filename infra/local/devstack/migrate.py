"""Apply the Supabase migrations (infra/supabase/migrations/*.sql) in order, once each.

Applied versions are recorded in `supabase_migrations.schema_migrations`, the table the
Supabase CLI itself keeps, so a database migrated here and `supabase db push` agree.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = ROOT / "infra" / "supabase" / "migrations"
SEED = ROOT / "infra" / "supabase" / "seed.sql"

_BOOKKEEPING = """
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (
    version text primary key,
    statements text[],
    name text
);
"""


def migration_files(directory: Path = MIGRATIONS) -> list[tuple[str, str, Path]]:
    """(version, name, path) sorted by version: files are named <timestamp>_<name>.sql."""
    out = []
    for path in sorted(directory.glob("*.sql")):
        version, _, name = path.stem.partition("_")
        if not version.isdigit():
            raise ValueError(f"migration file {path.name} must be named <timestamp>_<name>.sql")
        out.append((version, name, path))
    return out


def apply_migrations(database_url: str, directory: Path = MIGRATIONS) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the versions applied."""
    applied_now: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(_BOOKKEEPING)
        done = {row[0] for row in conn.execute("select version from supabase_migrations.schema_migrations")}
        for version, name, path in migration_files(directory):
            if version in done:
                continue
            sql = path.read_text(encoding="utf-8")
            with conn.transaction():
                conn.execute(sql.encode())
                conn.execute(
                    "insert into supabase_migrations.schema_migrations (version, statements, name) values (%s, %s, %s)",
                    (version, [sql], name),
                )
            applied_now.append(version)
    return applied_now


def apply_seed(database_url: str, seed: Path = SEED) -> bool:
    """Load seed.sql (written to be idempotent) if it exists."""
    if not seed.exists():
        return False
    with psycopg.connect(database_url, autocommit=True) as conn, conn.transaction():
        conn.execute(seed.read_text(encoding="utf-8").encode())
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--seed", action="store_true", help="also load infra/supabase/seed.sql")
    args = parser.parse_args()
    applied = apply_migrations(args.database_url)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or '-'}")
    if args.seed and apply_seed(args.database_url):
        print("seed loaded")


if __name__ == "__main__":
    main()
