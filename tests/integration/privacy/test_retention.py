"""A synthetic year of one business, retained on real parts: PostgreSQL (a database of its own, so a
run over every business meets only this one), the template's tables and bucket in moto, a local
Langfuse, the retention run as the RetentionFunction builds it, connected as `receptionist_retention`.

One run removes exactly what the business's windows make due, in every store, and nothing else; a
second run removes nothing; a run that dies midway (in a customer's removal, between a media copy's
deletion and the mark) is finished by the next; two runs at once remove each thing once; a backlog
larger than a run is finished over several. The first
test prints the figures docs/privacy.md reports."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from privacy_kit import Stores, make_stores
from psycopg.conninfo import make_conninfo
from retention_kit import DAY, Year, add_customer, add_items, db_now, new_business, synthetic_year

from devstack.fakes.langfuse import FakeLangfuse
from receptionist.config import RetentionSettings
from receptionist.crm.connection import Database
from receptionist.deadline import Deadline
from receptionist.privacy.stores import customer_tables
from receptionist.retention.rules import Windows
from receptionist.retention.service import MIN_SECONDS, RetentionReport, RetentionRun
from receptionist.retention.wiring import build

CUSTOMERS = 2000


@dataclass
class World:
    url: str  # the database's owner
    stores: Stores
    langfuse: FakeLangfuse
    year: Year

    @property
    def retention_url(self) -> str:
        return make_conninfo(self.url, user="receptionist_retention")

    def run(self, seconds: float = 600, **overrides: Any) -> RetentionReport:
        return self.service(**overrides).run(Deadline.after(seconds))

    def service(self, objects: Any = None, **overrides: Any) -> RetentionRun:
        settings = RetentionSettings.from_env(
            {
                "DATABASE_URL_PARAM": "/unused",
                "CONVERSATIONS_TABLE": self.stores.conversations,
                "CHECKPOINTS_TABLE": self.stores.checkpoints,
                "IDEMPOTENCY_TABLE": self.stores.idempotency,
                "MEDIA_BUCKET": self.stores.bucket,
                "CUSTOMER_KEY_PARAM": "/receptionist/dev/trace-user-key",
                "LANGFUSE_HOST": self.langfuse.url,
                "LANGFUSE_PUBLIC_KEY_PARAM": "/receptionist/dev/langfuse-public-key",
                "LANGFUSE_SECRET_KEY_PARAM": "/receptionist/dev/langfuse-secret-key",
            }
        )
        db = Database(self.retention_url, statement_timeout_ms=60_000, application_name="retention-test")
        run = build(
            settings, db=db, secret=self.stores.secrets(self.langfuse).__getitem__, dynamodb=self.stores.ddb,
            s3=self.stores.s3,
        ).service  # fmt: skip
        if objects is not None:
            run.objects = objects
        for name, value in overrides.items():
            setattr(run, name, value)
        return run


def _world(url: str, moto_endpoint: str, langfuse: FakeLangfuse, customers: int) -> World:
    stores = make_stores(moto_endpoint)
    with psycopg.connect(url, autocommit=True) as conn:
        year = synthetic_year(conn, stores, langfuse, customers)
    return World(url, stores, langfuse, year)


@pytest.fixture
def year_world(fresh_database: str, moto_endpoint: str, langfuse: FakeLangfuse) -> Iterator[World]:
    yield _world(fresh_database, moto_endpoint, langfuse, CUSTOMERS)


@pytest.fixture
def small_world(fresh_database: str, moto_endpoint: str, langfuse: FakeLangfuse) -> Iterator[World]:
    yield _world(fresh_database, moto_endpoint, langfuse, 400)


# -- what is where ------------------------------------------------------------------------------
PER_NUMBER = {
    "chat_identities": "select customer_number, count(*) from chat_identities group by 1",
    "contacts": "select phone, count(*) from contacts group by 1",
    "chat_messages": "select i.customer_number, count(*) from chat_messages m"
    " join chat_identities i on i.id = m.chat_identity_id group by 1",
    "consent_events": "select i.customer_number, count(*) from consent_events e"
    " join chat_identities i on i.id = e.chat_identity_id group by 1",
    "escalations": "select i.customer_number, count(*) from escalations e"
    " join chat_identities i on i.id = e.chat_identity_id group by 1",
    "thread_summaries": "select i.customer_number, count(*) from thread_summaries s"
    " join chat_identities i on i.id = s.chat_identity_id group by 1",
    "turn_usage": "select i.customer_number, count(*) from turn_usage u"
    " join chat_identities i on i.id = u.chat_identity_id group by 1",
    "appointments": "select c.phone, count(*) from appointments a join contacts c on c.id = a.contact_id group by 1",
}


def crm_by_number(url: str) -> dict[str, dict[str, int]]:
    """Per table, each customer number's rows (every row names its customer through these joins)."""
    with psycopg.connect(url) as conn:
        return {table: dict(conn.execute(sql.encode()).fetchall()) for table, sql in PER_NUMBER.items()}


