"""One Postgres connection per warm Lambda container, pooler-friendly.

- Supabase's pooler in transaction mode does not keep prepared statements: prepare_threshold=None.
- statement_timeout bounds every statement; connect_timeout bounds connecting.
- A dropped connection (OperationalError outside a transaction) is reconnected once.
- `round_trips` counts statements sent, so benchmarks can report round trips per operation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row

logger = logging.getLogger(__name__)

T = TypeVar("T")
Row = dict[str, Any]


class Database:
    def __init__(
        self, url: str | Callable[[], str], *, statement_timeout_ms: int = 5000, connect_timeout_s: int = 5
    ) -> None:
        self._url = url
        self._statement_timeout_ms = statement_timeout_ms
        self._connect_timeout_s = connect_timeout_s
        self._conn: psycopg.Connection[Row] | None = None
        self.round_trips = 0

    def _connect(self) -> psycopg.Connection[Row]:
        url = self._url() if callable(self._url) else self._url
        conn = psycopg.connect(
            url,
            autocommit=True,
            prepare_threshold=None,
            row_factory=dict_row,
            connect_timeout=self._connect_timeout_s,
            options=f"-c statement_timeout={self._statement_timeout_ms} -c TimeZone=UTC",
            application_name="whatsapp-receptionist",
        )
        return conn

    @property
    def conn(self) -> psycopg.Connection[Row]:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _retry_once(self, work: Callable[[psycopg.Connection[Row]], T]) -> T:
        try:
            return work(self.conn)
        except psycopg.OperationalError:
            # The pooler or the server dropped us between invocations: reconnect once.
            logger.warning("database connection lost; reconnecting once")
            self.close()
            return work(self.conn)

    def fetch_one(self, sql: str, params: Any = None) -> Row | None:
        def work(conn: psycopg.Connection[Row]) -> Row | None:
            self.round_trips += 1
            return conn.execute(sql.encode(), params).fetchone()

        return self._retry_once(work)

    def fetch_all(self, sql: str, params: Any = None) -> list[Row]:
        def work(conn: psycopg.Connection[Row]) -> list[Row]:
            self.round_trips += 1
            return conn.execute(sql.encode(), params).fetchall()

        return self._retry_once(work)

    def execute(self, sql: str, params: Any = None) -> int:
        def work(conn: psycopg.Connection[Row]) -> int:
            self.round_trips += 1
            return conn.execute(sql.encode(), params).rowcount

        return self._retry_once(work)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Statements inside run in one transaction (BEGIN/COMMIT count as round trips)."""
        conn = self.conn
        try:
            with conn.transaction():
                self.round_trips += 2
                yield Transaction(self, conn)
        except psycopg.OperationalError:
            self.close()
            raise


class Transaction:
    def __init__(self, db: Database, conn: psycopg.Connection[Row]) -> None:
        self._db = db
        self._conn = conn

    def fetch_one(self, sql: str, params: Any = None) -> Row | None:
        self._db.round_trips += 1
        return self._conn.execute(sql.encode(), params).fetchone()

    def fetch_all(self, sql: str, params: Any = None) -> list[Row]:
        self._db.round_trips += 1
        return self._conn.execute(sql.encode(), params).fetchall()

    def execute(self, sql: str, params: Any = None) -> int:
        self._db.round_trips += 1
        return self._conn.execute(sql.encode(), params).rowcount
