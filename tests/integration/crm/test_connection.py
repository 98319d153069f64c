"""The Lambda's one connection: settings, reconnecting once when it was dropped, never retrying
a statement the server refused, the counters benchmarks read, and a caller's transaction that the
CRM's functions join."""

from __future__ import annotations

import select
import uuid

import psycopg
import pytest

from receptionist.crm import connection, inbox
from receptionist.crm.connection import Database


def _kill(url: str, db: Database) -> None:
    """What a pooler restart or an idle timeout does: the server ends our backend."""
    pid = db.conn.info.backend_pid
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(%s, 5000)", (pid,))


def test_settings_for_the_transaction_pooler(seeded_url: str) -> None:
    db = Database(seeded_url + "?application_name=probe&options=-c%20search_path%3Dpublic")
    conn = db.conn
    assert conn.autocommit and conn.prepare_threshold is None  # no prepared statements, no implicit BEGIN
    row = db.fetch_one(
        "select current_setting('statement_timeout') as timeout, current_setting('TimeZone') as tz,"
        " current_setting('search_path') as path, current_setting('application_name') as app"
    )
    assert row == {"timeout": "5s", "tz": "UTC", "path": "public", "app": "probe"}  # URL options kept
    for _ in range(10):  # prepare_threshold=None: repeating a query never prepares it
        db.fetch_one("select 1 as one")
    assert db.fetch_all("select name from pg_prepared_statements") == []
    db.close()


def test_a_connection_dropped_while_idle_is_replaced_before_use(seeded_url: str) -> None:
    db = Database(seeded_url)
    first_pid = db.conn.info.backend_pid
    _kill(seeded_url, db)
    select.select([db._conn.fileno()], [], [], 5)  # type: ignore[union-attr]  # the server's goodbye arrived
    row = db.fetch_one("select pg_backend_pid() as pid")
    assert row and row["pid"] != first_pid
    assert (db.connects, db.reconnects, db.statements) == (2, 1, 1)
    db.close()


def test_a_statement_on_a_dropped_connection_is_retried_once(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(seeded_url)
    db.fetch_one("select 1")
    _kill(seeded_url, db)
    # Pretend the local check could not see it (e.g. the FIN had not arrived yet).
    monkeypatch.setattr(connection, "_usable", lambda conn: True)
    row = db.fetch_one("select 2 as two")
    assert row == {"two": 2}
    assert (db.connects, db.reconnects, db.statements) == (2, 1, 3)  # 1 before, the failed try, the retry
    db.close()


def test_a_refused_statement_is_not_retried_and_the_connection_stays(seeded_url: str) -> None:
    db = Database(seeded_url, statement_timeout_ms=100)
    with pytest.raises(psycopg.errors.QueryCanceled):
        db.fetch_one("select pg_sleep(2)")
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute("insert into organizations (id, name) select id, name from organizations limit 1")
    assert db.fetch_one("select 1 as one") == {"one": 1}
    assert (db.connects, db.reconnects, db.statements) == (1, 0, 3)
    db.close()


def test_the_url_is_read_again_at_each_connect(seeded_url: str) -> None:
    reads: list[str] = []

    def url() -> str:  # e.g. SSM, where a rotated password appears
        reads.append("read")
        return seeded_url

    db = Database(url)
    db.fetch_one("select 1")
    _kill(seeded_url, db)
    db.fetch_one("select 1")
    assert len(reads) == 2
    db.close()


def test_counters_count_statements_transactions_and_round_trips(seeded_url: str) -> None:
    db = Database(seeded_url)
    start = db.stats()
    db.fetch_one("select 1")
    with db.transaction() as tx:
        tx.fetch_one("select 1")
        tx.execute("select 2")
    cost = db.stats() - start
    assert (cost.statements, cost.transactions, cost.round_trips) == (3, 1, 5)  # + BEGIN and COMMIT
    assert db.seconds > 0
    db.close()


def test_a_connection_lost_inside_a_transaction_raises_and_the_next_call_reconnects(seeded_url: str) -> None:
    db = Database(seeded_url)
    with pytest.raises(psycopg.OperationalError), db.transaction() as tx:
        tx.fetch_one("select 1")
        _kill(seeded_url, db)
        tx.fetch_one("select 2")
    assert db.fetch_one("select 3 as three") == {"three": 3}
    assert db.connects == 2
    db.close()


CLINIC = "00000000-0000-4000-8000-000000000001"


def _lines(url: str, actor: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("select action from audit_log where actor = %s order by id", (actor,)).fetchall()
    return [str(action) for (action,) in rows]


def test_the_crm_functions_statements_join_a_callers_transaction(seeded_url: str, console_url: str) -> None:
    """A caller's unit of work (the console's change and its audit line): the CRM's functions take
    the Database, and inside transaction() their statements are part of it, for the tenant it set
    once: all of them stored, or none."""
    db = Database(console_url)
    actor = f"probe-{uuid.uuid4().hex[:8]}@example.com"
    with db.acting_for(CLINIC):
        with pytest.raises(RuntimeError), db.transaction():
            inbox.record_audit(db, CLINIC, actor, "probe_first", None)
            inbox.record_audit(db, CLINIC, actor, "probe_second", None)
            raise RuntimeError("the caller stopped before it was done")
        assert _lines(seeded_url, actor) == []
        start = db.stats()
        with db.transaction():
            inbox.record_audit(db, CLINIC, actor, "probe_first", None)
            inbox.record_audit(db, CLINIC, actor, "probe_second", None)
        cost = db.stats() - start
    assert _lines(seeded_url, actor) == ["probe_first", "probe_second"]
    assert (cost.statements, cost.transactions, cost.round_trips) == (3, 1, 5)  # the tenant, two lines; BEGIN, COMMIT
    db.close()


def test_a_savepoint_keeps_a_transaction_going_after_a_refused_statement(seeded_url: str) -> None:
    db = Database(seeded_url)
    actor = f"probe-{uuid.uuid4().hex[:8]}"
    with db.transaction():
        with pytest.raises(psycopg.errors.DivisionByZero), db.savepoint():
            db.fetch_one("select 1 / 0")
        inbox.record_audit(db, None, actor, "probe_after_a_refusal", None)  # the transaction is still usable
    assert _lines(seeded_url, actor) == ["probe_after_a_refusal"]
    start = db.stats()
    with db.savepoint():  # outside a transaction: nothing more than the statement itself
        db.fetch_one("select 1")
    cost = db.stats() - start
    assert (cost.statements, cost.transactions, cost.round_trips) == (1, 0, 1)
    db.close()


def test_a_connection_lost_inside_a_transaction_is_never_replaced_halfway(seeded_url: str) -> None:
    """What the transaction did so far went with the connection: a statement after it must fail,
    never run on a new connection as if it were still inside."""
    db = Database(seeded_url)
    with pytest.raises(psycopg.OperationalError), db.transaction():
        db.fetch_one("select 1")
        _kill(seeded_url, db)
        select.select([db._conn.fileno()], [], [], 5)  # type: ignore[union-attr]  # the server's goodbye arrived
        db.fetch_one("select 2")
    assert db.connects == 1
    assert db.fetch_one("select 3 as three") == {"three": 3}  # the next call reconnects
    assert db.connects == 2
    db.close()