def count(url: str, sql: str, *params: Any) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return int(row[0])


def table_rows(url: str) -> dict[str, int]:
    """Rows of every table that can hold a customer's data (the data map's)."""
    with psycopg.connect(url) as conn:
        return {
            table: int(conn.execute(f"select count(*) from {table}".encode()).fetchone()[0])  # type: ignore[index]  # noqa: S608
            for table in sorted(customer_tables())
        }


def aws_calls(endpoint: str) -> int:
    """Every AWS call the moto server has served (devstack/moto_server.py counts them per action)."""
    with urllib.request.urlopen(f"{endpoint}/_devstack/calls", timeout=5) as answer:
        return sum(int(v["calls"]) for v in json.loads(answer.read()).values())


def objects(stores: Stores) -> set[str]:
    found: set[str] = set()
    for page in stores.s3.get_paginator("list_objects_v2").paginate(Bucket=stores.bucket):
        found |= {o["Key"] for o in page.get("Contents", [])}
    return found


def items(stores: Stores) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for table, (pk, sk) in ((stores.conversations, ("pk", "sk")), (stores.checkpoints, ("PK", "SK"))):
        for page in stores.ddb.get_paginator("scan").paginate(TableName=table):
            found |= {(table, i[pk]["S"], i[sk]["S"]) for i in page["Items"]}
    return found


def traces_of(langfuse: FakeLangfuse, identities: set[str]) -> int:
    return sum(1 for t in langfuse.kept().values() if t["trace"].get("sessionId") in identities)


@dataclass
class Before:
    crm: dict[str, dict[str, int]]
    objects: set[str]
    items: set[tuple[str, str, str]]
    usage_rows: int
    vault_rows: int


def before(w: World) -> Before:
    return Before(
        crm_by_number(w.url),
        objects(w.stores),
        items(w.stores),
        count(w.url, "select count(*) from turn_usage"),
        count(w.url, "select count(*) from blocked_customers"),
    )


def assert_retained(w: World, was: Before) -> None:
    """Exactly what was due is gone, everywhere; everything else is as it was."""
    y = w.year
    due, kept = y.due, {p.number for p in y.kept}
    now = crm_by_number(w.url)
    for table, rows in now.items():
        assert not set(rows) & due, f"{table} still holds removed customers"
        # Every kept customer's rows as they were (their media copies may go: those are objects).
        assert {n: c for n, c in was.crm[table].items() if n in kept} == rows, table
    # Every removed customer's request done, as retention; the owner's own request left to them.
    with psycopg.connect(w.url) as conn:
        requests = conn.execute("select actor, status, count(*) from privacy_requests group by 1, 2").fetchall()
        erased = conn.execute(
            "select count(*) from audit_log where action = 'customer_erased' and actor = 'retention'"
        ).fetchone()
        destroyed = conn.execute(
            "select count(*) from audit_log where action = 'blocked_customer_destroyed'"
        ).fetchone()
        anonymous = conn.execute("select count(*) from appointments where contact_id is null").fetchone()
    assert sorted(requests) == sorted(
        [("retention", "done", len(due)), ("owner@clinica.example", "running", 1), ("ops:test", "done", 5)]
    )
    assert erased == (len(due),) and destroyed == (y.vault_rows["due"],)
    booked_due = sum(1 for p in y.people if p.number in due and p.contact)
    assert anonymous == (booked_due,)  # their appointments stay, anonymous: the business's counts
    # Usage: past the window gone; the removed customers' rows kept, unlinked.
    assert count(w.url, "select count(*) from turn_usage") == was.usage_rows - y.usage_due
    assert count(w.url, "select count(*) from turn_usage where chat_identity_id is null") == y.usage_kept + sum(
        was.crm["turn_usage"].get(n, 0) for n in due
    )
    assert count(w.url, "select count(*) from blocked_customers") == was.vault_rows - y.vault_rows["due"]
    # S3: media past its days, the removed customers' copies, the vault's at its date: gone; the rest kept.
    removed_media = {k for p in y.people if p.number in due for k in p.media}
    gone = set(y.media_due) | removed_media | set(y.vault_due)
    assert objects(w.stores) == was.objects - gone
    assert not set(y.media_kept) & gone and not set(y.vault_kept) & gone
    # DynamoDB: the removed customers' leftovers gone; the live conversations' kept.
    removed_items = {i for p in y.people if p.number in due for i in p.dynamo}
    assert removed_items and items(w.stores) == was.items - removed_items
    # Langfuse: the removed customers' traces gone, the others kept.
    assert traces_of(w.langfuse, {p.identity for p in y.people if p.number in due and p.identity}) == 0
    kept_traces = sum(p.traces for p in y.people if p.number in kept)
    assert kept_traces and traces_of(w.langfuse, {p.identity for p in y.kept if p.identity}) == kept_traces


