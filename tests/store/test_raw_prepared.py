"""PostgreSQL: the raw path's statements run prepared (bot.store.raw): planned once per
connection, the same rows as unprepared; an expanding IN as `= ANY`; a statement the
server cannot prepare runs as before, its transaction intact; a prepared statement
dropped behind the store's back is prepared again; listeners see the statement's own SQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, List

import pytest
from sqlalchemy import bindparam, column, event, select, table, text
from sqlalchemy.exc import DBAPIError

from bot.store import raw, repo
from bot.store.db import get_engine, session_scope
from tests.store.helpers import NOW

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(store):
    if not store.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's")
    return store


def _prepared_here(s: Any) -> List[str]:
    return list(s.execute(text("SELECT statement FROM pg_prepared_statements")).scalars())


def test_a_hot_statement_is_prepared_once_and_reads_the_same(pg):
    statement = repo._history_statement(True)  # an expanding IN and a typed datetime
    with session_scope() as s:
        repo.record_contact(s, account_id="A1", channel="sms", direction="inbound",
                            to="+15005550006", from_="+12025550143", status="received",
                            text="hi", provider_sid="SMp1", at=NOW, new=True)
    params = {"ids": ["A1", "Z1"], "since": NOW - timedelta(days=1)}
    with session_scope() as s:
        expected = s.execute(statement, params).all()
        seen: List[str] = []

        def before(_conn, _cursor, sql, *_args):
            seen.append(sql)

        event.listen(get_engine(), "before_cursor_execute", before)
        try:
            first = raw.execute(s, statement, params).all()
            again = raw.execute(s, statement, params).all()
        finally:
            event.remove(get_engine(), "before_cursor_execute", before)
        assert [tuple(r) for r in first] == [tuple(r) for r in again] == \
            [tuple(r) for r in expected]
        assert len(first) == 1 and first[0].at == NOW
        # listeners see the statement itself, never PREPARE / EXECUTE
        assert all(sql.lstrip().upper().startswith("SELECT") for sql in seen), seen
        mine = [sql for sql in _prepared_here(s) if "AS SELECT contact_attempts.at" in sql]
        assert len(mine) == 1 and "contact_attempts.account_id = ANY($1)" in mine[0]


def test_a_statement_the_server_cannot_prepare_runs_unprepared_in_its_transaction(pg):
    # a parameter whose type nothing tells the server: it refuses to prepare it
    odd = text("SELECT CAST(:v AS text) IS NULL AND :w IS NULL AS both_null")
    with session_scope() as s:
        repo.set_status(s, "A1", "dispute")  # the transaction has work of its own
        assert raw.execute(s, odd, {"v": None, "w": None}).scalar() is True
        assert raw.execute(s, odd, {"v": "x", "w": None}).scalar() is False
    with session_scope() as s:  # committed: the refusal did not abort the transaction
        account, _ = repo.gate_account(s, "A1")
        assert "dispute" in account.statuses
    assert raw._prepare(odd, get_engine().dialect).preparable is False


def test_a_prepared_statement_dropped_behind_the_stores_back_is_prepared_again(pg):
    statement = repo._gate_account_statement(True)
    with session_scope() as s:
        assert raw.execute(s, statement, {"account_id": "A1"}).first().account_id == "A1"
        s.execute(text("DEALLOCATE ALL"))
    with pytest.raises(DBAPIError):
        with session_scope() as s:  # the connection's record is stale once
            raw.execute(s, statement, {"account_id": "A1"})
    with session_scope() as s:
        assert raw.execute(s, statement, {"account_id": "A1"}).first().account_id == "A1"
        assert raw.execute(s, statement, {"account_id": "Z1"}).first().account_id == "Z1"


def test_a_listener_that_rewrites_the_statement_has_its_rewrite_run(pg):
    t = table("accounts", column("account_id"))
    statement = select(t.c.account_id).where(t.c.account_id == bindparam("a"))

    def rewrite(_conn, _cursor, sql, params, *_args):
        return sql.replace("accounts.account_id =", "accounts.account_id <>"), params

    event.listen(get_engine(), "before_cursor_execute", rewrite, retval=True)
    try:
        with session_scope() as s:
            assert raw.execute(s, statement, {"a": "A1"}).scalar() == "Z1"
    finally:
        event.remove(get_engine(), "before_cursor_execute", rewrite)
    with session_scope() as s:
        assert raw.execute(s, statement, {"a": "A1"}).scalar() == "A1"
