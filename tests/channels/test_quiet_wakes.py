"""A writer that wakes an idle runner of its own process sends no NOTIFY: every process's
listener would otherwise wake its runner for a claim that comes back empty (this process's
own included, which its direct wake already served). With no idle local runner the NOTIFY
still goes, so other processes take the row."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import event, func, select

from bot.channels import inbox
from bot.channels.twilio_sms import CompliantTwilioInput, CompliantTwilioOutput
from bot.store import raw
from bot.store.db import get_engine, session_scope
from bot.store.models import InboxMessage
from tests.channels.conftest import OUR_NUMBER, US_PHONE

pytestmark = pytest.mark.usefixtures("debtors")


def _statements():
    seen = []

    def record(_conn, _cursor, sql, *_args):
        seen.append(sql)

    event.listen(get_engine(), "before_cursor_execute", record)
    return seen, lambda: event.remove(get_engine(), "before_cursor_execute", record)


async def _until(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_reply_for_an_idle_local_sender_is_queued_without_notify(db, standin):
    channel = CompliantTwilioInput.from_credentials({})
    sender = channel.sender
    out = CompliantTwilioOutput(sender, OUR_NUMBER, kind="reply")
    seen, stop = _statements()
    try:
        assert await out.deliver(US_PHONE, "Before the sender runs.")  # nobody local idles
        sender.start()
        await _until(lambda: sender.idle_tasks() > 0)
        assert await out.deliver(US_PHONE, "While it idles.")
        await _until(lambda: len(standin.messages(US_PHONE)) == 2)
    finally:
        stop()
        await sender.close()
    assert [m.body for m in standin.messages(US_PHONE)][-1].startswith("While it idles.")
    queued = [sql for sql in seen if "INSERT INTO outbox" in sql]
    assert len(queued) == 2
    if db.startswith("postgresql"):
        assert "pg_notify" in queued[0] and "pg_notify" not in queued[1]
    assert sender.idle_tasks() == 0  # stopped: a writer must notify again


async def test_the_webhook_batch_notifies_only_when_local_workers_cannot_take_it(db,
                                                                                 monkeypatch):
    idle = [0]
    batcher = inbox.AcceptBatcher(local_idle=lambda: idle[0])
    sent = []
    query = inbox._pg_query

    async def spy(conn, sql, params):
        # a statement prepared on the connection runs as EXECUTE: named by its own SQL
        sent.append(raw.executed_as.get(sql, sql))
        return await query(conn, sql, params)

    monkeypatch.setattr(inbox, "_pg_query", spy)

    def message():
        return {"sid": "SM" + uuid.uuid4().hex, "channel": "sms", "from_number": US_PHONE,
                "to_number": OUR_NUMBER, "body": "hello"}

    try:
        assert await batcher._store([message()]) == [True]  # no idle local worker
        idle[0] = 1
        assert await batcher._store([message()]) == [True]  # one idle worker, one row
        assert await batcher._store([message(), message()]) == [True, True]  # two rows
    finally:
        await batcher.close()
    if db.startswith("postgresql"):
        assert ["pg_notify" in sql for sql in sent] == [True, False, True]
    else:  # SQLite: no notifications; the rows are stored all the same
        assert sent == []
    with session_scope() as s:
        assert s.execute(select(func.count()).select_from(InboxMessage)).scalar() == 4
