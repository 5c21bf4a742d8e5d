"""PostgreSQL: `enqueue_outbound`'s "queued already?" lookup (also the NOT EXISTS inside its
INSERT) reaches the outbox through an index. It looked rows up by inbox row and body only,
columns no index starts with, so every queued reply scanned the whole outbox: a cost that
grew with every message ever sent (0.5-0.9 ms at 6,000 rows in the throughput bench)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.store import queue
from bot.store.db import session_scope

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(store):
    if not store.startswith("postgresql"):
        pytest.skip("the plan is PostgreSQL's")
    return store


def _plan(sql: str) -> str:
    params = {"conversation_id": "sms:+12025550143", "inbox_id": 1, "body": "hello"}
    with session_scope() as s:
        s.execute(text("SET LOCAL enable_seqscan = off"))  # a usable index is then taken
        rows = s.execute(text(f"EXPLAIN {sql}"), params).scalars().all()
    return "\n".join(rows)


def test_the_queued_already_lookup_uses_an_index(pg) -> None:
    _, earlier = queue._enqueue_statements(True)
    plan = _plan(earlier.text)
    assert "Seq Scan" not in plan, plan
    assert "Index" in plan, plan


def test_the_insert_checks_for_an_earlier_row_through_an_index(pg) -> None:
    insert, _ = queue._enqueue_statements(True)
    sql = insert.text
    start = sql.index("NOT EXISTS (") + len("NOT EXISTS (")
    lookup = sql[start:sql.index(")", start)]
    plan = _plan(lookup)
    assert "Seq Scan" not in plan, plan


def test_a_reply_queued_again_for_the_same_inbox_row_is_not_queued_twice(store) -> None:
    with session_scope() as s:
        first = queue.enqueue_outbound(s, conversation_id="sms:+12025550143", channel="sms",
                                       to_number="+12025550143", from_number="+15005550006",
                                       body="hello", inbox_id=7)
    with session_scope() as s:
        again = queue.enqueue_outbound(s, conversation_id="sms:+12025550143", channel="sms",
                                       to_number="+12025550143", from_number="+15005550006",
                                       body="hello", inbox_id=7)
        other = queue.enqueue_outbound(s, conversation_id="sms:+12025550143", channel="sms",
                                       to_number="+12025550143", from_number="+15005550006",
                                       body="hello", inbox_id=8)
    assert again == first and other != first
