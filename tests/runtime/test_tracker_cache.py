"""The SQL tracker store's kept rows (`bot.runtime.tracker_store`): every read returns the
tracker Rasa's own `SQLTrackerStore` returns for the same rows, whoever stored them,
while asking the database only for the rows stored since its last read; its save stores
Rasa's rows in one statement."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Iterator, List

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, SessionStarted

from bot.runtime import tracker_store as ts
from bot.runtime.tracker_store import UrlSQLTrackerStore
from tests.runtime.test_tracker_store import DOMAIN, _turn


@pytest.fixture()
def stores(db: str) -> Iterator[List[Any]]:
    """Ours (replica A), another of ours (replica B, its own kept rows) and Rasa's stock
    store, on one database."""
    ours, other = UrlSQLTrackerStore(domain=DOMAIN, url=db), UrlSQLTrackerStore(domain=DOMAIN,
                                                                                url=db)
    stock = SQLTrackerStore(domain=DOMAIN, host=db)
    yield [ours, other, stock]
    ours.SQLEvent.__table__.drop(ours.engine, checkfirst=True)  # not ours to leave behind
    for store in (ours, other, stock):
        store.engine.dispose()


def _statements(store: Any) -> List[str]:
    seen: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def _same(ours: Any, stock: Any, sender: str) -> List[dict]:
    """Our read equals Rasa's (events and slots); the events as dicts."""
    mine, theirs = asyncio.run(ours.retrieve(sender)), asyncio.run(stock.retrieve(sender))
    assert (mine is None) == (theirs is None)
    if mine is None:
        return []
    assert [e.as_dict() for e in mine.events] == [e.as_dict() for e in theirs.events]
    assert mine.current_slot_values() == theirs.current_slot_values()
    return [e.as_dict() for e in mine.events]


def _turn_by(store: Any, sender: str, text: str) -> None:
    """One turn as Rasa runs it: read (or start) the tracker, add the turn, save."""
    tracker = asyncio.run(store.retrieve(sender)) or store.init_tracker(sender)
    for event in _turn(text):
        tracker.update(event)
    asyncio.run(store.save(tracker))


def test_turns_on_two_replicas_read_what_rasa_reads(stores):
    ours, other, stock = stores
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    assert _same(ours, stock, sender) == []
    for i in range(6):  # alternating replicas: each must see the other's rows
        _turn_by(ours if i % 2 == 0 else other, sender, f"t{i}")
        assert len(_same(ours, stock, sender)) == 5 * (i + 1)
        assert _same(other, stock, sender) == _same(ours, stock, sender)


def test_a_read_of_a_kept_conversation_asks_only_for_new_rows(stores):
    ours, _, stock = stores
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    for i in range(4):
        _turn_by(ours, sender, f"t{i}")
    asyncio.run(ours.retrieve(sender))
    seen = _statements(ours)
    tracker = asyncio.run(ours.retrieve(sender))
    reads = [s for s in seen if "select" in s.lower()]
    assert len(reads) == 1 and "e.id > " in reads[0]  # not every row again
    assert len(tracker.events) == 20
    assert _same(ours, stock, sender)


def test_a_save_is_one_insert_of_rasas_rows(stores):
    ours, _, stock = stores
    mine, theirs = f"+1555{uuid.uuid4().hex[:8]}", f"+1555{uuid.uuid4().hex[:8]}"
    _turn_by(ours, mine, "x")
    _turn_by(stock, theirs, "x")
    tracker = asyncio.run(ours.retrieve(mine))
    for event in _turn("y"):
        tracker.update(event)
    seen = _statements(ours)
    asyncio.run(ours.save(tracker))
    assert sum(s.lower().lstrip().startswith("insert") for s in seen) == 1
    tracker = asyncio.run(stock.retrieve(theirs))
    for event in _turn("y"):
        tracker.update(event)
    asyncio.run(stock.save(tracker))
    columns = "type_name, intent_name, action_name"
    with ours.engine.connect() as conn:
        rows = {who: conn.exec_driver_sql(
            f"SELECT {columns}, data FROM events WHERE sender_id = '{who}' ORDER BY id").all()
            for who in (mine, theirs)}
    assert [r[:3] for r in rows[mine]] == [r[:3] for r in rows[theirs]]
    assert len(rows[mine]) == 10


