"""`collectbot run` split in two: a front process that only acknowledges and turn
processes that take the turns; workers in other processes woken by NOTIFY; the pipeline's
redoable transactions not waiting for the disk."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text

from bot.channels import inbox, wakeup
from bot.channels.twilio_sms import CompliantTwilioInput
from bot.config import get_settings, load_settings, reset_settings
from bot.runtime.turn_processes import default_count
from bot.store.db import session_scope
from tests.channels.conftest import OUR_NUMBER, US_PHONE


def test_a_turn_process_runs_at_a_lower_cpu_priority_than_the_front(monkeypatch):
    """The spawned child (and what it starts) is `turn_nice` nicer than its parent."""
    import os
    import subprocess
    import sys

    from bot.runtime import turn_processes

    real_popen = subprocess.Popen

    def fake_popen(argv, **kwargs):  # the real spawn's options, a tiny program instead
        return real_popen([sys.executable, "-c", "import os; print(os.nice(0))"],
                                stdout=subprocess.PIPE, text=True,
                                preexec_fn=kwargs["preexec_fn"])

    monkeypatch.setenv("COLLECTBOT_TURN_NICE", "7")
    reset_settings()
    monkeypatch.setattr(turn_processes.subprocess, "Popen", fake_popen)
    child = turn_processes.TurnProcesses(1, model=get_settings().home / "models")._spawn(0)
    out, _ = child.communicate(timeout=60)
    assert int(out) == os.nice(0) + 7
    assert load_settings({}).turn_nice == 0  # the default: equal priority (README)


def test_turn_processes_default_to_one_per_core_only_with_a_shared_lock(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_count(load_settings({})) == 0  # no Redis: the serving process runs turns
    assert default_count(load_settings({"REDIS_URL": "redis://127.0.0.1:6379/1"})) == 2
    assert default_count(load_settings({"REDIS_URL": "redis://127.0.0.1:6379/1",
                                        "COLLECTBOT_TURN_PROCESSES": "3"})) == 3
    assert default_count(load_settings({"COLLECTBOT_TURN_PROCESSES": "1"})) == 1


async def test_a_front_process_acknowledges_and_leaves_the_turns_to_others(
        db, channel_env, monkeypatch):
    monkeypatch.setenv("COLLECTBOT_PROCESS_ROLE", "front")
    reset_settings()
    channel = CompliantTwilioInput.from_credentials({})
    seen = []

    async def assistant(message):
        seen.append(message)

    channel.start_pipeline(assistant)
    try:
        assert channel.worker is None and channel.sender._tasks == []
        response = await channel.handle_inbound({"From": US_PHONE, "To": OUR_NUMBER,
                                                 "Body": "hello", "MessageSid": "SM1"})
        assert response.status == 200
        await asyncio.sleep(0.3)
        assert seen == []  # stored for a turn process; not run here
        with session_scope() as s:
            assert s.execute(text("SELECT status FROM inbox WHERE sid = 'SM1'")).scalar() \
                == "pending"
    finally:
        await channel.stop_pipeline()


@pytest.mark.postgres
async def test_a_stored_message_wakes_the_workers_of_another_process_at_once(
        db, channel_env):
    if not db.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    woken = threading.Event()
    loop = asyncio.get_running_loop()
    listener = wakeup.Listener(get_settings().database_url, [woken.set], loop).start()
    try:
        await asyncio.sleep(1.0)  # connected and listening
        woken.clear()
        await asyncio.to_thread(inbox.accept, sid="SM-wake", channel="sms",
                                from_number=US_PHONE, to_number=OUR_NUMBER, body="hi")
        assert await asyncio.to_thread(woken.wait, 5.0)
    finally:
        listener.stop()


@pytest.mark.postgres
def test_only_redoable_pipeline_transactions_skip_the_disk_flush(db):
    if not db.startswith("postgresql"):
        pytest.skip("synchronous_commit is PostgreSQL's")
    with session_scope() as s:
        assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"
    with session_scope(durable=False) as s:
        assert s.execute(text("SHOW synchronous_commit")).scalar() == "off"
    with session_scope() as s:  # the durable pool: its connections were never switched
        assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_a_burst_of_webhooks_is_stored_once_each_in_one_statement(db):
    from sqlalchemy import event, select

    from bot.store import queue
    from bot.store.db import get_engine
    from bot.store.models import InboxMessage

    def message(sid):
        return {"sid": sid, "channel": "sms", "from_number": US_PHONE, "to_number": OUR_NUMBER,
                "body": sid}

    with session_scope() as s:
        assert queue.accept_inbound(s, **message("SM-old"))
    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        with session_scope() as s:
            stored = queue.accept_inbound_many(
                s, [message("SM-a"), message("SM-a"), message("SM-old"), message("SM-b")])
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert stored == [True, False, False, True]  # a repeat inside the burst is a repeat too
    with session_scope() as s:
        assert sorted(s.execute(select(InboxMessage.sid)).scalars()) == ["SM-a", "SM-b",
                                                                          "SM-old"]
    if db.startswith("postgresql"):
        assert sum("INSERT INTO inbox" in sql for sql in statements) == 1


async def test_a_notification_wakes_one_idle_worker_not_all_of_them():
    """Every stored message notifies every process; each notification used to wake all
    of a runner's sleeping tasks, and each ran a claim that found nothing."""
    from bot.channels.runner import QueueRunner

    class Counting(QueueRunner):
        name = "counting"

        def __init__(self):
            super().__init__(tasks=4, poll=60.0)
            self.claims = 0
            self.rows = []

        def _claim(self):
            self.claims += 1
            return self.rows.pop() if self.rows else None

        async def process(self, row):
            pass

    runner = Counting()
    runner.start()
    try:
        for _ in range(200):  # every task claims once at start, finds nothing, sleeps
            await asyncio.sleep(0.01)
            if runner.claims == 4:
                break
        await asyncio.sleep(0.1)
        assert runner.claims == 4
        runner.wake()
        await asyncio.sleep(0.3)
        assert runner.claims == 5  # one task looked, not four
        runner.rows = ["a", "b", "c"]  # a burst: a task that finds work wakes the next
        runner.wake()
        for _ in range(200):
            await asyncio.sleep(0.01)
            if not runner.rows:
                break
        await asyncio.sleep(0.3)
        assert runner.rows == [] and runner.claims <= 5 + 3 + 4
    finally:
        await runner.stop()


