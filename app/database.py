"""Engine set-up: SQLite pragmas and write transactions that begin IMMEDIATE (SECURITY.md §4);
loading objects with plain statements where the ORM's loading costs more than the query."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy.orm import RelationshipProperty, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db

#: Set while work only reads (``reading()``), outside a request as well as inside.
_reading: ContextVar[bool] = ContextVar("ruwo_reading", default=False)
#: Set while work writes (``writing()``), in a request whose first transaction only reads.
_writing: ContextVar[bool] = ContextVar("ruwo_writing", default=False)
V = TypeVar("V", bound=Callable[..., Any])
M = TypeVar("M")
#: (attribute, label in a plain select) of a model's columns, the primary key first.
RowColumns = tuple[tuple[str, str], ...]
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
    if _writing.get():
        return "BEGIN IMMEDIATE"
    if _reading.get() or (has_request_context() and (request.method in SAFE_METHODS or _reads_first())):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def _reads_first() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "ruwo_reads_first", False)


def reads_first(view: V) -> V:
    """Mark a write view whose transactions begin deferred unless begun inside ``writing()``:
    it checks, ends that transaction, works a while, then writes in a second one (the photo
    upload). Its first transaction then never waits for, nor holds, SQLite's write lock."""
    view.ruwo_reads_first = True  # type: ignore[attr-defined]
    return view


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock up front (in a ``reads_first`` view)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


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


def row_columns(model: type, prefix: str = "") -> RowColumns:
    """The columns of ``model``'s table that load with it (not deferred, no query expressions),
    labelled ``prefix`` + column name, the primary key first: for ``labelled`` and ``adopt``."""
    mapper = sa.inspect(model)
    props = [prop for prop in mapper.column_attrs if not prop.deferred
             and isinstance(prop.columns[0], sa.Column) and prop.columns[0].table is mapper.local_table]
    props.sort(key=lambda prop: prop.columns[0] is not mapper.primary_key[0])
    return tuple((prop.key, prefix + prop.columns[0].name) for prop in props)


def labelled(model: type, columns: RowColumns, prefix: str = "") -> list[sa.Label[Any]]:
    """``columns`` of ``model``'s table (``row_columns`` with the same ``prefix``), to select."""
    table = sa.inspect(model).local_table
    return [table.c[label.removeprefix(prefix)].label(label) for _key, label in columns]


def adopt(model: type[M], row: sa.RowMapping, columns: RowColumns) -> M:
    """``row``'s ``columns`` as a loaded, unchanged instance of ``model`` in the session, as a
    query would give it: the instance already there, its expired attributes filled in from the
    row, or a new one (relationships load lazily, changes are flushed). An ORM query sets up a
    processor for every column and loader on each execution, row or not — 0.1–0.2 ms; this
    costs a few microseconds."""
    session = db.session()
    known = session.identity_map.get(session.identity_key(model, row[columns[0][1]]))
    if known is not None:
        expired = sa.inspect(known).expired_attributes
        for key, column in columns if expired else ():
            if key in expired:
                set_committed_value(known, key, row[column])
        return known  # type: ignore[no-any-return]
    instance = sa.inspect(model).class_manager.new_instance()
    # Straight into the instance's dict: loaded values, not changes (no attribute events).
    instance.__dict__.update({key: row[column] for key, column in columns})
    make_transient_to_detached(instance)
    session.add(instance)
    return instance  # type: ignore[no-any-return]


def load_collections(instance: object, *names: str) -> None:
    """Load these one-to-many collections of ``instance`` (those not loaded yet), each with a
    plain statement of its own, in the relationship's order.

    A lazy load carries the loader options of the query that loaded ``instance`` and keys them
    again on every load (~60 µs a collection after a query with four joined loads), and a
    selectin load costs more: four collections of a visit loaded this way cost 330 µs, lazily
    770 µs."""
    state = sa.inspect(instance)
    for name in names:
        if name not in state.dict:
            relationship = state.mapper.relationships[name]
            local = state.mapper.get_property_by_column(relationship.local_remote_pairs[0][0]).key
            children = db.session.scalars(_collection_statement(relationship), {"parent": getattr(instance, local)})
            set_committed_value(instance, name, list(children))


@functools.cache
def _collection_statement(relationship: RelationshipProperty[Any]) -> sa.Select[Any]:
    """The children of one parent (``:parent``), for a one-to-many on a one-column key."""
    [(_local, remote)] = relationship.local_remote_pairs
    if relationship.secondary is not None or not relationship.uselist:
        raise ValueError(f"{relationship} is not a one-to-many collection")
    return (sa.select(relationship.mapper).where(remote == sa.bindparam("parent"))
            .order_by(*(relationship.order_by or ())))


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
        # The pysqlite recipe's BEGIN, handed to the driver itself: through SQLAlchemy's statement
        # path (exec_driver_sql) it cost every transaction ~30 µs, 4 % of the cheapest request.
        conn.connection.dbapi_connection.execute(_begin_statement())  # type: ignore[union-attr]
