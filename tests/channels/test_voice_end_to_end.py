"""End to end on the phone with the real trained model (issue 15): `collectbot run` in a
child process, calls driven through the real signed voice webhooks and status callbacks
(`VoiceCall`), the texted payment link captured by the Twilio stand-in. One call per
language (answered, verified by keypad, balance, the link texted, a promise, goodbye,
hang-up) and one answering machine. Every turn's TwiML is checked against twiml_spec."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Dict, List

import pytest

from bot.config import reset_settings
from bot.runtime.harness import RunningAssistant
from bot.runtime.voice_call import CALL_CLOCK_START, CALL_PORTFOLIO, CN_PHONE, US_PHONE, VoiceCall
from tests.channels.twiml_spec import problems

pytestmark = pytest.mark.slow

#: the example calls' debtors, and two answering machines on accounts of their own (a
#: conversation with the others would hold their next call for 7 days)
PORTFOLIO = CALL_PORTFOLIO + (
    "A-US-2,Sam Lee,+12125550102,800.00,en,America/New_York,us,USD,Acme Bank,2026-12-20,"
    "1970-01-02,4321,10001\n"
    "A-CN-2,李雷,+8613800138001,900.00,zh,Asia/Shanghai,cn,CNY,华夏银行,2026-12-20,1991-02-03,8765,\n"
    # the texted-link answers in words (one call each: a call holds the next for 7 days)
    "A-US-3,Ana Ruiz,+12125550103,650.00,en,America/New_York,us,USD,Acme Bank,2026-12-20,"
    "1979-05-06,2468,10001\n"
    "A-CN-3,赵敏,+8613800138002,1200.00,zh,Asia/Shanghai,cn,CNY,华夏银行,2026-12-20,1988-09-10,1357,\n"
)
CLOCK_START = CALL_CLOCK_START


def _use(env: Dict[str, str], mp: pytest.MonkeyPatch) -> None:
    from bot.store.db import reset_engine

    for name, value in env.items():
        mp.setenv(name, value)
    reset_settings()
    reset_engine()


@pytest.fixture(scope="module")
def running(trained_model, tmp_path_factory):
    """One assistant for the module's calls (starting one takes minutes on a busy machine)."""
    from bot.cli import main as cli

    tmp = tmp_path_factory.mktemp("voice_e2e")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}", "TWILIO_AUTH_TOKEN": "e2e-auth-token",
           "COLLECTBOT_API_TOKEN": "e2e-api-token", "COLLECTBOT_HMAC_KEY": "e2e-hmac-key",
           "COLLECTBOT_VAR": str(tmp)}
    with pytest.MonkeyPatch.context() as mp:
        _use(env, mp)
        (tmp / "portfolio.csv").write_text(PORTFOLIO, encoding="utf-8")
        assert cli(["db", "upgrade"]) == 0
        assert cli(["import", str(tmp / "portfolio.csv")]) == 0
        # us artificial-voice calls need the creditor's documented consent
        for account in ("A-US-1", "A-US-2", "A-US-3"):
            assert cli(["consent", "record", account, "--channel", "voice",
                        "--source", "application"]) == 0
        # a busy machine can take minutes to load the model (a wait, not a timing assertion)
        bot = RunningAssistant(trained_model, env={"COLLECTBOT_CLOCK_START": CLOCK_START},
                               log_file=tmp / "server.log").start(timeout=900)
        try:
            bot.log_path = tmp / "server.log"
            # start_call (in this process) places calls at the stand-in the server uses
            bot.test_env = {**env, "TWILIO_API_BASE": bot.standin.url, "PUBLIC_URL": bot.url}
            yield bot
        finally:
            bot.stop()
    reset_settings()


@pytest.fixture(autouse=True)
def _same_store_as_the_server(running, monkeypatch):
    """Each test's own environment (tests/conftest.py resets it) points at the server's."""
    _use(running.test_env, monkeypatch)


