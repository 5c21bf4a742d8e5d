"""Issue 15: calls that sound like calls. Keypad answers, prompts the debtor can interrupt,
one recording notice per call, silence and unclear speech, hang-ups mid-turn, and call
outcomes in `export contacts`. Every turn's TwiML is checked against twiml_spec."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.channels.conftest import CN_PHONE, US_PHONE
from tests.channels.test_voice import call, turn

pytestmark = pytest.mark.usefixtures("debtors")


def next_query(root: ET.Element) -> str:
    """The query of the Gather's action URL: where Twilio posts the answer to this turn."""
    return urlsplit(root.find("Gather").get("action")).query


def said(root: ET.Element) -> str:
    return " ".join(s.text or "" for s in root.iter("Say"))


def spoken_rows(account_id: str) -> list:
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import ContactAttempt

    with session_scope() as s:
        return s.execute(select(ContactAttempt.text).where(
            ContactAttempt.account_id == account_id, ContactAttempt.status == "spoken")
            .order_by(ContactAttempt.id)).scalars().all()


# ---------------------------------------------------------------- prompts and barge-in
async def test_every_prompt_is_inside_the_gather_so_the_debtor_can_interrupt_it(server):
    server.assistant.script["/greet"] = [{"text": "Hello, this is Northwind Services."},
                                         {"text": "How can I help you today?"}]
    root = await turn(server, call())
    assert [v.tag for v in root] == ["Gather"]
    gather = root.find("Gather")
    assert gather.get("bargeIn") == "true" and gather.get("input") == "dtmf speech"
    assert [s.text for s in gather.findall("Say")] == [
        "Hello, this is Northwind Services.", "How can I help you today?"]


async def test_cn_recording_notice_is_said_once_per_call_and_cannot_be_talked_over(server):
    sid = "CA" + uuid.uuid4().hex
    server.assistant.script["好的"] = [{"text": "请问还有什么可以帮您？"}]
    first = await turn(server, call(CN_PHONE, CallSid=sid))
    assert first[0].tag == "Say" and "本通话将被录音" in first[0].text  # before the Gather
    second = await turn(server, call(CN_PHONE, CallSid=sid, SpeechResult="好的"),
                        gather=next_query(first))
    third = await turn(server, call(CN_PHONE, CallSid=sid, SpeechResult="好的"),
                       gather=next_query(second))
    assert "本通话将被录音" not in said(second) + said(third)
    # screened and recorded once, as it was said once
    assert sum("本通话将被录音" in text for text in spoken_rows("A-CN-1")) == 1


async def test_amounts_dates_and_numbers_are_spoken_not_read(server):
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:  # the balance is for the verified debtor only
        repo.mark_verified(s, "A-US-1", US_PHONE)
    server.assistant.script["balance"] = [{"text": "You owe $1,240.55, due 2026-12-04. "
                                                   "Or call +1 800 555 0199."}]
    root = await turn(server, call(SpeechResult="balance"), gather=True)
    text = said(root)
    assert "1,240 dollars and 55 cents" in text and "December 4" in text
    assert "8 0 0, 5 5 5, 0 1 9 9" in text and "$" not in text and "2026-12-04" not in text
    assert text in spoken_rows("A-US-1")  # the record says what the debtor heard


# ---------------------------------------------------------------- keypad
@pytest.mark.parametrize("key, message", [("1", "/affirm"), ("2", "/deny")])
async def test_a_yes_no_prompt_takes_one_key(server, key, message):
    server.assistant.script["/start_call"] = [
        {"text": "Am I speaking with Jane Doe? Please say yes or no, or press 1 for yes "
                 "and 2 for no.", "utter_action": "utter_greet_call"}]
    root = await turn(server, call(US_PHONE, outbound=True))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1" and "dtmf" in gather.get("input")
    await turn(server, call(US_PHONE, outbound=True, Digits=key), gather=next_query(root))
    assert server.assistant.received[-1].text == message


async def test_identity_digits_by_keypad_with_a_fixed_length_and_pound(server):
    server.assistant.script["/affirm"] = [
        {"text": "Thank you. Please enter the last four digits of your ID on your keypad, "
                 "then press pound.", "utter_action": "utter_ask_identity_value"}]
    root = await turn(server, call(Digits="1"), gather="turn=gather&expect=yes_no")
    gather = root.find("Gather")
    assert (gather.get("numDigits"), gather.get("finishOnKey")) == ("4", "#")
    await turn(server, call(Digits="1234"), gather=next_query(root))
    message = server.assistant.received[-1].text
    assert message.startswith("/provide_identity")
    assert json.loads(message[len("/provide_identity"):]) == {"id_last4": "1234"}
    # speech is still accepted at the same prompt
    await turn(server, call(SpeechResult="January thirty first 1980"), gather=next_query(root))
    assert server.assistant.received[-1].text == "January thirty first 1980"


