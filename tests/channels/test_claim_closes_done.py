"""An inbox worker closes the row it answered with its next claim (one statement on
PostgreSQL): the next message of the conversation is taken at once, nothing is taken
twice, and a row whose lease another worker took is neither closed nor overtaken."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from bot.channels.inbox import InboxWorker, accept
from bot.store import queue
from bot.store.db import get_engine, session_scope, statement_scope
from bot.store.models import InboxMessage
from tests.channels.conftest import OUR_NUMBER, US_PHONE

LEASE = timedelta(seconds=60)
OTHER_PHONE = "+15551112222"


def _accept(sid: str, phone: str = US_PHONE, body: str = "hello") -> None:
    assert accept(sid=sid, channel="sms", from_number=phone, to_number=OUR_NUMBER, body=body)


def _row(sid: str) -> InboxMessage:
    with session_scope() as s:
        return s.execute(select(InboxMessage).where(InboxMessage.sid == sid)).scalars().one()


def _claim(worker: str, lease: timedelta = LEASE, done=()):
    with statement_scope() as conn:
        return queue.claim(conn, InboxMessage, worker, lease, done=done)


def test_a_claim_closes_the_rows_done_and_takes_the_conversations_next(db):
    _accept("SM-a1")
    _accept("SM-a2")
    first = _claim("w1")
    assert first.sid == "SM-a1"
    assert _claim("w2") is None  # the conversation's head is taken
    second = _claim("w1", done=(first.id,))
    assert second is not None and second.sid == "SM-a2"
    closed = _row("SM-a1")
    assert (closed.status, closed.lease_until, closed.last_error) == ("done", None, None)
    assert closed.done_at is not None
    assert (_row("SM-a2").status, _row("SM-a2").claimed_by) == ("claimed", "w1")


def test_a_row_another_worker_took_is_not_closed_and_still_holds_its_conversation(db):
    _accept("SM-b1")
    _accept("SM-b2")
    stale = _claim("w1", lease=timedelta(seconds=-1))  # w1's lease ran out mid-turn
    retaken = _claim("w2")
    assert (stale.sid, retaken.sid, retaken.attempts) == ("SM-b1", "SM-b1", 2)
    # w1 finishes late: its close must not count, and SM-b2 must wait for w2's turn
    assert _claim("w1", done=(stale.id,)) is None
    row = _row("SM-b1")
    assert (row.status, row.claimed_by) == ("claimed", "w2")
    assert _row("SM-b2").status == "pending"


def test_a_done_row_is_never_claimed_again_even_with_its_lease_run_out(db):
    _accept("SM-c1")
    _accept("SM-c2", phone=OTHER_PHONE)
    late = _claim("w1", lease=timedelta(seconds=-1))
    assert late.sid == "SM-c1"
    taken = _claim("w1", done=(late.id,))
    assert taken is not None and taken.sid == "SM-c2"
    row = _row("SM-c1")
    assert (row.status, row.attempts) == ("done", 1)


async def test_a_worker_closes_its_answered_row_with_its_next_claim_and_on_stop(db):
    seen = []

    async def handle(row):
        seen.append(row.body)

    worker = InboxWorker(handle, lambda row, error: None, tasks=1)
    _accept("SM-d1", body="one")
    _accept("SM-d2", body="two")
    claims = []

    def count(_conn, _cursor, sql, *_args):
        if "UPDATE inbox" in sql:
            claims.append(sql)

    event.listen(get_engine(), "before_cursor_execute", count)
    try:
        assert await worker.run_once()
        assert _row("SM-d1").status == "claimed"  # answered; closed by the next claim
        assert await worker.run_once()  # closes "one" and takes "two" of the same number
    finally:
        event.remove(get_engine(), "before_cursor_execute", count)
    assert seen == ["one", "two"]
    assert _row("SM-d1").status == "done" and _row("SM-d2").status == "claimed"
    if get_engine().dialect.name == "postgresql":
        assert len(claims) == 2  # one statement per claim, the close inside the second
    await worker.stop()  # what no claim closed is closed when the worker stops
    assert _row("SM-d2").status == "done"


async def test_a_failed_claim_keeps_the_rows_to_close_for_the_next(db, monkeypatch):
    async def handle(row):
        pass

    worker = InboxWorker(handle, lambda row, error: None, tasks=1)
    _accept("SM-e1")
    assert await worker.run_once()
    real = queue.claim

    def broken(*args, **kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(queue, "claim", broken)
    try:
        await worker.run_once()
    except RuntimeError:
        pass
    else:  # pragma: no cover - the claim must have failed
        raise AssertionError("the claim did not fail")
    monkeypatch.setattr(queue, "claim", real)
    assert _row("SM-e1").status == "claimed"
    assert not await worker.run_once()
    assert _row("SM-e1").status == "done"


async def test_answered_rows_are_closed_while_the_worker_is_blocked(db):
    async def handle(row):
        pass

    blocked = [None]

    async def ready():
        return blocked[0]

    worker = InboxWorker(handle, lambda row, error: None, tasks=1, ready=ready)
    _accept("SM-f1")
    assert await worker.run_once()
    assert _row("SM-f1").status == "claimed"
    blocked[0] = "redis down"  # no claim comes: the blocked check closes the row itself
    assert await worker.blocked_reason() == "redis down"
    assert _row("SM-f1").status == "done"
