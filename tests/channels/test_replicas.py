"""Two real `collectbot run` replicas on one PostgreSQL and one Redis.

Turns of one conversation are posted alternately to each replica, back to back (the second
arrives while the first is still being answered). Every turn must be answered once, the
turns in the order they were posted, and the texts Twilio received must be exactly the
tracker's bot utterances in order, whichever replica ran the turn and whichever sent it.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.channels.texts import text as fixed_text
from bot.config import reset_settings
from bot.runtime.harness import RunningAssistant
from bot.store.db import session_scope
from tests.channels.conftest import PORTFOLIO, US_PHONE
from tests.conftest import PG_BASE_URL, _schema_url, require_pg
from tests.importing import import_csv

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/7"
TURNS = ["hi", "who is this?", "what do I owe?", "why are you texting me?"]


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def shared_store(monkeypatch, tmp_path):
    from bot.cli import main as cli

    require_pg()
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis on 127.0.0.1:6379 is required in CI")
        pytest.skip("no Redis on 127.0.0.1:6379")
    schema = f"cbreplicas_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_BASE_URL, future=True)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = _schema_url(PG_BASE_URL, schema)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "replica-auth-token")
    reset_settings()
    assert cli(["db", "upgrade"]) == 0
    import_csv(tmp_path, PORTFOLIO)
    try:
        yield url
    finally:
        from bot.store.db import reset_engine

        reset_engine()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
        reset_settings()


def tracker(replica: RunningAssistant, conversation: str) -> dict:
    token = urllib.parse.quote(replica.env["COLLECTBOT_API_TOKEN"], safe="")
    url = (f"{replica.url}/conversations/{urllib.parse.quote(conversation, safe='+')}"
           f"/tracker?token={token}")
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.loads(resp.read())


def test_two_replicas_answer_alternate_turns_once_and_in_order(trained_model, shared_store,
                                                              tmp_path):
    from bot.store.models import InboxMessage

    # a: a front process that only acknowledges plus one turn process (what `collectbot
    # run` starts with REDIS_URL set, one per core by default); b: one process doing both
    a = RunningAssistant(trained_model, log_file=tmp_path / "a.log",
                         env={"COLLECTBOT_TURN_PROCESSES": "1"}).start()
    try:
        b = RunningAssistant(trained_model, log_file=tmp_path / "b.log",
                             env={"TWILIO_API_BASE": a.standin.url,
                                  "COLLECTBOT_TURN_PROCESSES": "0"}).start()
        try:
            for i, text in enumerate(TURNS):  # back to back, alternating replicas
                assert (a if i % 2 == 0 else b).post_sms(US_PHONE, text) == 200
            a.wait_idle(180)
            b.wait_idle(180)
            sent = [m.body for m in a.standin.messages(US_PHONE)]
            assert b.standin.messages() == []  # every send went to the one shared Twilio
            events_a = tracker(a, US_PHONE)["events"]
            events_b = tracker(b, US_PHONE)["events"]
        finally:
            b.stop()
    finally:
        a.stop()
    logs = (tmp_path / "a.log").read_text()[-2000:] + (tmp_path / "b.log").read_text()[-2000:]
    assert events_a == events_b  # one tracker, whichever replica is asked
    said = [e["text"] for e in events_a if e["event"] == "user"]
    assert said == TURNS, logs  # every turn once, in the order posted
    uttered = [e["text"] for e in events_a if e["event"] == "bot" and e.get("text")]
    assert sent, logs
    # each text Twilio got is the next bot utterance (plus what the pack adds), none twice
    cursor = 0
    for body in sent:
        if body.startswith(fixed_text("fallback", "en")[:30]):
            continue  # the safe fallback that replaced a blocked text
        while cursor < len(uttered) and uttered[cursor] not in body:
            cursor += 1  # a bot text the gate held back (or replaced) was not sent
        assert cursor < len(uttered), f"{body!r} sent out of order or twice\n{logs}"
        cursor += 1
    with session_scope() as s:
        rows = s.execute(select(InboxMessage.status, InboxMessage.attempts)
                         .order_by(InboxMessage.id)).all()
    assert rows == [("done", 1)] * len(TURNS)