def test_a_run_removes_exactly_what_a_year_made_due_everywhere_and_a_second_run_nothing(year_world: World) -> None:
    w, y = year_world, year_world.year
    was, tables = before(w), table_rows(w.url)
    run, calls, langfuse_calls = w.service(), aws_calls(w.stores.endpoint), len(w.langfuse.received())
    started = time.monotonic()
    report = run.run(Deadline.after(600))
    seconds = time.monotonic() - started
    calls = aws_calls(w.stores.endpoint) - calls
    langfuse_calls = len(w.langfuse.received()) - langfuse_calls
    assert_retained(w, was)
    assert (report.businesses, report.customers_removed, report.customers_busy, report.failed, report.backlog) == (
        1,
        len(y.due),
        1,
        0,
        0,
    )
    assert report.media_removed == len(y.media_due)
    assert (report.usage_removed, report.vault_removed) == (y.usage_due, y.vault_rows["due"])
    assert report.vault_media_removed == len(y.vault_due)
    removed_objects = len(was.objects) - len(objects(w.stores))
    removed_items = len(was.items) - len(items(w.stores))
    change = {t: m - n for (t, n), m in zip(tables.items(), table_rows(w.url).values(), strict=True) if n != m}
    deleted, added = {t: -d for t, d in change.items() if d < 0}, {t: d for t, d in change.items() if d > 0}
    removed = max(report.customers_removed, 1)
    trips = run.forget.ledger.db.round_trips  # type: ignore[attr-defined]
    print(
        f"\nretention of a synthetic year ({CUSTOMERS} customers over 14 months, 1 business): "
        f"{report.customers_removed} customers removed whole in {seconds:.1f} s "
        f"({seconds / removed * 1000:.0f} ms each, all passes included); "
        f"database round trips {trips} ({trips / removed:.1f} per customer), AWS calls {calls} "
        f"({calls / removed:.1f} per customer), Langfuse calls {langfuse_calls}; "
        f"CRM rows deleted per table: {deleted} (written: {added}); "
        f"anonymised: {report.rows['appointments']} appointments, "
        f"{report.rows['turn_usage']} usage rows unlinked; removed customers' items: "
        f"{dict(sorted(report.items.items()))}; media copies past 30 days: {report.media_removed}; "
        f"usage rows past 24 months: {report.usage_removed}; vault: {report.vault_removed} rows, "
        f"{report.vault_media_removed} objects; S3 objects removed: {removed_objects}, DynamoDB items: "
        f"{removed_items}; kept customers: {len(y.kept)}"
    )

    again = w.run()
    assert {k: v for k, v in again.counts().items() if v and k not in ("businesses", "customers_busy")} == {}
    assert_retained(w, was)


class Died(BaseException):
    """The process was killed here (nothing after it runs, nothing catches it)."""


class DyingAfter:
    """The bucket, killed right after its `n`th deletion."""

    def __init__(self, inner: Any, n: int) -> None:
        self.inner, self.n = inner, n

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def delete(self, keys: Any) -> int:
        removed = int(self.inner.delete(keys))
        self.n -= 1
        if self.n == 0:
            raise Died("killed after deleting")
        return removed