def export(kind: str, capsys) -> List[Dict]:
    from bot.cli import main as cli

    capsys.readouterr()
    assert cli(["export", kind, "--format", "jsonl"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def checked(call: VoiceCall) -> None:
    """Every turn of the call is valid TwiML, and nothing spoken is SMS wording."""
    for turn in call.turns:
        assert problems(turn.twiml) == [], turn.twiml
        for text in turn.texts:
            lowered = text.lower()
            assert "http" not in lowered and "reply" not in lowered and "回复" not in text, text


def placed(bot, account_id: str, phone: str) -> VoiceCall:
    """A call placed the way campaigns place them (start_call: gate, Twilio REST, its row)."""
    from bot.channels.outbound import start_call

    result = asyncio.run(start_call(account_id, at=datetime.fromisoformat(CLOCK_START)))
    assert result.sent, result
    return VoiceCall(bot, phone, sid=result.provider_sid)


def play_to_the_end(bot, account_id: str, phone: str, steps, log) -> VoiceCall:
    call = placed(bot, account_id, phone)
    first = call.answer()
    assert first.gather.get("numDigits") == "1", log.read_text()[-3000:]  # "press 1 for yes"
    for kind, value in steps:
        turn = call.press(value) if kind == "keys" else call.say(value)
        if turn.ended:
            break
    return call


def test_an_english_call_by_keypad_and_speech(running, capsys):
    log = running.log_path
    call = play_to_the_end(running, "A-US-1", US_PHONE, [
        ("keys", "1"),
        ("keys", "1234"),
        ("speech", "yeah sure, send it over"),
        ("speech", "I can pay all 500 dollars on December 15"),
        ("speech", "no that's fine"),
        ("speech", "ok that's everything, thanks, bye"),
    ], log)
    checked(call)
    texts = [" ".join(t.texts) for t in call.turns]
    identity = call.turns[1]
    assert (identity.gather.get("numDigits"), identity.gather.get("finishOnKey")) == ("4", "#")
    assert "you're verified" in texts[2] and "debt collector" in texts[2], log.read_text()[-3000:]
    assert "500 dollars" in texts[2] and "December 20" in texts[2]  # spoken, not "$500.00"
    assert "text you a payment link" in texts[2]
    assert "sent the payment link" in texts[3], texts
    # the link goes through the outbox sender, which may still be at it on a busy host
    [sms] = [m.body for m in running.standin.wait_for_messages(1, US_PHONE)]
    assert "https://pay.example.com/A-US-1" in sms and "STOP" in sms
    assert "December 15" in texts[4] and "500 dollars" in texts[4]
    assert call.turns[-1].ended and call.turns[-1].verbs[-1] == "Hangup"
    assert "Goodbye" in texts[-1]
    assert call.completed() == 204
    arrangements = export("arrangements", capsys)
    assert [(a["account_id"], a["total"]) for a in arrangements if a["account_id"] == "A-US-1"] \
        == [("A-US-1", "500.00")]
    outcome = {c["provider_sid"]: c["outcome"] for c in export("contacts", capsys)}
    assert outcome[call.sid] == "answered"


def test_a_chinese_call_by_keypad_and_speech(running, capsys):
    log = running.log_path
    call = play_to_the_end(running, "A-CN-1", CN_PHONE, [
        ("keys", "1"),
        ("keys", "5678"),
        ("speech", "行，发给我吧"),
        ("speech", "我12月10号把三千块都还了"),
        ("speech", "不用了"),
        ("speech", "好的，没别的事了，拜拜"),
    ], log)
    checked(call)
    texts = [" ".join(t.texts) for t in call.turns]
    assert texts[0].startswith("本通话将被录音") and call.turns[0].says[0][1] == "Polly.Zhiyu"
    # the opening names the institution once (the notice), not again in the greeting
    assert texts[0].count("北风信息服务有限公司") == 1 and "Northwind" not in texts[0], texts[0]
    assert sum("本通话将被录音" in t for t in texts) == 1  # once per call
    assert "身份已确认" in texts[2] and "3000元" in texts[2], log.read_text()[-3000:]
    assert "短信" in texts[2]  # the link is offered by text, not read out
    assert "已通过短信发送" in texts[3], texts
    [sms] = [m.body for m in running.standin.wait_for_messages(1, CN_PHONE)]
    assert "https://pay.example.com/A-CN-1" in sms
    assert "12月10日" in texts[4] and "3000元" in texts[4]
    assert call.turns[-1].verbs[-1] == "Hangup" and "再见" in texts[-1]
    assert call.completed() == 204
    arrangements = export("arrangements", capsys)
    assert [a["total"] for a in arrangements if a["account_id"] == "A-CN-1"] == ["3000.00"]
    outcome = {c["provider_sid"]: c["outcome"] for c in export("contacts", capsys)}
    assert outcome[call.sid] == "answered"


@pytest.mark.parametrize("account_id, phone, last4, answer, sent", [
    ("A-US-3", "+12125550103", "2468", "alright, text it to me", "sent the payment link"),
    ("A-CN-3", "+8613800138002", "1357", "好的 发短信给我吧", "已通过短信发送")])
def test_a_yes_to_the_texted_link_in_other_words(running, account_id, phone, last4, answer, sent):
    """"alright, text it to me" / "好的 发短信给我吧" after "I can text you a payment link. Is
    that OK?" is a yes: the link is texted (not "didn't catch that", and never an opt-out)."""
    call = play_to_the_end(running, account_id, phone, [("keys", "1"), ("keys", last4),
                                                        ("speech", answer)], running.log_path)
    checked(call)
    texts = [" ".join(t.texts) for t in call.turns]
    assert sent in texts[3], texts
    [sms] = running.replies_after(phone, 0)  # the outbox sends it after the turn
    assert f"https://pay.example.com/{account_id}" in sms
    assert call.completed() == 204


@pytest.mark.parametrize("account_id, phone, name, callback", [
    ("A-US-2", "+12125550102", "Sam", "8 0 0, 5 5 5, 0 1 9 9"),
    ("A-CN-2", "+8613800138001", "李雷", "请回电")])
def test_an_answering_machine_gets_the_limited_content_voicemail(running, capsys, account_id,
                                                                 phone, name, callback):
    call = placed(running, account_id, phone)
    turn = call.answer(answered_by="machine_end_beep")
    assert problems(turn.twiml) == []
    assert turn.verbs == ("Say", "Hangup")
    [text] = turn.texts
    assert name in text and "Alex Morgan" in text and callback in text
    for word in ("debt", "800", "900", "Acme", "华夏", "欠", "还款"):
        assert word not in text
    assert call.completed(answered_by="machine_end_beep") == 204
    outcome = {c["provider_sid"]: c["outcome"] for c in export("contacts", capsys)}
    assert outcome[call.sid] == "voicemail"
