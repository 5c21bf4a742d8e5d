"""The compliant voice channel: TwiML per debtor language, outbound keyed on To,
answering machines, handoff, and a next step in every response."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from tests.channels.conftest import AGENT_NUMBER, CN_PHONE, OUR_NUMBER, PUBLIC_URL, US_PHONE
from tests.channels.twiml_spec import problems

pytestmark = pytest.mark.usefixtures("debtors")
NEXT_STEPS = {"Gather", "Dial", "Hangup"}


def call(debtor=US_PHONE, *, outbound=False, **extra):
    params = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
              "CallStatus": "in-progress",
              "Direction": "outbound-api" if outbound else "inbound",
              "From": OUR_NUMBER if outbound else debtor,
              "To": debtor if outbound else OUR_NUMBER}
    params.update(extra)
    return params


async def turn(server, params, gather=False):
    """One signed voice turn; its TwiML must be valid per Twilio's reference (twiml_spec).
    `gather` is True for a plain answer or the Gather action query of the previous turn."""
    query = gather if isinstance(gather, str) else ("turn=gather" if gather else "")
    path = "/webhooks/twilio_voice/webhook" + (f"?{query}" if query else "")
    status, body = await server.post(path, params)
    assert status == 200, body
    assert problems(body) == [], body
    root = ET.fromstring(body)
    assert root.tag == "Response"
    verbs = list(root)
    assert verbs and verbs[-1].tag in NEXT_STEPS, body  # never a response without a next step
    return root


async def test_inbound_call_gathers_speech_and_dtmf_in_english(server):
    root = await turn(server, call())
    [message] = server.assistant.received
    assert (message.text, message.sender_id, message.input_channel) == (
        "/greet", US_PHONE, "twilio_voice")
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("language") == "en-US"
    assert gather.get("action").startswith(f"{PUBLIC_URL}/webhooks/twilio_voice/webhook?turn=gather")
    say = gather.find("Say")
    assert say.get("voice") == "Polly.Joanna"
    assert say.text.startswith("You said: /greet")
    assert "本通话将被录音" not in ET.tostring(root, encoding="unicode")


async def test_cn_call_announces_recording_and_speaks_mandarin(server):
    root = await turn(server, call(CN_PHONE))
    first = root[0]
    assert first.tag == "Say" and "本通话将被录音" in first.text
    gather = root.find("Gather")
    assert gather.get("language") == "cmn-Hans-CN"  # speech recognition's tag, not Polly's
    assert gather.find("Say").get("voice") == "Polly.Zhiyu"


async def test_cn_call_opening_names_the_collector_and_the_institution(server):
    root = await turn(server, call(CN_PHONE))
    notice = root[0].text
    assert "本通话将被录音" in notice and "工号1024" in notice and "北风信息服务有限公司" in notice


async def test_cn_call_without_an_identifiable_collector_hangs_up(server, monkeypatch):
    from bot.config import reset_settings

    monkeypatch.setenv("COLLECTBOT_COMPANY_ZH", "Northwind")  # no institution a debtor can name
    reset_settings()
    root = await turn(server, call(CN_PHONE))
    assert [v.tag for v in root] == ["Hangup"]


async def test_outbound_call_is_keyed_on_to(server):
    await turn(server, call(US_PHONE, outbound=True))
    [message] = server.assistant.received
    assert (message.sender_id, message.text) == (US_PHONE, "/start_call")


async def test_speech_and_digits_are_passed_on(server):
    await turn(server, call(SpeechResult="I can pay fifty dollars"), gather=True)
    await turn(server, call(Digits="1234"), gather=True)
    assert [m.text for m in server.assistant.received] == ["I can pay fifty dollars", "1234"]


async def test_empty_gather_result_reprompts(server):
    root = await turn(server, call(), gather=True)
    assert server.assistant.received == []
    assert "didn't catch that" in root.find("Gather").find("Say").text


@pytest.mark.parametrize("answered_by", ["machine_start", "machine_end_beep"])
async def test_answering_machine_gets_limited_content_voicemail(server, answered_by):
    root = await turn(server, call(US_PHONE, outbound=True, AnsweredBy=answered_by))
    assert server.assistant.received == []
    assert [v.tag for v in root] == ["Say", "Hangup"]
    text = root[0].text
    # 12 CFR 1006.2(j): a natural person's name, a request to reply, the call-back number
    assert "Jane" in text and "Alex Morgan" in text and "Northwind Services" in text
    assert "call me back" in text and "8 0 0, 5 5 5, 0 1 9 9" in text  # read digit by digit
    for word in ("debt", "collect", "recovery", "500", "Acme"):
        assert word.lower() not in text.lower()


async def test_cn_answering_machine_gets_a_limited_content_voicemail_in_chinese(server):
    root = await turn(server, call(CN_PHONE, outbound=True, AnsweredBy="machine_start"))
    assert [v.tag for v in root] == ["Say", "Hangup"]
    text = root[0].text
    assert "王芳" in text and "Alex Morgan" in text and "请回电" in text
    for word in ("欠", "还款", "华夏银行", "3000"):
        assert word not in text


async def test_a_company_name_that_says_collection_is_refused_in_a_voicemail(server, monkeypatch):
    from bot.config import reset_settings

    monkeypatch.setenv("COLLECTBOT_COMPANY", "Northwind Recovery")
    reset_settings()
    root = await turn(server, call(US_PHONE, outbound=True, AnsweredBy="machine_start"))
    assert [v.tag for v in root] == ["Hangup"]  # nothing said rather than a revealing name


async def test_handoff_dials_the_agents(server):
    server.assistant.script["agent please"] = [
        {"text": "I'm connecting you with an agent."},
        {"custom": {"handoff": True, "reason": "request_human"}}]
    root = await turn(server, call(SpeechResult="agent please"), gather=True)
    assert [v.tag for v in root] == ["Say", "Dial"]
    assert root.find("Dial").text == AGENT_NUMBER


async def test_blocked_voice_text_is_replaced_by_the_spoken_fallback(server):
    server.assistant.script["threat"] = [{"text": "We will send the police to arrest you."},
                                         {"text": "You will go to jail."}]
    root = await turn(server, call(SpeechResult="threat"), gather=True)
    spoken = ET.tostring(root, encoding="unicode")
    assert "police" not in spoken and "jail" not in spoken
    assert [v.tag for v in root] == ["Gather"]  # one fallback (not two), then listen
    assert "on this call" in root.find("Gather/Say").text


async def test_cn_recording_notice_is_screened_and_recorded(server):
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import ContactAttempt, EvidenceRecord

    await turn(server, call(CN_PHONE))
    with session_scope() as s:
        spoken = s.execute(select(ContactAttempt.text).where(
            ContactAttempt.direction == "outbound", ContactAttempt.channel == "voice")
            .order_by(ContactAttempt.id)).scalars().all()
        decisions = s.execute(select(EvidenceRecord.payload).where(
            EvidenceRecord.kind == "decision")).scalars().all()
    assert "本通话将被录音" in spoken[0]  # recorded first, as it was said first
    assert len(decisions) == len(spoken)  # every spoken line has its decision


async def test_forged_voice_webhook_is_refused(server):
    status, _ = await server.post("/webhooks/twilio_voice/webhook", call(), signature="forged")
    assert status == 403
    assert server.assistant.received == []



async def test_a_voice_opt_out_is_confirmed_and_the_call_ends(server):
    """action_opt_out on a call records a voice opt-out and marks its answer the
    confirmation: that line is said (an ordinary line is now blocked) and the call ends."""
    from bot.store import repo
    from bot.store.db import session_scope

    def record_voice_optout(message):
        with session_scope() as s:
            repo.record_optout(s, account_id="A-US-1", phone=US_PHONE, channel="voice", source="nlu")

    server.assistant.hooks["stop calling me"] = record_voice_optout
    server.assistant.script["stop calling me"] = [
        {"text": "Understood. We will not call you again.", "message_kind": "confirmation"},
        {"text": "Is there anything else?"}]
    root = await turn(server, call(SpeechResult="stop calling me"), gather=True)
    assert [v.tag for v in root] == ["Say", "Hangup"]
    assert "not call you again" in root[0].text


async def test_one_contact_record_per_call_not_per_spoken_line(server):
    """Three lines said and one heard in a call are one contact for the caps (the cn
    pack allows 3 answered calls a day: three lines must not use them up)."""
    from bot.store import repo
    from bot.store.db import session_scope

    sid = "CA" + uuid.uuid4().hex
    server.assistant.script["好的"] = [{"text": "您好"}, {"text": "请稍等"}, {"text": "谢谢"}]
    await turn(server, call(CN_PHONE, CallSid=sid))
    await turn(server, call(CN_PHONE, CallSid=sid, SpeechResult="好的"), gather=True)
    with session_scope() as s:
        history = repo.contact_history(s, "A-CN-1")
    assert [(h.channel, h.outcome, h.initiated_by) for h in history] == [
        ("voice", "conversation", "debtor")]
