"""Engine set-up: SQLite pragmas and write transactions that begin IMMEDIATE (SECURITY.md §4)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

import sqlalchemy as sa
from flask import has_request_context, request

#: Set while work only reads (``reading()``), outside a request as well as inside.
_reading: ContextVar[bool] = ContextVar("ruwo_reading", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout = 15000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = FULL",
)


def _begin_statement() -> str:
    """Requests that only read begin deferred; everything else takes the write lock up front.

    A deferred transaction that later writes fails with SQLITE_BUSY instead of waiting when
    another writer holds the lock; BEGIN IMMEDIATE waits (busy_timeout) from the start.
    """
    if _reading.get() or (has_request_context() and request.method in SAFE_METHODS):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside only read: on SQLite they begin deferred and never hold the
    write lock (a long export must not stop every writer). Writing inside is a mistake that
    SQLite reports as busy rather than waits for."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def configure_engine(engine: sa.Engine) -> None:
    """Install the SQLite connection and transaction hooks on ``engine`` (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event emit BEGIN itself (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql(_begin_statement())