async def test_a_number_of_months_by_keypad(server):
    server.assistant.script["plan"] = [
        {"text": "How many months: 3, 6 or 12?", "utter_action": "utter_ask_installment"}]
    root = await turn(server, call(SpeechResult="plan"), gather=True)
    gather = root.find("Gather")
    assert gather.get("finishOnKey") == "#" and gather.get("numDigits") is None
    await turn(server, call(Digits="6"), gather=next_query(root))
    assert server.assistant.received[-1].text == '/propose_installment{"months": "6"}'


async def test_a_goodbye_ends_the_call(server):
    server.assistant.script["bye"] = [{"text": "Thank you for your time. Goodbye.",
                                       "utter_action": "utter_goodbye"}]
    root = await turn(server, call(SpeechResult="bye"), gather=True)
    assert [v.tag for v in root] == ["Say", "Hangup"]


# ---------------------------------------------------------------- silence and unclear speech
async def test_silence_gets_one_reprompt_then_a_polite_close_with_the_callback_number(server):
    sid = "CA" + uuid.uuid4().hex
    first = await turn(server, call(CallSid=sid), gather="turn=gather&expect=yes_no")
    assert "didn't catch that" in said(first)
    assert parse_qs(next_query(first))["quiet"] == ["1"]
    assert parse_qs(next_query(first))["expect"] == ["yes_no"]  # the same question still open
    second = await turn(server, call(CallSid=sid), gather=next_query(first))
    assert [v.tag for v in second] == ["Say", "Hangup"]
    assert "call us back" in said(second) and "8 0 0, 5 5 5, 0 1 9 9" in said(second)
    assert server.assistant.received == []


async def test_an_answer_resets_the_silence_count(server):
    first = await turn(server, call(), gather=True)
    answered = await turn(server, call(SpeechResult="hello"), gather=next_query(first))
    assert parse_qs(next_query(answered))["quiet"] == ["0"]


async def test_unclear_speech_is_asked_again_instead_of_guessed(server):
    first = await turn(server, call(SpeechResult="stop calling me", Confidence="0.21"), gather=True)
    assert server.assistant.received == []
    assert "not sure I heard that right" in said(first)
    # heard twice unclearly: the model gets it, with how sure the recogniser was
    await turn(server, call(SpeechResult="stop calling me", Confidence="0.21"),
               gather=next_query(first))
    [message] = server.assistant.received
    assert message.text == "stop calling me" and message.metadata["speech_confidence"] == 0.21


async def test_the_confidence_floor_is_configurable(server, monkeypatch):
    from bot.config import reset_settings

    monkeypatch.setenv("COLLECTBOT_VOICE_MIN_CONFIDENCE", "0.1")
    reset_settings()
    await turn(server, call(SpeechResult="I can pay fifty", Confidence="0.21"), gather=True)
    assert [m.text for m in server.assistant.received] == ["I can pay fifty"]


def test_a_bad_confidence_floor_is_refused_by_name():
    from bot.config import load_settings

    with pytest.raises(ValueError, match="COLLECTBOT_VOICE_MIN_CONFIDENCE"):
        load_settings({"COLLECTBOT_VOICE_MIN_CONFIDENCE": "1.5", "COLLECTBOT_API_TOKEN": "t",
                       "COLLECTBOT_HMAC_KEY": "k"})


# ---------------------------------------------------------------- outcomes and hang-ups
def _placed_call(sid: str) -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        repo.record_contact(s, account_id="A-US-1", channel="voice", direction="outbound",
                            to=US_PHONE, from_="+15005550006", status="sent", text="",
                            provider_sid=sid)


