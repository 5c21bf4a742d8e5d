"""The SQL tracker store's save after its own read (`bot.runtime.tracker_store`): the same
rows as Rasa's, without Rasa's count query; Rasa's count wherever the read is not known."""

from __future__ import annotations

import asyncio
import uuid
from typing import Iterator, List

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.runtime.tracker_store import STORED_ROWS_ATTR, UrlSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  verified:
    type: bool
    mappings: [{type: custom}]
responses:
  utter_hi: [{text: hi}]
""")


@pytest.fixture()
def store(db: str) -> Iterator[UrlSQLTrackerStore]:
    store = UrlSQLTrackerStore(domain=DOMAIN, url=db)
    yield store
    # Rasa's `events` table is not ours: left in the shared test database it would be one
    # table too many for the schema tests (tests/store/test_export_and_schema.py)
    store.SQLEvent.__table__.drop(store.engine, checkfirst=True)
    store.engine.dispose()


@pytest.fixture()
def statements(store: UrlSQLTrackerStore) -> List[str]:
    """Every SQL statement the store runs from now on."""
    seen: List[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: seen.append(statement))
    return seen


def _turn(text: str) -> list:
    return [UserUttered(text, {"name": "greet", "confidence": 1.0}),
            ActionExecuted("utter_hi"), BotUttered(text="hi"),
            SlotSet("verified", True), ActionExecuted("action_listen")]


def _counts(statements: List[str]) -> int:
    return sum("count(" in s.lower() for s in statements)


def _stored(store: UrlSQLTrackerStore, sender: str) -> List[str]:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender) \
            .order_by(store.SQLEvent.id).all()
        return [row.type_name for row in rows]


def test_a_read_tracker_saves_its_new_events_without_counting(store, statements):
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    first = store.init_tracker(sender)
    first.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(first))  # not read by the store: Rasa's count decides
    assert _counts(statements) == 1

    tracker = asyncio.run(store.retrieve(sender))
    assert getattr(tracker, STORED_ROWS_ATTR) == 1
    for event in _turn("hello"):
        tracker.update(event)
    statements.clear()
    asyncio.run(store.save(tracker))
    assert _counts(statements) == 0
    assert _stored(store, sender) == ["action", "user", "action", "bot", "slot", "action"]
    again = asyncio.run(store.retrieve(sender))
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]
    assert again.get_slot("verified") is True


def test_a_second_save_of_the_same_tracker_counts_as_rasa_does(store, statements):
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    tracker = store.init_tracker(sender)
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve(sender))
    for event in _turn("one"):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert not hasattr(tracker, STORED_ROWS_ATTR)  # used up by the first save
    for event in _turn("two"):
        tracker.update(event)
    statements.clear()
    asyncio.run(store.save(tracker))
    assert _counts(statements) == 1
    assert _stored(store, sender) == ["action"] + ["user", "action", "bot", "slot",
                                                   "action"] * 2


def _new_session_in_a_turn(store, sender: str) -> List[str]:
    tracker = store.init_tracker(sender)
    for event in [ActionExecuted("action_session_start"), SessionStarted(),
                  ActionExecuted("action_listen"), *_turn("old")]:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve(sender))
    for event in [ActionExecuted("action_session_start"), SessionStarted(),
                  ActionExecuted("action_listen"), *_turn("new")]:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    return [e.type_name for e in asyncio.run(store.retrieve(sender)).events]


def test_rows_are_counted_from_the_latest_session_as_rasa_counts_them(db, store):
    """A new session within a turn: the read's count is of the session's rows as Rasa's
    query finds them (from the SessionStarted's timestamp on), so the same events are
    inserted as by Rasa's own store."""
    from rasa.core.tracker_store import SQLTrackerStore

    stock = SQLTrackerStore(domain=DOMAIN, host=db)
    try:
        ours, theirs = f"+1555{uuid.uuid4().hex[:8]}", f"+1555{uuid.uuid4().hex[:8]}"
        assert _new_session_in_a_turn(store, ours) == _new_session_in_a_turn(stock, theirs)
        assert _stored(store, ours) == _stored(store, theirs) == (
            ["action", "session_started", "action", "user", "action", "bot", "slot",
             "action"] * 2)
    finally:
        stock.engine.dispose()


def test_a_full_tracker_is_not_marked(store):
    """`retrieve_full_tracker` reads every session: its rows are not what a save counts."""
    sender = f"+1555{uuid.uuid4().hex[:8]}"
    tracker = store.init_tracker(sender)
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    assert not hasattr(asyncio.run(store.retrieve_full_tracker(sender)), STORED_ROWS_ATTR)
    assert asyncio.run(store.retrieve("+1555nobody")) is None
