"""One Postgres connection per warm Lambda container, pooler-friendly.

- No pool: a Lambda container runs one invocation at a time, so it holds one connection,
  opened lazily and reused across warm invocations.
- Supabase's pooler in transaction mode keeps no prepared statements: prepare_threshold=None.
- Autocommit: every statement is its own transaction unless `transaction()` groups several.
  The CRM modules write with single statements (data-modifying CTEs), so they never pay for
  BEGIN/COMMIT round trips. Inside `transaction()`, the CRM functions' own statements (they take
  the Database) join it: a caller makes several of them one unit (the console writes a change
  and its audit line so); a `transaction()` inside another is a savepoint.
- statement_timeout (connection options) bounds every statement; connect_timeout bounds connecting.
- A dropped connection is replaced: before each use if the idle socket shows the server
  hung up (checked locally, no round trip), and once more if a statement fails because the
  connection broke. A statement that failed while the connection is still up (timeout, lock,
  constraint) is never retried.
- Counters (statements, transactions, round_trips, connects, reconnects) let benchmarks and
  tests report the cost of each operation.
- Tenancy: inside `acting_for(organization_id)` every statement runs in a transaction that first
  sets `app.organization_id` with `set_config(..., true)` (SET LOCAL: it ends with the
  transaction, so a pooler in transaction mode never hands it to another client). Row level
  security admits only that organization's rows for the functions' roles (migrations
  20261130000000_app_role_rls.sql, 20261207040000_database_roles.sql); outside it, they see
  nothing. BEGIN, the setting, the statement and COMMIT go out pipelined: still one network
  round trip.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

logger = logging.getLogger(__name__)

T = TypeVar("T")
Row = dict[str, Any]

_SET_TENANT = b"select set_config('app.organization_id', %s, true)"


@dataclass(frozen=True)
class DatabaseStats:
    """A snapshot of a Database's counters; subtract two to get one operation's cost."""

    statements: int
    transactions: int
    round_trips: int
    connects: int
    reconnects: int

    def __sub__(self, other: DatabaseStats) -> DatabaseStats:
        return DatabaseStats(
            self.statements - other.statements,
            self.transactions - other.transactions,
            self.round_trips - other.round_trips,
            self.connects - other.connects,
            self.reconnects - other.reconnects,
        )


class Database:
    """The container's connection. `url` may be a callable (e.g. reading SSM), called at each
    (re)connect so a rotated password is picked up."""

    def __init__(
        self,
        url: str | Callable[[], str],
        *,
        statement_timeout_ms: int = 5000,
        connect_timeout_s: int = 5,
        application_name: str = "whatsapp-receptionist",
    ) -> None:
        self._url = url
        self._statement_timeout_ms = statement_timeout_ms
        self._connect_timeout_s = connect_timeout_s
        self._application_name = application_name
        self._conn: psycopg.Connection[Row] | None = None
        self.statements = 0  # statements sent
        self.transactions = 0  # explicit transactions (each adds BEGIN and COMMIT/ROLLBACK)
        self.round_trips = 0  # statements + 2 per explicit transaction
        self.connects = 0
        self.reconnects = 0  # connections replaced because the previous one was lost
        self.seconds = 0.0  # time spent on database calls (the processor's latency split)
        self._organization_id: str | None = None
        self._open_transactions = 0  # transaction() blocks entered and not left (nested: savepoints)

    # -- tenancy -------------------------------------------------------------------------------
    @property
    def organization_id(self) -> str | None:
        """The organization statements run for (row level security), if one is set."""
        return self._organization_id

    @contextmanager
    def acting_for(self, organization_id: str) -> Iterator[None]:
        """Statements inside run for this organization only (nesting restores the outer one)."""
        previous, self._organization_id = self._organization_id, organization_id
        try:
            yield
        finally:
            self._organization_id = previous

    def _run(self, conn: psycopg.Connection[Row], sql: str, params: Any) -> psycopg.Cursor[Row]:
        """One statement, in a tenant transaction when an organization is set (inside
        `transaction()`, in that one: it set the tenant when it began)."""
        self._count()
        if self._organization_id is None or self._open_transactions:
            return conn.execute(sql.encode(), params)
        self.statements += 1  # the setting rides in the same round trip
        # BEGIN and COMMIT as plain statements: psycopg's transaction() waits for the server at
        # each step even in a pipeline (four round trips where this is one, measured through a
        # delaying proxy in tests/integration/crm/test_row_level_security.py).
        try:
            with conn.pipeline():
                conn.execute(b"begin")
                conn.execute(_SET_TENANT, (self._organization_id,))
                cursor = conn.execute(sql.encode(), params)
                conn.execute(b"commit")
        except psycopg.Error:
            # A failed statement leaves the explicit transaction aborted (COMMIT was skipped).
            if not conn.closed and conn.info.transaction_status == pq.TransactionStatus.INERROR:
                conn.execute(b"rollback")
            raise
        return cursor

    # -- connection lifecycle ------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Row]:
        url = self._url() if callable(self._url) else self._url
        params = conninfo_to_dict(url)
        # Our settings are appended to any options the URL carries (later -c wins).
        options = f"-c statement_timeout={self._statement_timeout_ms} -c TimeZone=UTC"
        params["options"] = f"{params['options']} {options}" if params.get("options") else options
        params.setdefault("connect_timeout", self._connect_timeout_s)
        params.setdefault("application_name", self._application_name)
        conn = psycopg.connect(
            make_conninfo("", **params), autocommit=True, prepare_threshold=None, row_factory=dict_row
        )
        self.connects += 1
        return conn

    @property
    def conn(self) -> psycopg.Connection[Row]:
        """A usable connection: the current one if it is still alive, else a new one."""
        conn = self._conn
        if self._open_transactions and (conn is None or conn.closed):
            # Never a new connection halfway through a transaction: what it did so far is gone.
            raise psycopg.OperationalError("the connection was lost inside a transaction")
        if conn is not None and not _usable(conn):
            logger.warning("database connection found closed; reconnecting")
            self._discard()
            self.reconnects += 1
            conn = None
        if conn is None:
            conn = self._conn = self._connect()
        return conn

    def close(self) -> None:
        self._discard()

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(psycopg.Error):  # closing a dead socket
                conn.close()

    def _retry_once(self, work: Callable[[psycopg.Connection[Row]], T]) -> T:
        started = time.perf_counter()
        try:
            return self._attempt(work)
        finally:
            self.seconds += time.perf_counter() - started

    def _attempt(self, work: Callable[[psycopg.Connection[Row]], T]) -> T:
        conn = self.conn
        try:
            return work(conn)
        except psycopg.OperationalError as exc:
            if not conn.closed or self._open_transactions:
                # The server answered (timeout, lock, deadlock...): not a lost connection; or the
                # connection was lost inside a transaction, whose earlier statements went with it.
                raise
            # The pooler or the server dropped us (between invocations, or a failover).
            logger.warning("database connection lost; reconnecting once", extra={"error": type(exc).__name__})
            self._discard()
            self.reconnects += 1
            return work(self.conn)

    # -- statements ----------------------------------------------------------------------------
    def _count(self) -> None:
        self.statements += 1
        self.round_trips += 1

    def fetch_one(self, sql: str, params: Any = None) -> Row | None:
        return self._retry_once(lambda conn: self._run(conn, sql, params).fetchone())

    def fetch_all(self, sql: str, params: Any = None) -> list[Row]:
        return self._retry_once(lambda conn: self._run(conn, sql, params).fetchall())

    def execute(self, sql: str, params: Any = None) -> int:
        return self._retry_once(lambda conn: self._run(conn, sql, params).rowcount)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Statements inside run in one transaction (BEGIN and COMMIT are two more round trips),
        those of the yielded Transaction and those sent through this Database alike; one inside
        another is a savepoint of it. Not retried: a connection lost mid-transaction raises, and
        the next call reconnects."""
        started = time.perf_counter()
        conn = self.conn
        self.transactions += 1
        self.round_trips += 2
        outermost = not self._open_transactions
        try:
            with conn.transaction():
                self._open_transactions += 1
                try:
                    if outermost and self._organization_id is not None:
                        self._count()
                        conn.execute(_SET_TENANT, (self._organization_id,))
                    yield Transaction(self, conn)
                finally:
                    self._open_transactions -= 1
        except psycopg.OperationalError:
            if conn.closed and outermost:
                self._discard()
            raise
        finally:
            self.seconds += time.perf_counter() - started

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside `transaction()`, a savepoint: a statement inside that fails leaves the
        transaction usable (a caller catching a refusal may go on, or retry). Outside one,
        nothing: the statement is its own transaction already, at no extra cost."""
        if not self._open_transactions:
            yield
            return
        with self.transaction():
            yield

    def stats(self) -> DatabaseStats:
        return DatabaseStats(self.statements, self.transactions, self.round_trips, self.connects, self.reconnects)


class Transaction:
    def __init__(self, db: Database, conn: psycopg.Connection[Row]) -> None:
        self._db = db
        self._conn = conn

    def fetch_one(self, sql: str, params: Any = None) -> Row | None:
        self._db._count()
        return self._conn.execute(sql.encode(), params).fetchone()

    def fetch_all(self, sql: str, params: Any = None) -> list[Row]:
        self._db._count()
        return self._conn.execute(sql.encode(), params).fetchall()

    def execute(self, sql: str, params: Any = None) -> int:
        self._db._count()
        return self._conn.execute(sql.encode(), params).rowcount


def _usable(conn: psycopg.Connection[Row]) -> bool:
    """Alive as far as we can tell without a round trip: not closed and, when idle, nothing to read.

    An idle connection has nothing to say; if its socket is readable the server has closed it
    (EOF, often after a FATAL "terminating connection") or sent something unexpected. Either
    way a fresh connection is the safe choice, and it costs no query.
    """
    if conn.closed:
        return False
    status = conn.info.transaction_status
    if status == pq.TransactionStatus.UNKNOWN:
        return False
    if status != pq.TransactionStatus.IDLE:
        return True  # inside our own transaction (or busy): not ours to judge or replace
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