def test_a_run_killed_midway_is_finished_by_the_next(small_world: World) -> None:
    w = small_world
    was = before(w)
    # Killed right after a blocked customer's kept media went, before their vault row (the vault's window).
    first = w.service()
    first.objects = DyingAfter(first.objects, 1)
    with pytest.raises(Died):
        first.run(Deadline.after(600))
    # Killed right after a batch of media copies went, before the mark moved past them (three vault
    # rows are at their date: three deletions, then the media pass's first).
    second = w.service()
    second.objects = DyingAfter(second.objects, w.year.vault_rows["due"] + 1)
    with pytest.raises(Died):
        second.run(Deadline.after(600))
    # Killed in a customer's removal: right after their media folder's deletion, before the CRM's rows.
    third = w.service()
    third.forget.stores.media = DyingAfter(third.forget.stores.media, 2)
    with pytest.raises(Died):
        third.run(Deadline.after(600))
    assert count(w.url, "select count(*) from privacy_requests where status = 'running' and actor = 'retention'") == 1
    assert count(w.url, "select count(*) from blocked_customers") == was.vault_rows - w.year.vault_rows["due"]
    report = w.run()
    assert report.failed == 0 and report.backlog == 0
    assert_retained(w, was)


def test_two_runs_at_once_remove_each_thing_once(small_world: World) -> None:
    w = small_world
    was = before(w)
    reports: list[RetentionReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(w.run(customers_per_round=5))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == [] and len(reports) == 2
    assert_retained(w, was)
    assert sum(r.failed for r in reports) == 0
    assert sum(r.customers_removed for r in reports) == len(w.year.due)  # each once, whichever run did it


class Ticks:
    """A clock that moves one second each time it is read: a deadline of `n` seconds then allows a
    fixed amount of work, whatever the machine's speed (the real figures are the first test's)."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1
        return self.t


def test_a_backlog_larger_than_a_run_is_finished_over_several_runs(small_world: World) -> None:
    w = small_world
    was = before(w)
    runs: list[RetentionReport] = []
    while not runs or runs[-1].backlog:
        ticks = Ticks()
        runs.append(w.service(customers_per_round=5).run(Deadline(ticks() + MIN_SECONDS + 25, ticks)))
        assert runs[-1].customers_removed > 0 and runs[-1].failed == 0
        assert len(runs) < 50
    assert len(runs) >= 3 and all(r.backlog == 1 for r in runs[:-1])
    assert sum(r.customers_removed for r in runs) == len(w.year.due)  # each once, over the runs
    assert_retained(w, was)


def test_a_silent_customer_whose_message_waits_in_the_conversations_table_is_kept(
    fresh_database: str, moto_endpoint: str, langfuse: FakeLangfuse
) -> None:
    """They wrote a moment ago: the message is buffered (live in the conversations table), its turn
    has not recorded it in the CRM yet. Asked first, so nothing of theirs is touched and no request
    begun; the next run, once the turn recorded it, finds them active. (The guard inside the
    conversations store, for a message that arrives during the removal: tests/unit/retention.)"""
    stores = make_stores(moto_endpoint)
    with psycopg.connect(fresh_database, autocommit=True) as conn:
        org, app, _, _ = new_business(conn)
        now = db_now(conn)
        back = add_customer(conn, org, app, "34600123456", now, last_message_ago=400 * DAY)
        gone = add_customer(conn, org, app, "34600123457", now, last_message_ago=400 * DAY)
    add_items(stores, org, app, back, live=True)
    w = World(fresh_database, stores, langfuse, Year(org, app, now, Windows()))
    report = w.run()
    assert (report.customers_removed, report.customers_skipped, report.failed) == (1, 1, 0)
    assert set(items(stores)) == set(back.dynamo)  # their buffered message and memory untouched
    with psycopg.connect(fresh_database) as conn:
        numbers = {r[0] for r in conn.execute("select customer_number from chat_identities").fetchall()}
        requests = conn.execute("select status, actor from privacy_requests").fetchall()
    assert numbers == {back.number} and gone.number not in numbers
    assert requests == [("done", "retention")]  # the silent one's; none begun for the one who wrote
    with psycopg.connect(fresh_database, autocommit=True) as conn:  # the turn records the message
        conn.execute(
            "insert into chat_messages (organization_id, chat_identity_id, direction, processed_text)"
            " values (%s, %s, 'inbound', 'Hola, ¿tenéis hueco?')",
            (org, back.identity),
        )
    again = w.run()
    assert (again.customers_removed, again.customers_skipped) == (0, 0)
