"""Issue 13 item 3: pack-driven STOP/START/HELP with variants; FCC 24-18 revocation and
consent before artificial-voice calls."""

from __future__ import annotations

from dataclasses import replace

import pytest

from compliance_filters import OutgoingMessage, Recipient, gate, keyword_action, load_pack
from tests.compliance.conftest import utc

INSIDE = utc(2026, 3, 10, 15)
WHO = Recipient(account_id="A1", debt_id="D1", phones=("+12125550101",), verified=True, mini_miranda_given=True)


@pytest.mark.parametrize("body", ["STOP", "stop", "STOP!!", "Stop please", "please stop", "opt out", "opt-out",
                                  "OPT_OUT", "Unsubscribe.", "ＳＴＯＰ", "退订", "TD", "td", "我要退订", "请退订，谢谢"])
@pytest.mark.parametrize("pack_name", ["us", "cn"])
def test_opt_out_variants(pack_name, body) -> None:
    assert keyword_action(load_pack(pack_name), body) == "optout"


@pytest.mark.parametrize("body", ["please don't stop my plan", "stop calling me at work and I will pay",
                                  "I want to pay", "我要还款", "", "   "])
def test_ordinary_messages_are_not_keywords(us, body) -> None:
    assert keyword_action(us, body) is None


def test_start_help_and_yes(us, cn) -> None:
    assert keyword_action(us, "Start") == "optin"
    assert keyword_action(us, "help!") == "help"
    assert keyword_action(cn, "帮助") == "help"
    assert keyword_action(us, "yes") is None
    assert keyword_action(us, "YES", opted_out=True) == "optin"


def test_creditor_overlay_adds_opt_out_words(us) -> None:
    acme = load_pack("us", overlay={"creditor": "acme", "keywords": {"optout": ["LEAVE ME ALONE"]}})
    assert keyword_action(acme, "leave me alone!") == "optout"
    assert keyword_action(us, "leave me alone!") is None


ROBOCALL = OutgoingMessage("Hello, this is an automated call from Acme Services, a debt collector.", "voice", "outbound",
                           artificial_voice=True)
ROBOTEXT = OutgoingMessage("Your plan payment is due Friday. From a debt collector. Reply STOP to opt out.", "sms", "outbound")


def rules(decision) -> list:
    return [r.rule for r in decision.reasons]


def test_sms_revocation_stops_artificial_voice_calls(us) -> None:
    consented = replace(WHO, consents=frozenset({"artificial_voice"}))
    assert gate(us, ROBOCALL, consented, [], INSIDE).allowed
    revoked = replace(consented, opted_out=frozenset({"sms"}))
    assert rules(gate(us, ROBOCALL, revoked, [], INSIDE)) == ["optout.robo"]
    live_agent = replace(ROBOCALL, artificial_voice=False, sender="agent")
    assert gate(us, live_agent, revoked, [], INSIDE).allowed


def test_voice_revocation_stops_robotexts(us) -> None:
    revoked = replace(WHO, opted_out=frozenset({"voice"}))
    assert rules(gate(us, ROBOTEXT, revoked, [], INSIDE)) == ["optout.robo"]
    # the single confirmation and replies in a conversation the debtor started still go
    reply = replace(ROBOTEXT, kind="reply")
    assert gate(us, reply, revoked, [], INSIDE).allowed


def test_artificial_voice_call_needs_consent(us) -> None:
    assert rules(gate(us, ROBOCALL, WHO, [], INSIDE)) == ["consent.artificial_voice"]
    assert "consent.artificial_voice" not in rules(gate(us, replace(ROBOCALL, artificial_voice=False), WHO, [], INSIDE))
