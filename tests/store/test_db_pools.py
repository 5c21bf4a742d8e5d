"""The session factory's two PostgreSQL pools and its idle-only ping (bot.store.db)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from bot.store import db as store_db
from bot.store.db import get_engine, session_scope
from tests.store.helpers import kill_pooled_connection


def _pg_only(db: str) -> None:
    if not db.startswith("postgresql"):
        pytest.skip("PostgreSQL's pools")


@pytest.mark.postgres
def test_redoable_transactions_spend_no_statement_on_the_setting_and_are_counted(db):
    """`durable=False` is a pool of its own (its connections set once), not a `SET LOCAL`
    per transaction; a listener on `get_engine()` still sees its statements."""
    _pg_only(db)
    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    with session_scope(durable=False) as s:  # the connection (and its setting) exists now
        s.execute(text("SELECT 1"))
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        with session_scope(durable=False) as s:
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "off"
        with session_scope() as s:
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert statements == ["SHOW synchronous_commit"] * 2


@pytest.mark.postgres
def test_a_connection_idle_past_the_limit_is_pinged_and_replaced(db, monkeypatch):
    _pg_only(db)
    monkeypatch.setattr(store_db, "PING_IDLE_SECONDS", 0.0)
    kill_pooled_connection()
    with session_scope() as s:  # the ping found it dead: a new connection, no error
        assert s.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.postgres
def test_a_busy_connection_is_not_pinged_and_the_pool_renews_after_one_failure(
        db, monkeypatch):
    """No ping round trip before each transaction: a connection used moments ago is
    trusted, so a server restart under it fails one statement; the pool then drops its
    connections and the next transaction works."""
    _pg_only(db)
    monkeypatch.setattr(store_db, "PING_IDLE_SECONDS", 3600.0)
    kill_pooled_connection()
    with pytest.raises(OperationalError):
        with session_scope() as s:
            s.execute(text("SELECT 1"))
    with session_scope() as s:
        assert s.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.postgres
def test_a_pinged_connection_is_handed_out_outside_any_transaction(db, monkeypatch):
    """The ping's SELECT must not leave a transaction open: a raw connection taken after an
    idle spell can be switched to autocommit (the acknowledgement batcher and the bench's
    turn watcher do that; psycopg2 refuses inside a transaction)."""
    _pg_only(db)
    monkeypatch.setattr(store_db, "PING_IDLE_SECONDS", 0.0)
    with session_scope() as s:  # a pooled connection exists and is checked in
        s.execute(text("SELECT 1"))
    conn = get_engine().raw_connection()  # pinged on checkout
    try:
        conn.dbapi_connection.autocommit = True
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    finally:
        conn.invalidate()
