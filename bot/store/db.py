"""The one session factory.

Every part of collectbot reaches the database through `session_scope()` so that the URL,
the SQLite pragmas and the transaction rules are decided in exactly one place.

SQLite is opened with WAL (readers do not block the writer), foreign keys on, a busy
timeout (a second process waits instead of failing) and `BEGIN IMMEDIATE` for every
transaction: the write lock is taken when the transaction starts, so a transaction that
reads and then writes (the evidence chain's tail, an upsert) can never be overtaken by
another process between its read and its write.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.future import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.config import get_settings

SQLITE_BUSY_TIMEOUT_MS = 30_000

_lock = threading.Lock()
_engine: Optional[Engine] = None
_factory: Optional[sessionmaker] = None


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
    return create_engine(url, future=True, pool_pre_ping=True)


def get_engine() -> Engine:
    """The process-wide engine, created on first use from `get_settings().database_url`."""
    global _engine, _factory
    with _lock:
        if _engine is None:
            _engine = create_store_engine(get_settings().database_url)
            _factory = sessionmaker(bind=_engine, future=True, expire_on_commit=False)
        return _engine


def get_session_factory() -> sessionmaker:
    """The one `sessionmaker` (2.0 style sessions bound to `get_engine()`)."""
    get_engine()
    assert _factory is not None
    return _factory


@contextmanager
def session_scope(*, durable: bool = True) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises.

    `durable=False` (PostgreSQL: `synchronous_commit = off` for this transaction) returns
    from COMMIT before the WAL reaches the disk (a flush costs 4-9 ms on this host). Only
    for work the message pipeline can redo from a durable row: if the *database server*
    crashes, the last fraction of a second of such commits is lost as a whole, in commit
    order (never a later one without the earlier ones), and any later durable commit on
    the server flushes them first. The inbox INSERT that Twilio's acknowledgement promises,
    and the outbox claim and result around each Twilio send, stay durable."""
    session = get_session_factory()()
    try:
        if not durable and session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def reset_engine() -> None:
    """Dispose of the engine so the next call reads the settings again (tests, `--db`)."""
    global _engine, _factory
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine, _factory = None, None


def dialect_name() -> str:
    return get_engine().dialect.name
