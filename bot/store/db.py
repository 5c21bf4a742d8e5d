"""The one session factory.

Every part of collectbot reaches the database through `session_scope()` (or, for a
transaction of Core statements only, such as a queue claim, its session-less twin
`connection_scope()`) so that the URL, the SQLite pragmas and the transaction rules are
decided in exactly one place.

SQLite is opened with WAL (readers do not block the writer), foreign keys on, a busy
timeout (a second process waits instead of failing) and `BEGIN IMMEDIATE` for every
transaction: the write lock is taken when the transaction starts, so a transaction that
reads and then writes (the evidence chain's tail, an upsert) can never be overtaken by
another process between its read and its write.

On PostgreSQL four pools share the engine's events (a statement counter or a test hook on
`get_engine()` sees them all): the durable one, and one whose connections were set to
`synchronous_commit = off` once when they were opened, for the redoable transactions
(`session_scope(durable=False)`), so neither kind spends a statement per transaction on the
setting; and the autocommit twin of each, for transactions of one statement
(`statement_scope`: a queue claim, closing a row), which psycopg2 then sends without the
BEGIN and COMMIT round trips of its own. A pooled connection is pinged only when it has been idle a while
(`PING_IDLE_SECONDS`), not at every checkout: the hot path reuses a connection within
milliseconds, and a round trip per transaction was a measurable share of each message.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Optional

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.config import get_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: a pooled connection idle longer than this is pinged before use (a database restart
#: meanwhile would otherwise fail its first statement); a busier one is trusted: if the
#: server restarted under it, that statement fails, the pool drops all its connections,
#: and the caller's retry (Twilio's redelivery, the pipeline's backoff) gets a new one
PING_IDLE_SECONDS = 1.0

_lock = threading.Lock()
_engine: Optional[Engine] = None
_redoable: Optional[Engine] = None
#: PostgreSQL: the autocommit twins of `_engine` and `_redoable` (`statement_scope`)
_single: Optional[Engine] = None
_single_redoable: Optional[Engine] = None
_factory: Optional[sessionmaker] = None
_redoable_factory: Optional[sessionmaker] = None


def _prepare_sqlite(engine: Engine) -> None:
    """Pragmas on every new connection; our own BEGIN IMMEDIATE instead of pysqlite's."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # pragma: no cover - exercised via engine
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # pragma: no cover - exercised via engine
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_store_engine(url: str) -> Engine:
    """An engine for `url` with collectbot's rules (SQLite pragmas, pool settings)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        on_disk = bool(database) and database != ":memory:"
        if on_disk:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 gives file databases a NullPool: a new connection (and the pragmas
        # above) for every session, which was a measurable share of each webhook. A small
        # pool keeps connections; each is used by one thread at a time.
        pool = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10} if on_disk else {}
        engine = create_engine(
            url, future=True, **pool,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _prepare_sqlite(engine)
        return engine
    engine = create_engine(url, future=True, pool_use_lifo=True)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling, but only for connections idle `PING_IDLE_SECONDS`
    (LIFO pool: the busy ones stay hot, the idle tail gets the ping)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record) -> None:  # pragma: no cover - exercised via engine
        record.info["collectbot_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy) -> None:
        idle_since = record.info.get("collectbot_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            # psycopg2 opened a transaction for the ping: end it, or whoever checked the
            # connection out finds it "idle in transaction" (and cannot switch it to
            # autocommit, as the front's acknowledgement batcher does)
            if getattr(dbapi_conn, "autocommit", True) is False:
                dbapi_conn.rollback()
        except Exception as error:  # the pool opens a new connection and tries again
            raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


def _redoable_engine(engine: Engine) -> Engine:
    """`engine`, on a second pool whose connections commit without waiting for the WAL
    flush (see `session_scope(durable=False)`); `engine` itself on SQLite. The events of
    `engine` (statement hooks, the ping) apply to it too."""
    return _pool_engine(engine, durable=False, autocommit=False)


def _pool_engine(engine: Engine, *, durable: bool, autocommit: bool) -> Engine:
    """`engine` on a pool of its own whose connections were set up once when opened:
    `durable=False` commits without waiting for the WAL flush, `autocommit` runs each
    statement as its own transaction (`statement_scope`). `engine` itself on SQLite.

    An option engine: it shares `engine`'s dialect, compiled cache and events (a statement
    counter or a test hook on `get_engine()` sees its statements too)."""
    if engine.dialect.name != "postgresql" or (durable and not autocommit):
        return engine
    pool = engine.pool.recreate()

    @event.listens_for(pool, "connect")
    def _set_up(dbapi_conn, _record) -> None:  # pragma: no cover - via engine
        if not durable:
            cursor = dbapi_conn.cursor()
            cursor.execute("SET synchronous_commit TO OFF")
            cursor.close()
        dbapi_conn.commit()  # outside any transaction before switching to autocommit
        if autocommit:
            dbapi_conn.autocommit = True

    class _OwnPool(engine._option_cls):  # type: ignore[name-defined,misc]
        """An option engine with a pool of its own."""

        @property
        def pool(self):  # type: ignore[override]
            return pool

    return _OwnPool(engine, {})


def get_engine() -> Engine:
    """The process-wide engine, created on first use from `get_settings().database_url`."""
    global _engine, _redoable, _single, _single_redoable, _factory, _redoable_factory
    with _lock:
        if _engine is None:
            _engine = create_store_engine(get_settings().database_url)
            _redoable = _redoable_engine(_engine)
            _single = _pool_engine(_engine, durable=True, autocommit=True)
            _single_redoable = _pool_engine(_engine, durable=False, autocommit=True)
            _factory = sessionmaker(bind=_engine, future=True, expire_on_commit=False)
            _redoable_factory = sessionmaker(bind=_redoable, future=True,
                                             expire_on_commit=False)
        return _engine


def get_session_factory(*, durable: bool = True) -> sessionmaker:
    """The one `sessionmaker` (2.0 style sessions bound to `get_engine()`), or with
    `durable=False` its twin on the redoable pool (the same engine on SQLite)."""
    get_engine()
    factory = _factory if durable else _redoable_factory
    assert factory is not None
    return factory


@contextmanager
def session_scope(*, durable: bool = True) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises.

    `durable=False` (PostgreSQL: a connection of the pool set to `synchronous_commit =
    off`, so no statement is spent on it) returns
    from COMMIT before the WAL reaches the disk (a flush costs 4-9 ms on this host). Only
    for work the message pipeline can redo from a durable row: if the *database server*
    crashes, the last fraction of a second of such commits is lost as a whole, in commit
    order (never a later one without the earlier ones), and any later durable commit on
    the server flushes them first. The inbox INSERT that Twilio's acknowledgement promises,
    and the outbox claim and result around each Twilio send, stay durable."""
    session = get_session_factory(durable=durable)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def connection_scope(*, durable: bool = True) -> Iterator[Connection]:
    """`session_scope` without the ORM session: a Core connection in a transaction that
    commits when the block succeeds and rolls back when it raises, on the same pools and
    with the same rules (SQLite's BEGIN IMMEDIATE, `durable`).

    For transactions of Core statements only (the queue's claims, closing a row): the
    session's own bookkeeping (identity map, flush, the evidence hooks) was a measurable
    share of such a one-statement transaction. Nothing here may append evidence (that
    needs a session: `bot.store.evidence`)."""
    get_engine()
    engine = _engine if durable else _redoable
    assert engine is not None
    with engine.begin() as conn:
        yield conn