def _outcomes(capsys) -> dict:
    from bot.cli import main

    capsys.readouterr()
    assert main(["export", "contacts", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return {r["provider_sid"]: r["outcome"] for r in rows if r["provider_sid"]}


async def _status(server, sid: str, **fields) -> None:
    status, _ = await server.post("/webhooks/twilio_voice/status",
                                  {"CallSid": sid, "AccountSid": "AC" + "0" * 32, **fields})
    assert status == 204


@pytest.mark.parametrize("fields, outcome", [
    ({"CallStatus": "completed", "AnsweredBy": "machine_end_beep"}, "voicemail"),
    ({"CallStatus": "no-answer"}, "no_answer"),
    ({"CallStatus": "busy"}, "busy"),
    ({"CallStatus": "failed", "ErrorCode": "13224"}, "failed"),
    ({"CallStatus": "completed", "AnsweredBy": "human"}, "hung_up_early"),
])
async def test_status_callbacks_become_call_outcomes_in_export_contacts(server, capsys, fields,
                                                                        outcome):
    sid = "CA" + uuid.uuid4().hex
    _placed_call(sid)
    await _status(server, sid, **fields)
    assert _outcomes(capsys)[sid] == outcome


async def test_a_call_we_end_stays_answered_when_twilio_reports_it_completed(server, capsys):
    sid = "CA" + uuid.uuid4().hex
    _placed_call(sid)
    server.assistant.script["bye"] = [{"text": "Goodbye.", "utter_action": "utter_goodbye"}]
    await turn(server, call(US_PHONE, outbound=True, CallSid=sid))
    await turn(server, call(US_PHONE, outbound=True, CallSid=sid, SpeechResult="bye"), gather=True)
    await _status(server, sid, CallStatus="completed", AnsweredBy="human")
    assert _outcomes(capsys)[sid] == "answered"


async def test_an_answering_machine_call_is_a_voicemail_outcome(server, capsys):
    sid = "CA" + uuid.uuid4().hex
    _placed_call(sid)
    await turn(server, call(US_PHONE, outbound=True, CallSid=sid, AnsweredBy="machine_start"))
    await _status(server, sid, CallStatus="completed", AnsweredBy="machine_start")
    assert _outcomes(capsys)[sid] == "voicemail"


async def test_a_hang_up_during_the_turn_leaves_a_consistent_record(server, capsys):
    """Twilio reports the call completed while the assistant is still answering: the
    answer is never played, so it is not recorded as spoken; the call row says why."""
    import asyncio

    sid = "CA" + uuid.uuid4().hex
    _placed_call(sid)
    await turn(server, call(US_PHONE, outbound=True, CallSid=sid))
    before = len(spoken_rows("A-US-1"))

    def hang_up(message):  # the status callback arrives while the turn runs
        server.voice_channel.handle_status({"CallSid": sid, "CallStatus": "completed",
                                            "AnsweredBy": "human"})

    server.assistant.hooks["I will pay on Friday"] = hang_up
    server.assistant.script["I will pay on Friday"] = [{"text": "Thank you, noted for Friday."}]
    root = await turn(server, call(US_PHONE, outbound=True, CallSid=sid,
                                   SpeechResult="I will pay on Friday"), gather=True)
    await asyncio.sleep(0)
    assert [v.tag for v in root] == ["Hangup"]
    assert len(spoken_rows("A-US-1")) == before  # nothing recorded as said
    assert _outcomes(capsys)[sid] == "hung_up_early"
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import ContactAttempt

    with session_scope() as s:
        row = s.execute(select(ContactAttempt).where(ContactAttempt.provider_sid == sid)).scalar_one()
        heard = s.execute(select(ContactAttempt.text).where(
            ContactAttempt.status == "heard")).scalars().all()
        assert any("1 line(s) not said" in r for r in row.reasons)
    assert "I will pay on Friday" in heard  # what the debtor said is kept


# ---------------------------------------------------------------- voicemail, both languages
@pytest.mark.parametrize("phone, caller_env", [(US_PHONE, "COLLECTBOT_CALLER_NAME"),
                                               (CN_PHONE, "COLLECTBOT_CALLER_NAME")])
async def test_a_voicemail_without_a_person_to_call_back_is_not_left(server, monkeypatch, phone,
                                                                     caller_env):
    """12 CFR 1006.2(j) through check_voicemail: a person's name is required in en and zh."""
    from bot.config import reset_settings

    monkeypatch.setenv(caller_env, " ")
    reset_settings()
    root = await turn(server, call(phone, outbound=True, AnsweredBy="machine_start"))
    assert [v.tag for v in root] == ["Hangup"]


async def test_the_debt_collector_notice_is_said_once_per_call_not_after_every_line(server):
    """Reg F 1006.18(e): a later communication says it is from a debt collector. A call is
    one communication: its first turn says it once (not after each line), later turns not."""
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        repo.mark_verified(s, "A-US-1", US_PHONE)
        repo.mark_mini_miranda_given(s, "A-US-1")
    sid = "CA" + uuid.uuid4().hex
    server.assistant.script["/greet"] = [{"text": "Hello Jane."}, {"text": "How can I help?"}]
    server.assistant.script["balance"] = [{"text": "You owe 500 dollars."}]
    first = await turn(server, call(CallSid=sid))
    second = await turn(server, call(CallSid=sid, SpeechResult="balance"), gather=next_query(first))
    assert said(first).count("debt collector") == 1
    assert said(first).endswith("This message is from a debt collector.")
    assert "debt collector" not in said(second)
    # a new call is a new communication
    third = await turn(server, call(SpeechResult="balance"), gather=True)
    assert said(third).count("debt collector") == 1
