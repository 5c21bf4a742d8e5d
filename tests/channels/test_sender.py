"""The Twilio stand-in and the outbox sender: ordered per conversation, retried, durable."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.outbox_sender import OutboxSender
from bot.channels.twilio_client import BaseUrlHttpClient
from bot.runtime.twilio_standin import TwilioStandIn
from bot.store import queue
from bot.store.db import session_scope
from bot.store.models import OutboxMessage

SID = "AC" + "1" * 32


@pytest.fixture
def standin():
    with TwilioStandIn() as server:
        yield server


@pytest.fixture
def client(standin):
    return Client(SID, "token", http_client=BaseUrlHttpClient(standin.url, timeout=5))


def test_client_is_redirected_to_the_base_url(standin, client):
    message = client.messages.create(to="+15551230001", from_="+15005550006", body="hello")
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued"
    [recorded] = standin.requests
    assert (recorded.kind, recorded.account_sid, recorded.to, recorded.body) == (
        "message", SID, "+15551230001", "hello")


def test_calls_are_recorded_with_their_parameters(standin, client):
    call = client.calls.create(to="+15551230002", from_="+15005550006",
                               url="https://example.test/webhooks/twilio_voice/webhook",
                               machine_detection="Enable")
    assert call.sid.startswith("CA")
    [recorded] = standin.calls()
    assert recorded.form["MachineDetection"] == "Enable"
    assert recorded.form["Url"] == "https://example.test/webhooks/twilio_voice/webhook"


def test_standin_fails_with_a_twilio_error_code(standin, client):
    standin.fail_next(1, code=21610)
    with pytest.raises(TwilioRestException) as info:
        client.messages.create(to="+15551230003", from_="+15005550006", body="x")
    assert (info.value.status, info.value.code) == (400, 21610)
    assert standin.messages() == []


def queue_texts(*texts, to="+15551230004"):
    """Put texts in the outbox as the send path would (a number with no account)."""
    with session_scope() as s:
        return [queue.enqueue_outbound(s, conversation_id=to, channel="sms", to_number=to,
                                       from_number="+15005550006", body=text)
                for text in texts]


def rows(*ids):
    with session_scope() as s:
        return [s.get(OutboxMessage, i) for i in ids]


@pytest.fixture
async def sender(db, client):
    runner = OutboxSender(client, tasks=3, poll=0.02, retry_base=0.01, max_attempts=3)
    runner.start()
    yield runner
    await runner.close()


async def test_429_and_500_are_retried_the_row_stays_and_is_sent_once_in_order(standin, sender):
    standin.fail_next(1, code=20429)
    standin.fail_next(1, status=500)
    ids = queue_texts("part 0", "part 1", "part 2")
    sender.wake()
    await sender.drain()
    assert [r.body for r in standin.messages("+15551230004")] == ["part 0", "part 1", "part 2"]
    assert [r.status for r in standin.requests] == [429, 500, 201, 201, 201]
    first, *rest = rows(*ids)
    assert (first.status, first.attempts) == ("sent", 3)
    assert "500" in first.last_error or "stand-in" in first.last_error
    assert [(r.status, r.attempts) for r in rest] == [("sent", 1), ("sent", 1)]
    assert [r.provider_sid for r in rows(*ids)] == [m.sid for m in standin.messages()]


async def test_a_stuck_conversation_does_not_hold_up_another(standin, sender):
    standin.fail_next(1, status=503)
    queue_texts("a0", "a1", to="+15551230010")
    queue_texts("b0", to="+15551230011")
    sender.wake()
    await sender.drain()
    assert [r.body for r in standin.messages("+15551230010")] == ["a0", "a1"]
    assert [r.body for r in standin.messages("+15551230011")] == ["b0"]


@pytest.mark.parametrize("failure, attempts", [
    ({"code": 21211}, 1),    # a 4xx Twilio error is final at once
    ({"status": 503}, 3),    # a 5xx is retried up to max_attempts, then recorded as failed
])
async def test_a_send_ends_failed(standin, sender, failure, attempts):
    standin.fail_next(5, **failure)
    [row_id] = queue_texts("hello")
    sender.wake()
    await sender.drain()
    [row] = rows(row_id)
    assert (row.status, row.attempts) == ("failed", attempts)
    assert len(standin.requests) == attempts


async def test_connection_errors_are_retried(db):
    from bot.runtime.action_server import free_port

    dead = Client(SID, "token", http_client=BaseUrlHttpClient(
        f"http://127.0.0.1:{free_port()}", timeout=1))
    runner = OutboxSender(dead, tasks=1, poll=0.02, retry_base=0.01, max_attempts=2)
    [row_id] = queue_texts("hello")
    runner.start()
    try:
        await runner.drain()
    finally:
        await runner.close()
    [row] = rows(row_id)
    assert (row.status, row.attempts) == ("failed", 2)
    assert "ConnectionError" in row.last_error


async def test_a_text_queued_before_an_opt_out_is_withheld(standin, client, db):
    from bot.store import repo

    [before] = queue_texts("queued before STOP", to="+15551230020")
    with session_scope() as s:
        repo.record_optout(s, account_id=None, phone="+15551230020", channel="sms",
                           source="keyword")
    [after] = queue_texts("you are unsubscribed", to="+15551230020")  # the confirmation
    runner = OutboxSender(client, tasks=1, poll=0.02, retry_base=0.01)
    runner.start()
    try:
        await runner.drain()
    finally:
        await runner.close()
    assert [r.body for r in standin.messages()] == ["you are unsubscribed"]
    withheld, confirmation = rows(before, after)
    assert withheld.status == "failed" and "opted out" in withheld.last_error
    assert confirmation.status == "sent"
