"""The data map covers every table that can hold a customer's data: a table added later with a
contact, conversation, number or phone column (or a foreign key to the customer's rows) fails here
until receptionist/privacy/stores.py says how erasure treats it, or that it is not personal. And
docs/privacy.md's data map names every store and every table that holds a customer's rows."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from receptionist.privacy.stores import STORES, TABLES, customer_tables

ROOT = Path(__file__).resolve().parents[3]
# Column names that can hold a customer's data, or point at it.
PERSONAL = re.compile(
    r"(^|_)(contact_id|chat_identity_id|identity_id|customer|customer_number|customer_ref|phone|email|number|name)$"
)
CUSTOMER_ROWS = ("contacts", "chat_identities", "chat_messages", "appointments", "escalations", "appointment_reminders")


def uncovered(conn: psycopg.Connection) -> list[str]:
    """Public tables with a column that can hold a customer's data, or a foreign key to one of the
    customer's rows, that the data map does not classify."""
    columns = conn.execute(
        "select table_name, column_name from information_schema.columns c"
        " join pg_tables t on t.tablename = c.table_name and t.schemaname = 'public'"
        " where c.table_schema = 'public'"
    ).fetchall()
    referencing = conn.execute(
        "select c.conrelid::regclass::text from pg_constraint c"
        " where c.contype = 'f' and c.confrelid::regclass::text = any(%s)",
        (list(CUSTOMER_ROWS),),
    ).fetchall()
    suspicious = {t for t, column in columns if PERSONAL.search(column)} | {
        r[0].removeprefix("public.") for r in referencing
    }
    return sorted(suspicious - set(TABLES))


def test_every_table_that_can_hold_a_customer_s_data_is_in_the_data_map(seeded_url: str) -> None:
    with psycopg.connect(seeded_url) as conn:
        assert uncovered(conn) == []
        tables = {r[0] for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")}
    assert set(TABLES) <= tables, "the data map names a table that does not exist"


def test_a_new_table_with_a_customer_s_data_fails_until_it_is_covered(seeded_url: str) -> None:
    """A referral list, say, or an import added by a later migration."""
    with psycopg.connect(seeded_url) as conn:
        conn.execute(
            "create table public.referral_entries (id uuid primary key, organization_id uuid not null,"
            " contact_id uuid references public.contacts (id), service text, days text)"
        )
        conn.execute("create table public.import_batches (id uuid primary key, phone text)")
        assert uncovered(conn) == ["import_batches", "referral_entries"]
        conn.rollback()


def test_the_data_map_in_the_docs_names_every_store_and_customer_table() -> None:
    page = (ROOT / "docs" / "privacy.md").read_text()
    section = page.split("### Data map", 1)[1].split("\n### ", 1)[0]
    for store in STORES:
        assert f"`{store.name}`" in section, store.name
    for table in customer_tables():
        assert f"`{table}`" in section, table
