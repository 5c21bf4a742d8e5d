"""The webhook's group commit (`bot.channels.inbox.AcceptBatcher`): webhooks that arrive
while a batch is being written share the next commit, each is answered only after the
commit that holds its row, a failed commit fails every webhook of its batch (Twilio
delivers them again), repeats are stored once (within a batch and across batches), and
rows keep their arrival order. On SQLite and PostgreSQL (the `db` fixture)."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from contextlib import contextmanager
from typing import Iterator, List

import pytest
from sqlalchemy import select

from bot.channels import inbox
from bot.store.db import session_scope
from bot.store.models import InboxMessage
from tests.channels.conftest import OUR_NUMBER, US_PHONE

OTHER_PHONE = "+13125550100"


def message(sid: str, phone: str = US_PHONE) -> dict:
    return {"sid": sid, "channel": "sms", "from_number": phone, "to_number": OUR_NUMBER,
            "body": f"body of {sid}"}


def stored_sids() -> List[str]:
    """The inbox's sids in id order (the order workers take them in)."""
    with session_scope() as s:
        return list(s.execute(select(InboxMessage.sid).order_by(InboxMessage.id)).scalars())


@contextmanager
def inbox_writes_blocked(url: str) -> Iterator[None]:
    """Another transaction holds what an inbox INSERT needs until the block ends: on
    PostgreSQL a lock on the table, on SQLite the database's write lock."""
    if url.startswith("postgresql"):
        import psycopg2
        from sqlalchemy.engine import make_url

        conn = psycopg2.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            with conn.cursor() as cursor:  # psycopg2 opened a transaction
                cursor.execute(f"LOCK TABLE {InboxMessage.__tablename__} "
                               "IN SHARE ROW EXCLUSIVE MODE")
            yield
        finally:
            conn.rollback()
            conn.close()
    else:
        conn = sqlite3.connect(url.split("sqlite:///", 1)[1], isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()


async def test_webhooks_wait_for_the_commit_and_those_arriving_meanwhile_share_the_next(db):
    batcher = inbox.AcceptBatcher()
    batches: List[List[str]] = []
    store = batcher._store

    async def recorded(messages):
        batches.append([m["sid"] for m in messages])
        return await store(messages)

    batcher._store = recorded  # type: ignore[method-assign]
    try:
        assert await batcher.accept(**message("SM-old"))  # warm: the connection exists
        with inbox_writes_blocked(db):
            first = asyncio.ensure_future(batcher.accept(**message("SM-1")))
            await asyncio.sleep(0.3)
            later = [asyncio.ensure_future(batcher.accept(**m)) for m in (
                message("SM-2"), message("SM-3", OTHER_PHONE), message("SM-2"),
                message("SM-old"), message("SM-4"))]
            await asyncio.sleep(0.5)
            # never acknowledged before the commit: nothing is answered while it waits
            assert not first.done() and not any(f.done() for f in later)
        assert await first
        assert await asyncio.gather(*later) == [True, True, False, False, True]
        assert batches == [["SM-old"], ["SM-1"], ["SM-2", "SM-3", "SM-2", "SM-old", "SM-4"]]
        assert stored_sids() == ["SM-old", "SM-1", "SM-2", "SM-3", "SM-4"]  # arrival order
        with session_scope() as s:
            row = s.execute(select(InboxMessage).where(InboxMessage.sid == "SM-3")).scalar_one()
            assert (row.conversation_id, row.status, row.attempts, row.body) == (
                OTHER_PHONE, "pending", 0, "body of SM-3")
    finally:
        await batcher.close()


async def test_a_failed_commit_fails_each_webhook_of_its_batch_and_the_next_batch_works(db):
    batcher = inbox.AcceptBatcher()
    store = batcher._store
    failing = [True]

    async def flaky(messages):
        if failing[0]:
            await asyncio.sleep(0.05)  # the rest of the burst arrives meanwhile
            raise RuntimeError("the commit failed")
        return await store(messages)

    batcher._store = flaky  # type: ignore[method-assign]
    try:
        results = await asyncio.gather(*(batcher.accept(**message(f"SM-{i}"))
                                         for i in range(4)), return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results)
        assert stored_sids() == []
        failing[0] = False  # Twilio delivers each again, one of them twice
        again = await asyncio.gather(*(batcher.accept(**message(f"SM-{i}"))
                                       for i in (0, 1, 2, 3, 1)))
        assert again == [True, True, True, True, False]
        assert stored_sids() == ["SM-0", "SM-1", "SM-2", "SM-3"]
    finally:
        await batcher.close()


async def test_the_postgresql_connection_is_durable_and_replaced_after_it_dies(db):
    if not db.startswith("postgresql"):
        pytest.skip("the batcher's own connection is PostgreSQL's")
    import psycopg2

    batcher = inbox.AcceptBatcher()

    class NoThreads:
        def submit(self, *_args, **_kwargs):
            raise AssertionError("a PostgreSQL batch went through a thread")

        def shutdown(self, wait: bool = True) -> None:
            pass

    # the event loop drives the statement itself: no thread hand-off (two wake-ups, each
    # a wait for a core and for the GIL) on the acknowledgement's critical path
    batcher._pool = NoThreads()  # type: ignore[assignment]
    try:
        assert await batcher.accept(**message("SM-a"))
        # the acknowledgement's commit waits for the disk (not the pipeline's relaxed pool)
        assert await inbox._pg_query(batcher._conn, "SHOW synchronous_commit", {}) == [("on",)]
        batcher._conn.close()  # died while idle (a database restart): replaced, no 500
        assert await batcher.accept(**message("SM-b"))
        conn = batcher._conn

        async def broken(*_):
            raise psycopg2.OperationalError("server closed the connection unexpectedly")

        batcher._insert = broken  # type: ignore[method-assign]
        with pytest.raises(psycopg2.OperationalError):
            await batcher.accept(**message("SM-c"))
        assert batcher._conn is None and conn.closed  # discarded, never reused
        del batcher._insert
        assert await batcher.accept(**message("SM-c"))
        assert stored_sids() == ["SM-a", "SM-b", "SM-c"]
    finally:
        await batcher.close()


@pytest.mark.usefixtures("debtors")
async def test_over_http_a_failed_batch_is_500_for_each_forged_is_403_and_retries_once(
        server):
    """The route's answers: a failed commit is a 500 (Twilio retries), a forged signature
    a 403 with nothing stored; the retries are stored once and answered once."""
    batcher = server.sms_channel._batcher
    store = batcher._store
    failing = [True]

    async def flaky(messages):
        if failing[0]:
            await asyncio.sleep(0.05)
            raise RuntimeError("the commit failed")
        return await store(messages)

    batcher._store = flaky
    forms = [{"From": US_PHONE, "To": OUR_NUMBER, "Body": f"msg {i}",
              "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32}
             for i in range(3)]
    path = "/webhooks/twilio/webhook"
    answers = await asyncio.gather(*(server.post(path, f) for f in forms))
    assert [status for status, _ in answers] == [500, 500, 500]
    assert stored_sids() == []
    failing[0] = False
    forged = dict(forms[0], MessageSid="SM-forged")
    answers = await asyncio.gather(*(server.post(path, f) for f in forms),
                                   server.post(path, forged, signature="bm90IGEgc2lnbmF0dXJl"),
                                   server.post(path, forms[1]))
    assert [status for status, _ in answers] == [200, 200, 200, 403, 200]
    assert all("<Response></Response>" in body for _, body in answers[:3])
    await server.sms_channel.drain()
    assert sorted(stored_sids()) == sorted(f["MessageSid"] for f in forms)
    assert sorted(m.text for m in server.assistant.received) == ["msg 0", "msg 1", "msg 2"]
