"""PostgreSQL restarted mid-conversation: no inbound message or reply lost, none twice.

The real assistant (`collectbot run`, trained model, SQL tracker store, action server) runs
on a private PostgreSQL cluster of this test's own (tests/private_pg.py; the shared server
is never touched). The cluster is restarted between turns, right after a turn was
acknowledged (while it is being answered), and a message is posted while the database is
down (its webhook fails and, as Twilio does, the same MessageSid is delivered again).
Afterwards every message was answered exactly once, in order, the tracker holds every turn
once (Rasa's FailSafeTrackerStore must not have dropped events into memory), and every
reply Twilio received is one the tracker uttered.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from bot.config import reset_settings
from bot.runtime.harness import RunningAssistant
from tests.channels.conftest import PORTFOLIO, US_PHONE
from tests.channels.test_replicas import tracker
from tests.importing import import_csv
from tests.private_pg import PrivateCluster, server_binaries

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TURNS = ["hi", "who is this?", "what do I owe?", "why are you texting me?", "ok",
         "can I pay next week?"]


@pytest.fixture
def private_pg(monkeypatch, tmp_path):
    from bot.cli import main as cli
    from bot.store.db import reset_engine

    bin_dir = server_binaries()
    if bin_dir is None:
        reason = "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: required)")
        pytest.skip(reason)
    cluster = PrivateCluster(bin_dir).init()
    try:
        monkeypatch.setenv("DATABASE_URL", cluster.url)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "restart-auth-token")
        monkeypatch.setenv("COLLECTBOT_PIPELINE_RETRY_SECONDS", "0.2")
        reset_settings()
        reset_engine()
        assert cli(["db", "upgrade"]) == 0
        import_csv(tmp_path, PORTFOLIO)
        reset_engine()  # this process must not keep connections across the restarts
        yield cluster
    finally:
        reset_engine()
        cluster.destroy()
        reset_settings()


def deliver(stack: RunningAssistant, text: str, timeout: float = 90.0) -> int:
    """Post one SMS as Twilio does: the same MessageSid again until it is acknowledged.
    Returns how many deliveries it took."""
    sid = "SM" + uuid.uuid4().hex
    deadline = time.monotonic() + timeout
    tries = 0
    while True:
        tries += 1
        if stack.post_sms(US_PHONE, text, sid=sid, timeout=30) == 200:
            return tries
        assert time.monotonic() < deadline, f"{text!r} never acknowledged"
        time.sleep(0.5)


def test_postgres_restarts_lose_and_repeat_nothing(trained_model, private_pg, tmp_path):
    from bot.store.db import reset_engine, session_scope
    from bot.store.models import InboxMessage, OutboxMessage

    log = tmp_path / "server.log"
    deliveries = []
    with RunningAssistant(trained_model, log_file=log) as stack:
        deliveries.append(deliver(stack, TURNS[0]))
        stack.wait_idle(120)
        private_pg.restart()  # between turns: pooled connections are all dead now
        deliveries.append(deliver(stack, TURNS[1]))
        stack.wait_idle(120)
        for text in TURNS[2:4]:  # during turns: stopped right after the acknowledgement
            deliveries.append(deliver(stack, text))
            private_pg.stop()
            time.sleep(2.0)
            private_pg.start()
            stack.wait_idle(180)
        # a message arrives while the database is down: its webhook fails, Twilio retries
        private_pg.stop()
        restarter = threading.Timer(3.0, private_pg.start)
        restarter.start()
        try:
            deliveries.append(deliver(stack, TURNS[4]))
        finally:
            restarter.join()
        stack.wait_idle(180)
        deliveries.append(deliver(stack, TURNS[5]))
        stack.wait_idle(120)
        time.sleep(1.0)  # a duplicate send would land after the outbox looked empty
        received = stack.standin.messages(US_PHONE)
        events = tracker(stack, US_PHONE)["events"]
    logs = log.read_text(errors="replace")[-4000:]
    assert deliveries[4] > 1, "the message posted while the database was down was accepted?"

    said = [e["text"] for e in events if e["event"] == "user"]
    assert said == TURNS, logs  # every inbound message reached the tracker once, in order

    reset_engine()
    with session_scope() as s:
        inbox = s.execute(select(InboxMessage.id, InboxMessage.status)
                          .order_by(InboxMessage.id)).all()
        outbox = s.execute(select(OutboxMessage.inbox_id, OutboxMessage.status,
                                  OutboxMessage.provider_sid, OutboxMessage.body)
                           .order_by(OutboxMessage.seq)).all()
    assert [status for _, status in inbox] == ["done"] * len(TURNS), logs
    answered = {row.inbox_id for row in outbox}
    assert answered == {row_id for row_id, _ in inbox}, "a message was never answered"
    assert {row.status for row in outbox} == {"sent"}, logs
    # Twilio got each outbox row exactly once, and nothing else
    assert sorted(m.sid for m in received) == sorted(row.provider_sid for row in outbox)
    assert len({m.sid for m in received}) == len(received)
    assert [m.body for m in received] == [row.body for row in outbox]
    # each reply sent is a bot utterance of the saved tracker, in order, none twice
    uttered = [e["text"] for e in events if e["event"] == "bot" and e.get("text")]
    cursor = 0
    for body in (m.body for m in received):
        while cursor < len(uttered) and uttered[cursor] not in body:
            cursor += 1
        assert cursor < len(uttered), f"{body!r} not in the tracker (lost events?)\n{logs}"
        cursor += 1
