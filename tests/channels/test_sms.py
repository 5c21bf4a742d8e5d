"""The compliant SMS channel over real HTTP: signatures, bad input, idempotency,
keywords before NLU, the gate on every send, retries, status callbacks and 21610."""

from __future__ import annotations

import json
import uuid

import pytest

from bot.store import repo
from bot.store.db import session_scope
from tests.channels.conftest import OUR_NUMBER, PUBLIC_URL, UNKNOWN_PHONE, US_PHONE

pytestmark = pytest.mark.usefixtures("debtors")


def contacts(capsys, **match):
    """Contact rows as exported (the audit view), filtered by exact field values."""
    from bot.cli import main as cli

    capsys.readouterr()
    assert cli(["export", "contacts", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


def form(phone=US_PHONE, body="hello", sid=None):
    return {"From": phone, "To": OUR_NUMBER, "Body": body,
            "MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32}


async def test_signed_message_reaches_the_assistant_and_the_reply_is_sent(server, capsys):
    status, body = await server.sms(US_PHONE, "hello")
    assert status == 200 and "<Response" in body
    [message] = server.assistant.received
    assert (message.text, message.sender_id, message.input_channel) == ("hello", US_PHONE, "twilio")
    assert message.metadata["timezone"] == "America/New_York"
    assert message.metadata["at"].startswith("20")
    [sent] = server.standin.messages(US_PHONE)
    assert sent.body.startswith("You said: hello")
    assert "STOP" in sent.body  # the us pack's opt-out line was added
    assert sent.form["StatusCallback"] == f"{PUBLIC_URL}/webhooks/twilio/status"
    inbound = contacts(capsys, direction="inbound", status="received")
    assert [(r["text"], r["from"]) for r in inbound] == [("hello", US_PHONE)]
    outbound = contacts(capsys, direction="outbound", status="sent")
    assert [(r["provider_sid"], r["to"]) for r in outbound] == [(sent.sid, US_PHONE)]


@pytest.mark.parametrize("signature", [None, "forged", "bm90IGEgc2lnbmF0dXJl"])
async def test_unsigned_or_forged_requests_are_refused_and_nothing_is_recorded(
        server, capsys, signature):
    status, _ = await server.post("/webhooks/twilio/webhook", form(), signature=signature)
    assert status == 403
    assert server.assistant.received == []
    assert server.standin.requests == []
    assert contacts(capsys) == []


async def test_signature_over_other_params_is_refused(server):
    params = form(body="pay nothing")
    from bot.channels.webhook import sign
    from tests.channels.conftest import AUTH_TOKEN

    good = sign(PUBLIC_URL + "/webhooks/twilio/webhook", {**params, "Body": "other"}, AUTH_TOKEN)
    status, _ = await server.post("/webhooks/twilio/webhook", params, signature=good)
    assert status == 403
    assert server.assistant.received == []


@pytest.mark.parametrize("missing", ["Body", "From", "MessageSid"])
async def test_malformed_signed_requests_get_400(server, capsys, missing):
    params = form()
    del params[missing]
    status, _ = await server.post("/webhooks/twilio/webhook", params)
    assert status == 400
    assert server.assistant.received == []
    assert contacts(capsys) == []


async def test_oversized_requests_are_refused(server):
    status, _ = await server.post("/webhooks/twilio/webhook", {},
                                  raw=b"Body=" + b"a" * (65 * 1024))
    assert status == 413
    status, _ = await server.post("/webhooks/twilio/webhook", form(body="x" * 1601))
    assert status == 400
    assert server.assistant.received == []


async def test_non_utf8_body_is_refused(server):
    raw = b"From=%2B12125550101&Body=\xff\xfe&MessageSid=SMx"
    status, _ = await server.post("/webhooks/twilio/webhook", {}, raw=raw, signature="x")
    assert status == 400
    raw = b"From=%2B12125550101&Body=%FF%FE&MessageSid=SMx"
    status, _ = await server.post("/webhooks/twilio/webhook", {}, raw=raw, signature="x")
    assert status == 400
    assert server.assistant.received == []


async def test_duplicate_message_sid_is_processed_once(server, capsys):
    sid = "SM" + uuid.uuid4().hex
    assert (await server.sms(US_PHONE, "hello", sid=sid))[0] == 200
    assert (await server.sms(US_PHONE, "hello", sid=sid))[0] == 200
    assert len(server.assistant.received) == 1
    assert len(server.standin.messages(US_PHONE)) == 1
    assert len(contacts(capsys, direction="inbound")) == 1


async def test_stop_opts_out_with_exactly_one_confirmation(server):
    await server.sms(US_PHONE, " stop ")
    assert server.assistant.received == []  # handled before NLU
    with session_scope() as s:
        assert repo.is_opted_out(s, US_PHONE, "sms")
    [confirmation] = server.standin.messages(US_PHONE)
    assert "unsubscribed" in confirmation.body
    # a second STOP gets no second confirmation; the assistant's texts are not sent
    await server.sms(US_PHONE, "STOP")
    await server.sms(US_PHONE, "what do I owe?")
    assert len(server.assistant.received) == 1
    assert len(server.standin.messages(US_PHONE)) == 1
    out = server.sms_channel.get_output_channel()
    assert await out.deliver(US_PHONE, "Reminder from Northwind Recovery.") is False
    await server.sms_sender.drain()
    assert len(server.standin.messages(US_PHONE)) == 1


@pytest.mark.parametrize("keyword", ["退订", "TD"])
async def test_chinese_opt_out_keywords(server, keyword):
    from tests.channels.conftest import CN_PHONE

    await server.sms(CN_PHONE, keyword)
    with session_scope() as s:
        assert repo.is_opted_out(s, CN_PHONE, "sms")
    [confirmation] = server.standin.messages(CN_PHONE)
    assert "退订" in confirmation.body
    assert server.assistant.received == []


async def test_start_opts_back_in(server):
    await server.sms(US_PHONE, "STOP")
    await server.sms(US_PHONE, "START")
    with session_scope() as s:
        assert not repo.is_opted_out(s, US_PHONE, "sms")
    await server.sms(US_PHONE, "hello again")
    bodies = [m.body for m in server.standin.messages(US_PHONE)]
    assert len(bodies) == 3
    assert "subscribed to our texts again" in bodies[1]
    assert bodies[2].startswith("You said: hello again")


async def test_help_is_answered_before_nlu(server):
    await server.sms(US_PHONE, "HELP")
    assert server.assistant.received == []
    [reply] = server.standin.messages(US_PHONE)
    assert "for help call" in reply.body


async def test_error_21610_marks_the_number_opted_out(server, capsys):
    server.standin.fail_next(1, code=21610)
    await server.sms(US_PHONE, "hello")
    with session_scope() as s:
        assert repo.is_opted_out(s, US_PHONE, "sms")
    [failed] = contacts(capsys, direction="outbound", status="failed")
    assert "21610" in " ".join(failed["reasons"])


async def test_status_callback_updates_the_contact(server, capsys):
    await server.sms(US_PHONE, "hello")
    [sent] = server.standin.messages(US_PHONE)
    params = {"MessageSid": sent.sid, "MessageStatus": "delivered", "To": US_PHONE,
              "AccountSid": "AC" + "0" * 32}
    assert (await server.post("/webhooks/twilio/status", params, signature="bad"))[0] == 403
    assert (await server.post("/webhooks/twilio/status", params))[0] == 204
    [row] = contacts(capsys, provider_sid=sent.sid)
    assert row["status"] == "delivered"


async def test_status_callback_with_21610_opts_out(server):
    await server.sms(US_PHONE, "hello")
    [sent] = server.standin.messages(US_PHONE)
    params = {"MessageSid": sent.sid, "MessageStatus": "undelivered", "ErrorCode": "21610",
              "To": US_PHONE}
    assert (await server.post("/webhooks/twilio/status", params))[0] == 204
    with session_scope() as s:
        assert repo.is_opted_out(s, US_PHONE, "sms")


async def test_retries_after_500_keep_the_order(server):
    server.assistant.script["plan?"] = [{"text": "First line."}, {"text": "Second line."},
                                        {"text": "Third line."}]
    server.standin.fail_next(2, status=500)
    await server.sms(US_PHONE, "plan?")
    bodies = [m.body.split("\n")[0].split(" Reply")[0] for m in server.standin.messages(US_PHONE)]
    assert bodies == ["First line.", "Second line.", "Third line."]
    assert [r.status for r in server.standin.requests] == [500, 500, 201, 201, 201]


async def test_blocked_bot_text_is_not_sent_and_a_safe_fallback_is(server, capsys):
    server.assistant.script["threaten"] = [
        {"text": "Pay today or you will be arrested and go to jail."}]
    await server.sms(US_PHONE, "threaten")
    bodies = [m.body for m in server.standin.messages(US_PHONE)]
    assert len(bodies) == 1
    assert "arrested" not in bodies[0]
    assert bodies[0].startswith("Sorry, I can't answer that by text.")
    [blocked] = contacts(capsys, status="blocked")
    assert "arrested" in blocked["text"]
    assert any(reason.startswith("phrase") for reason in blocked["reasons"])


async def test_unknown_number_gets_nothing_about_a_debt(server):
    server.assistant.script["hi"] = [{"text": "Your debt balance with Acme Bank is $500."}]
    await server.sms(UNKNOWN_PHONE, "hi")
    bodies = [m.body for m in server.standin.messages(UNKNOWN_PHONE)]
    assert len(bodies) == 1 and "$500" not in bodies[0] and "debt" not in bodies[0].lower()


async def test_handoff_payload_sends_nothing_on_sms(server):
    server.assistant.script["agent"] = [{"text": "Connecting you to an agent."},
                                        {"custom": {"handoff": True, "reason": "request_human"}}]
    await server.sms(US_PHONE, "agent")
    bodies = [m.body for m in server.standin.messages(US_PHONE)]
    assert len(bodies) == 1 and bodies[0].startswith("Connecting you to an agent.")