@contextmanager
def statement_scope(*, durable: bool = True) -> Iterator[Connection]:
    """A Core connection for ONE statement that is a transaction of its own (a queue
    claim, closing a row): on PostgreSQL a connection of a pool in autocommit mode, so the
    statement is sent alone, without the BEGIN and COMMIT round trips (psycopg2 sends BEGIN
    as a round trip of its own before a transaction's first statement), each of which cost
    client and server CPU; elsewhere `connection_scope`. A single statement is atomic by
    itself, so nothing changes for the caller: it commits when the statement returns.

    Never for two statements that must commit together: each would commit alone."""
    get_engine()
    if _engine is not None and _engine.dialect.name != "postgresql":
        with connection_scope(durable=durable) as conn:
            yield conn
        return
    engine = _single if durable else _single_redoable
    assert engine is not None
    with engine.connect() as conn:
        yield conn
        conn.commit()  # a no-op on the wire in autocommit mode; ends SQLAlchemy's own


def pools() -> List[Any]:
    """Every connection pool of the store (the durable and redoable session pools and their
    autocommit twins): for benchmarks and tests that hook each connection."""
    get_engine()
    found: List[Any] = []
    for engine in (_engine, _redoable, _single, _single_redoable):
        if engine is not None and engine.pool not in found:
            found.append(engine.pool)
    return found


def reset_engine() -> None:
    """Dispose of the engine so the next call reads the settings again (tests, `--db`)."""
    global _engine, _redoable, _single, _single_redoable, _factory, _redoable_factory
    with _lock:
        for twin in (_redoable, _single, _single_redoable):
            if twin is not None and twin is not _engine:
                twin.pool.dispose()
        if _engine is not None:
            _engine.dispose()
        _engine, _redoable, _factory, _redoable_factory = None, None, None, None
        _single, _single_redoable = None, None


def dialect_name() -> str:
    return get_engine().dialect.name