async def test_the_front_batcher_stores_a_burst_once_each_in_order_and_durably(db):
    """AcceptBatcher: one statement per burst on PostgreSQL (its own autocommit
    connection); repeats store nothing, rows keep the arrival order, the workers are
    notified, and a failed batch fails each of its webhooks and the next one reconnects."""
    from sqlalchemy import select

    from bot.store.models import InboxMessage

    def message(sid, phone=US_PHONE):
        return {"sid": sid, "channel": "sms", "from_number": phone, "to_number": OUR_NUMBER,
                "body": f"body of {sid}"}

    batcher = inbox.AcceptBatcher()
    listener = None
    if db.startswith("postgresql"):
        import psycopg2
        from sqlalchemy.engine import make_url

        listener = psycopg2.connect(
            make_url(db).set(drivername="postgresql").render_as_string(hide_password=False))
        listener.autocommit = True
        listener.cursor().execute(f"LISTEN {wakeup.CHANNEL}")
    try:
        assert await batcher.accept(**message("SM-first"))
        burst = [message("SM-a"), message("SM-b", "+13125550100"), message("SM-a"),
                 message("SM-first"), message("SM-c")]
        stored = await asyncio.gather(*(batcher.accept(**m) for m in burst))
        assert stored == [True, True, False, False, True]
        with session_scope() as s:
            rows = s.execute(select(InboxMessage).order_by(InboxMessage.id)).scalars().all()
        assert [r.sid for r in rows] == ["SM-first", "SM-a", "SM-b", "SM-c"]
        assert [(r.status, r.attempts, r.conversation_id) for r in rows][2] == (
            "pending", 0, "+13125550100")
        assert rows[1].body == "body of SM-a" and rows[1].received_at is not None
        if listener is None:
            return
        import select as wait

        for _ in range(25):  # delivered after the commit, within moments
            wait.select([listener], [], [], 0.2)
            listener.poll()
            if listener.notifies:
                break
        assert listener.notifies, "no NOTIFY for the stored burst"
        # the acknowledgement's commit waits for the disk
        assert await inbox._pg_query(batcher._conn, "SHOW synchronous_commit", {}) == [("on",)]
        batcher._conn.close()  # the kept connection died while idle
        assert await batcher.accept(**message("SM-after-restart"))  # a new one, no 500

        def unreachable():
            raise psycopg2.OperationalError("could not connect to server")

        batcher._conn.close()

        async def down(*_):
            unreachable()

        batcher._insert = down  # the database is down
        results = await asyncio.gather(batcher.accept(**message("SM-x")),
                                       batcher.accept(**message("SM-y")),
                                       return_exceptions=True)
        assert all(isinstance(r, psycopg2.OperationalError) for r in results)  # 500 each
        del batcher._insert
        assert await batcher.accept(**message("SM-x"))  # Twilio's retry, the database back
    finally:
        await batcher.close()
        if listener is not None:
            listener.close()
