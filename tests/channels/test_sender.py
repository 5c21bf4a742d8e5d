"""The Twilio stand-in and the retrying, ordered SMS sender (no database involved)."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.twilio_client import BaseUrlHttpClient, SmsSender
from bot.runtime.twilio_standin import TwilioStandIn

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


async def test_retries_on_500_then_succeeds_in_order(standin, client):
    sender = SmsSender(client=client, from_number="+15005550006", base_delay=0.001)
    results = []

    async def done(result):
        results.append(result)

    standin.fail_next(2, status=500)
    for i in range(3):
        sender.enqueue("+15551230004", "+15551230004", f"part {i}", on_done=done)
    await sender.drain()
    assert [r.body for r in standin.messages("+15551230004")] == ["part 0", "part 1", "part 2"]
    assert [r.status for r in standin.requests] == [500, 500, 201, 201, 201]
    assert [(r.ok, r.attempts) for r in results] == [(True, 3), (True, 1), (True, 1)]
    assert all(r.sid.startswith("SM") for r in results)


async def test_4xx_is_not_retried(standin, client):
    sender = SmsSender(client=client, from_number="+15005550006", base_delay=0.001)
    standin.fail_next(1, code=21610)
    result = await sender.send_now("+15551230005", "hello")
    assert (result.ok, result.code, result.status, result.attempts) == (False, 21610, 400, 1)
    assert len(standin.requests) == 1


async def test_gives_up_after_max_attempts(standin, client):
    sender = SmsSender(client=client, from_number="+15005550006", base_delay=0.001, max_attempts=3)
    standin.fail_next(5, status=503)
    result = await sender.send_now("+15551230006", "hello")
    assert (result.ok, result.status, result.attempts) == (False, 503, 3)
    assert len(standin.requests) == 3
