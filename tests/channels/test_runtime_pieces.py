"""Pieces of the runtime that need neither the store nor the model."""

from __future__ import annotations

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.channels.webhook import (
    MAX_BODY_BYTES,
    WebhookError,
    parse_form,
    sign,
    signature_valid,
)
from bot.config import reset_settings
from bot.runtime.lock_store import lock_store_for
from bot.runtime.tracker_store import UrlSQLTrackerStore


def test_parse_form_keeps_repeated_and_blank_fields():
    assert parse_form(b"A=1&A=2&B=&C=%E4%BD%A0") == {"A": ["1", "2"], "B": [""], "C": ["你"]}


@pytest.mark.parametrize("body", [
    b"", b"&&", b"A", b"A=", b"=x", b"A=1&&B=2&", b"A+B=c+d", b"A=%2B%26%3D", b"A=1=2",
    b"A=%", b"A=%2", b"A=%zz", b"%41=%42", "Body=你好 %E4%BD%A0+x".encode(), b"A=1;B=2",
    b"A=1&A=1&A=2",
])
def test_parse_form_is_parse_qs(body):
    """The one-pass decoder gives exactly what the standard library's parser gives."""
    from urllib.parse import parse_qs

    assert parse_form(body) == parse_qs(body.decode(), keep_blank_values=True,
                                        errors="strict")


@pytest.mark.parametrize("signed,checked,valid", [
    ("https://example.test/webhooks/twilio/webhook", "https://example.test/webhooks/twilio/webhook", True),
    # Twilio's port handling is inconsistent: both spellings of the default port pass
    ("https://example.test:443/webhooks/twilio/webhook", "https://example.test/webhooks/twilio/webhook", True),
    ("https://example.test/webhooks/twilio/webhook", "https://example.test:443/webhooks/twilio/webhook", True),
    ("http://127.0.0.1:5005/webhooks/twilio/webhook", "http://127.0.0.1:5005/webhooks/twilio/webhook", True),
    ("https://example.test/webhooks/twilio/webhook?x=1", "https://example.test/webhooks/twilio/webhook", False),
    ("https://other.test/webhooks/twilio/webhook", "https://example.test/webhooks/twilio/webhook", False),
])
def test_signature_valid_accepts_what_twilio_signs(signed, checked, valid):
    params = {"From": "+12125550101", "Body": "hi 你好", "MessageSid": "SM1"}
    form = {key: [value] for key, value in params.items()}
    signature = sign(signed, params, "token")
    assert signature_valid(checked, form, signature, "token") is valid
    assert not signature_valid(checked, form, signature, "other-token")
    assert not signature_valid(checked, {**form, "Body": ["changed"]}, signature, "token")
    assert not signature_valid(checked, form, "é" + signature[1:], "token")


@pytest.mark.parametrize("body,status", [
    (b"Body=\xff", 400),
    (b"Body=%FF", 400),
    (b"Body=" + b"x" * MAX_BODY_BYTES, 413),
])
def test_parse_form_refuses_bad_bodies(body, status):
    with pytest.raises(WebhookError) as info:
        parse_form(body)
    assert info.value.status == status


def test_signature_matches_twilio_documented_example():
    # the fixed example of twilio-python's own validator tests
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
              "From": "+14158675309", "To": "+18005551212"}
    assert sign(url, params, "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_lock_store_follows_redis_url():
    assert isinstance(lock_store_for(None), InMemoryLockStore)
    store = lock_store_for("redis://127.0.0.1:6379/4")
    assert isinstance(store, RedisLockStore)
    assert store.red.connection_pool.connection_kwargs["db"] == 4


def test_endpoints_lock_store_type_uses_the_environment(monkeypatch):
    config = EndpointConfig(type="bot.runtime.lock_store.SettingsLockStore")
    monkeypatch.delenv("REDIS_URL", raising=False)
    reset_settings()
    assert isinstance(LockStore.create(config), InMemoryLockStore)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    reset_settings()
    assert isinstance(LockStore.create(config), RedisLockStore)
    reset_settings()


def test_tracker_store_uses_database_url(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    reset_settings()
    try:
        store = UrlSQLTrackerStore()
        assert str(store.engine.url) == f"sqlite:///{tmp_path / 'tracker.db'}"
        assert (tmp_path / "tracker.db").exists()
    finally:
        reset_settings()


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


async def test_two_replicas_take_turns_on_a_conversation_through_redis():
    """Two processes' lock stores on one Redis: a conversation is handled by one at a time.

    Separate in-memory stores would interleave (a-in, b-in, ...); only a shared lock orders them.
    """
    import asyncio
    import os
    import uuid

    url = "redis://127.0.0.1:6379/6"
    if not _redis_reachable(url):
        if os.environ.get("CI") == "true":
            pytest.fail("Redis on 127.0.0.1:6379 is required in CI")
        pytest.skip("no Redis on 127.0.0.1:6379")
    replica_a, replica_b = lock_store_for(url), lock_store_for(url)
    conversation = f"+1555{uuid.uuid4().int % 10_000_000:07d}"
    order = []

    async def turn(store: LockStore, name: str, delay: float, hold: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.01):
            order.append(f"{name}-in")
            await asyncio.sleep(hold)
            order.append(f"{name}-out")

    await asyncio.gather(turn(replica_a, "a", 0, 0.3), turn(replica_b, "b", 0.05, 0))
    assert order == ["a-in", "a-out", "b-in", "b-out"]
