"""The durable pipeline under faults: the webhook only stores, workers answer in order,
failures are retried and then handed to a person, nothing is answered twice or lost."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import pytest
from aiohttp import web
from sqlalchemy import select

from bot import clock
from bot.channels.inbox import InboxWorker
from bot.config import reset_settings
from bot.runtime.action_server import free_port
from bot.store import queue
from bot.store.db import session_scope
from bot.store.models import Handoff, InboxMessage
from tests.channels.conftest import OUR_NUMBER, US_PHONE

pytestmark = pytest.mark.usefixtures("debtors")


def form(phone=US_PHONE, body="hello", sid=None):
    return {"From": phone, "To": OUR_NUMBER, "Body": body,
            "MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32}


def inbox_rows():
    with session_scope() as s:
        return list(s.execute(select(InboxMessage).order_by(InboxMessage.id)).scalars())


async def test_the_webhook_stores_and_acknowledges_before_the_turn_runs(server):
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_assistant(message):
        started.set()
        await release.wait()
        await message.output_channel.send_response(message.sender_id, {"text": "done"})

    server.sms_channel.worker.handle = lambda row: server.sms_channel.process_inbound(
        row, slow_assistant)
    status, body = await server.post("/webhooks/twilio/webhook", form(body="slow"))
    assert status == 200 and "<Response></Response>" in body  # answered while the turn waits
    await asyncio.wait_for(started.wait(), 10)
    [row] = inbox_rows()
    assert (row.status, row.body) == ("claimed", "slow")
    assert server.standin.messages(US_PHONE) == []
    release.set()
    await server.sms_channel.drain()
    [row] = inbox_rows()
    assert row.status == "done"
    assert [m.body.split("\n")[0] for m in server.standin.messages(US_PHONE)][0].startswith("done")


async def test_concurrent_duplicate_deliveries_are_answered_once(server):
    sid = "SM" + uuid.uuid4().hex
    statuses = await asyncio.gather(*(server.post("/webhooks/twilio/webhook", form(sid=sid))
                                      for _ in range(5)))
    assert [st for st, _ in statuses] == [200] * 5
    await server.sms_channel.drain()
    assert len(server.assistant.received) == 1
    assert len(server.standin.messages(US_PHONE)) == 1
    assert len(inbox_rows()) == 1


async def test_a_conversation_is_answered_in_order_one_turn_at_a_time(server):
    active, order = set(), []

    async def assistant(message):
        assert message.sender_id not in active, "two turns of one conversation at once"
        active.add(message.sender_id)
        await asyncio.sleep(0.02)
        order.append(message.text)
        active.discard(message.sender_id)
        await message.output_channel.send_response(message.sender_id,
                                                   {"text": f"re {message.text}"})

    server.sms_channel.worker.handle = lambda row: server.sms_channel.process_inbound(
        row, assistant)
    texts = [f"m{i}" for i in range(6)]
    for text in texts:  # posted back to back: four workers are free to race
        await server.post("/webhooks/twilio/webhook", form(body=text))
    await server.sms_channel.drain()
    assert order == texts
    sent = [re.match(r"re (m\d+)", m.body).group(1) for m in server.standin.messages(US_PHONE)]
    assert sent == texts


async def test_action_server_down_retries_then_hands_off_with_a_holding_reply(
        server, monkeypatch):
    port = free_port()
    server.sms_channel.action_webhook_url = f"http://127.0.0.1:{port}/webhook"
    server.sms_channel.worker.max_attempts = 3
    await server.sms(US_PHONE, "can I pay next week?")
    assert server.assistant.received == []  # never run without its actions
    [row] = inbox_rows()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "action server unreachable" in row.last_error
    [holding] = server.standin.messages(US_PHONE)
    assert "get back to you" in holding.body
    with session_scope() as s:
        [handoff] = s.execute(select(Handoff)).scalars().all()
    assert (handoff.account_id, handoff.reason) == ("A-US-1", "pipeline_failure")

    # the action server is back: the next message is answered normally
    app = web.Application()
    app.router.add_get("/health", lambda _: web.json_response({"status": "ok"}))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await server.sms(US_PHONE, "hello again")
    finally:
        await runner.cleanup()
    assert [m.text for m in server.assistant.received] == ["hello again"]
    assert server.standin.messages(US_PHONE)[-1].body.startswith("You said: hello again")


async def test_an_assistant_crash_is_retried_and_answered_once(server):
    calls = []

    async def flaky(message):
        calls.append(message.text)
        if len(calls) == 1:
            raise RuntimeError("database restarted")
        await message.output_channel.send_response(message.sender_id, {"text": "answered"})

    server.sms_channel.worker.handle = lambda row: server.sms_channel.process_inbound(row, flaky)
    await server.sms(US_PHONE, "hi")
    assert calls == ["hi", "hi"]
    [row] = inbox_rows()
    assert (row.status, row.attempts) == ("done", 2)
    [sent] = server.standin.messages(US_PHONE)  # answered once, not once per attempt
    assert sent.body.startswith("answered")


async def test_a_turn_that_fails_after_replying_is_not_answered_twice(server):
    """The reply was queued, then the turn failed (the tracker save hit a restarting
    database): the retried turn says the same thing again, which must not be sent twice."""
    calls = []

    async def fails_after_reply(message):
        calls.append(message.text)
        await message.output_channel.send_response(message.sender_id, {"text": "answered"})
        if len(calls) == 1:
            raise RuntimeError("tracker store failed: database restarted")

    server.sms_channel.worker.handle = lambda row: server.sms_channel.process_inbound(
        row, fails_after_reply)
    await server.sms(US_PHONE, "hi")
    assert calls == ["hi", "hi"]
    [row] = inbox_rows()
    assert (row.status, row.attempts) == ("done", 2)
    [sent] = server.standin.messages(US_PHONE)
    assert sent.body.startswith("answered")


async def test_redis_down_means_no_turn_is_taken_and_health_says_so(server, monkeypatch):
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    reset_settings()
    await asyncio.sleep(1.0)  # a claim already under way when Redis went is not the point
    status, _ = await server.post("/webhooks/twilio/webhook", form(body="hello"))
    assert status == 200  # still stored and acknowledged: nothing is lost
    await asyncio.sleep(0.8)
    assert server.assistant.received == []
    [row] = inbox_rows()
    assert (row.status, row.attempts) == ("pending", 0)
    async with server.http.get(server.url + "/webhooks/twilio/health") as resp:
        health = await resp.json()
        assert resp.status == 503
    assert health["redis"].startswith("Redis unreachable")
    assert health["backlog"]["inbox_unfinished"] == 1
    assert health["database"] == "ok"

    monkeypatch.delenv("REDIS_URL")
    reset_settings()
    server.sms_channel.worker.wake()
    await server.sms_channel.drain()
    assert [m.text for m in server.assistant.received] == ["hello"]


async def test_health_reports_database_redis_model_and_backlog(server):
    async with server.http.get(server.url + "/webhooks/twilio/health") as resp:
        health = await resp.json()
    assert health["database"] == "ok"
    assert health["redis"] == "not configured (single replica)"
    assert health["model"] == "not loaded"  # the scripted test server has no Rasa agent
    assert resp.status == 503 and health["status"] == "degraded"
    assert health["backlog"] == {"inbox_unfinished": 0, "inbox_failed": 0,
                                 "outbox_unfinished": 0, "oldest_inbox_seconds": None}


async def test_a_row_claimed_by_a_dead_worker_is_resumed_after_its_lease(server):
    worker = server.sms_channel.worker

    async def paused():
        return "paused by the test"

    worker.ready = paused  # our live workers stand back while the "dead" one claims
    await asyncio.sleep(1.0)
    sid = "SM" + uuid.uuid4().hex
    with session_scope() as s:
        queue.accept_inbound(s, sid=sid, channel="sms", from_number=US_PHONE,
                             to_number=OUR_NUMBER, body="before the crash")
    with session_scope() as s:  # a worker of a process that was then killed
        claimed = queue.claim(s, InboxMessage, "dead-worker", timedelta(seconds=-1))
        assert claimed is not None and claimed.sid == sid
    worker.ready = None
    worker.wake()
    await server.sms_channel.drain()
    assert [m.text for m in server.assistant.received] == ["before the crash"]
    [row] = inbox_rows()
    assert (row.status, row.attempts, row.claimed_by) == (
        "done", 2, server.sms_channel.worker.worker_id)


def test_claim_takes_only_the_head_of_each_conversation(db):
    with session_scope() as s:
        for i, phone in enumerate([US_PHONE, US_PHONE, "+15551112222"]):
            queue.accept_inbound(s, sid=f"SM{i}", channel="sms", from_number=phone,
                                 to_number=OUR_NUMBER, body=f"m{i}")
    lease = timedelta(seconds=60)
    with session_scope() as s:
        first = queue.claim(s, InboxMessage, "w1", lease)
    with session_scope() as s:
        second = queue.claim(s, InboxMessage, "w2", lease)
    with session_scope() as s:
        third = queue.claim(s, InboxMessage, "w3", lease)
    assert (first.sid, second.sid, third) == ("SM0", "SM2", None)
    with session_scope() as s:
        assert queue.finish(s, InboxMessage, first.id, "w1", "done", done_at=clock.now())
        assert not queue.finish(s, InboxMessage, first.id, "w1", "done")  # closed once
    with session_scope() as s:
        assert queue.claim(s, InboxMessage, "w2", lease).sid == "SM1"


async def test_two_workers_share_one_inbox_without_overlap(server):
    """Two workers (as two replicas would run) on one store: each turn runs once, in order."""
    seen = []

    async def handle(row):
        seen.append(row.body)
        await asyncio.sleep(0.01)

    other = InboxWorker(handle, server.sms_channel.give_up, tasks=4, poll=0.02)
    server.sms_channel.worker.handle = handle
    other.start()
    try:
        for i in range(8):
            await server.post("/webhooks/twilio/webhook", form(body=f"t{i}"))
        other.wake()
        await server.sms_channel.drain()
    finally:
        await other.stop()
    assert seen == [f"t{i}" for i in range(8)]


@pytest.mark.parametrize("prepare_fails", [False, True])
async def test_a_claims_prepare_step_shares_its_transaction_or_is_left_to_the_handler(
        db, prepare_fails):
    """`prepare` runs in the claim's transaction and the handler takes its result; when it
    fails, what it wrote is rolled back, the row is claimed alone (the attempt counts) and
    the handler gets nothing to take, so it does that work itself."""
    from bot.channels.inbox import accept
    from bot.store import evidence

    seen = []

    def prepare(s, row):
        evidence.append(s, "note", None, {"row": row.id})  # written with the claim
        if prepare_fails:
            raise RuntimeError("prepare failed")
        return f"prepared {row.id}"

    async def handle(row):
        seen.append((row.attempts, worker.take_prepared(row.id)))

    worker = InboxWorker(handle, lambda row, error: None, tasks=1, prepare=prepare)
    assert accept(sid="SM-prepare", channel="sms", from_number=US_PHONE,
                  to_number=OUR_NUMBER, body="hello")
    assert await worker.run_once()
    assert not await worker.run_once()  # the next claim closes the answered row
    [row] = inbox_rows()
    assert (row.status, row.attempts) == ("done", 1)
    with session_scope() as s:
        notes = s.execute(select(evidence.EvidenceRecord.kind).where(
            evidence.EvidenceRecord.kind == "note")).scalars().all()
    if prepare_fails:
        assert seen == [(1, None)] and notes == []
    else:
        assert seen == [(1, f"prepared {row.id}")] and notes == ["note"]
