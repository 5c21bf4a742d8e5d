"""The outbox sender claims, sends and records a text in one trip to a worker thread, and
wakes its next task as soon as the row is claimed (a slow Twilio send does not hold up
another conversation's); a failure to record the send is retried as before."""

from __future__ import annotations

import asyncio
import threading
import uuid

from bot.channels.outbox_sender import OutboxSender
from bot.store import queue
from bot.store.db import session_scope
from bot.store.models import OutboxMessage


class _Messages:
    def __init__(self) -> None:
        self.sent = []
        self.release = threading.Event()
        self.slow_to = None

    def create(self, **kwargs):
        if kwargs["to"] == self.slow_to:
            assert self.release.wait(10), "the slow send was never released"
        self.sent.append(kwargs["body"])
        return type("Message", (), {"sid": "SM" + uuid.uuid4().hex})()


class _Client:
    def __init__(self) -> None:
        self.messages = _Messages()


def _queue(to: str, body: str) -> int:
    with session_scope() as s:
        return queue.enqueue_outbound(s, conversation_id=to, channel="sms", to_number=to,
                                      from_number="+15005550006", body=body)


def _status(row_id: int) -> str:
    with session_scope() as s:
        return s.get(OutboxMessage, row_id).status


async def test_one_worker_thread_trip_per_text(db, monkeypatch):
    client = _Client()
    sender = OutboxSender(client, tasks=1)  # type: ignore[arg-type]
    row_id = _queue("+15551230101", "hello")
    loop = asyncio.get_running_loop()
    trips = []
    real = type(loop).run_in_executor

    def counted(self, executor, fn, *args):
        trips.append(getattr(fn, "__name__", repr(fn)))
        return real(self, executor, fn, *args)

    monkeypatch.setattr(type(loop), "run_in_executor", counted)
    try:
        assert await sender.run_once()
    finally:
        monkeypatch.undo()
        await sender.close()
    assert client.messages.sent == ["hello"] and _status(row_id) == "sent"
    assert trips == ["_claim_and_send"]


async def test_a_slow_send_does_not_hold_up_another_conversation(db):
    client = _Client()
    client.messages.slow_to = "+15551230102"
    sender = OutboxSender(client, tasks=2, poll=0.02)  # type: ignore[arg-type]
    slow = _queue("+15551230102", "slow")
    fast = _queue("+15551230103", "fast")
    sender.start()
    try:
        sender.wake()
        for _ in range(500):  # the other task sends "fast" while "slow" is still in flight
            if _status(fast) == "sent":
                break
            await asyncio.sleep(0.02)
        assert (_status(fast), _status(slow)) == ("sent", "claimed")
    finally:
        client.messages.release.set()
        await sender.drain()
        await sender.close()
    assert client.messages.sent == ["fast", "slow"]


async def test_a_failed_record_of_a_send_is_retried_like_any_failure(db, monkeypatch):
    client = _Client()
    sender = OutboxSender(client, tasks=1, retry_base=0.01)  # type: ignore[arg-type]
    row_id = _queue("+15551230104", "hello")

    def broken(row, sid):
        raise RuntimeError("database went away")

    monkeypatch.setattr(sender, "_record_sent", broken)
    try:
        assert await sender.run_once()
    finally:
        await sender.close()
    with session_scope() as s:
        row = s.get(OutboxMessage, row_id)
        assert (row.status, row.attempts) == ("pending", 1)
        assert "database went away" in row.last_error
    assert sender._outcomes == {}