def test_a_new_session_drops_the_rows_rasa_drops(stores):
    """Rasa reads from the latest `session_started` row's timestamp on: a user message
    stamped before the session start it caused is not read back, kept or not."""
    ours, other, stock = stores
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    _turn_by(ours, sender, "old")
    assert _same(ours, stock, sender)
    tracker = asyncio.run(other.retrieve(sender))
    early = _turn("new")
    time.sleep(0.01)
    for event in [early[0], ActionExecuted("action_session_start"), SessionStarted(),
                  ActionExecuted("action_listen"), *early[1:]]:
        tracker.update(event)
    asyncio.run(other.save(tracker))  # the other replica started the new session
    events = _same(ours, stock, sender)
    assert [e["event"] for e in events][:2] == ["session_started", "action"]
    assert "user" not in [e["event"] for e in events]
    _turn_by(ours, sender, "after")
    assert _same(ours, stock, sender)


@pytest.mark.parametrize("change", ["late row", "deleted row", "table emptied"])
def test_rows_not_as_kept_are_read_again(stores, change):
    """A row committed late under a lower id, a deleted row, a table emptied and refilled
    with the same number of rows: the kept rows are not used."""
    ours, other, stock = stores
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    for i in range(3):
        _turn_by(ours, sender, f"t{i}")
    assert _same(ours, stock, sender)
    with ours.engine.begin() as conn:
        ids = [r[0] for r in conn.exec_driver_sql(
            f"SELECT id FROM events WHERE sender_id = '{sender}' ORDER BY id")]
        if change == "late row":  # rows stored under ids +10, read, then +5 commits
            copy = ("INSERT INTO events (id, sender_id, type_name, \"timestamp\", data) "
                    "SELECT {new}, sender_id, type_name, \"timestamp\" + {dt}, data "
                    f"FROM events WHERE id = {ids[-1]}")
            conn.exec_driver_sql(copy.format(new=ids[-1] + 10, dt=2))
    if change == "late row":
        assert _same(ours, stock, sender)
        with ours.engine.begin() as conn:
            conn.exec_driver_sql(copy.format(new=ids[-1] + 5, dt=1))
    with ours.engine.begin() as conn:
        if change == "deleted row":
            conn.exec_driver_sql(f"DELETE FROM events WHERE id = {ids[3]}")
        elif change == "table emptied":
            conn.exec_driver_sql(f"DELETE FROM events WHERE sender_id = '{sender}'")
    if change == "table emptied":
        for i in range(3):  # the same number of rows again, new ids and timestamps
            _turn_by(other, sender, f"again{i}")
    events = _same(ours, stock, sender)
    if change == "late row":
        assert len(events) == 17
    if change == "table emptied":
        assert [e.get("text") for e in events if e["event"] == "user"] == [
            "again0", "again1", "again2"]


def test_the_kept_rows_are_bounded(stores, monkeypatch):
    ours, _, stock = stores
    monkeypatch.setattr(ts, "KEEP_CONVERSATIONS", 2)
    senders = [f"+1555{uuid.uuid4().hex[:8]}" for _ in range(4)]
    for sender in senders:
        _turn_by(ours, sender, "hi")
        asyncio.run(ours.retrieve(sender))
    assert list(ours._kept) == senders[-2:]
    assert ours._kept_chars == sum(k.chars for k in ours._kept.values())
    monkeypatch.setattr(ts, "KEEP_CHARS", 1)
    asyncio.run(ours.retrieve(senders[0]))
    assert not ours._kept and ours._kept_chars == 0
    for sender in senders:
        assert _same(ours, stock, sender)


def test_a_failed_read_keeps_nothing(stores):
    ours, _, _ = stores
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    _turn_by(ours, sender, "hi")
    asyncio.run(ours.retrieve(sender))
    assert sender in ours._kept
    original = ours.engine
    ours.engine = sa.create_engine("sqlite:////nonexistent/dir/x.db")
    try:
        with pytest.raises(sa.exc.DBAPIError):
            asyncio.run(ours.retrieve(sender))
    finally:
        ours.engine.dispose()
        ours.engine = original
    assert sender not in ours._kept
