"""Consent/status hard stops, the third-party guard and the voicemail limit."""

from __future__ import annotations

import pytest

from compliance_filters import (
    OutgoingMessage,
    Recipient,
    check_disclosure,
    check_status,
    check_voicemail,
)

BASE = Recipient(account_id="A1", debt_id="D1", phones=("+12125550101",))


def rules(decision) -> list:
    return [r.rule for r in decision.reasons]


def with_(**kw) -> Recipient:
    from dataclasses import replace

    return replace(BASE, **kw)


@pytest.mark.parametrize("opted, channel, blocked", [
    ({"sms"}, "sms", ["optout.sms"]),
    ({"sms"}, "voice", []),
    ({"voice"}, "voicemail", ["optout.voice"]),
    ({"all"}, "sms", ["optout.sms"]),
    ({"all"}, "voice", ["optout.voice"]),
])
def test_optout_is_per_channel(us, opted, channel, blocked) -> None:
    message = OutgoingMessage("Hello", channel, "reply")
    assert rules(check_status(us, message, with_(opted_out=frozenset(opted)))) == blocked


def test_the_single_confirmation_passes_optout_and_cease(us) -> None:
    who = with_(opted_out=frozenset({"sms"}), statuses=frozenset({"cease"}))
    assert check_status(us, OutgoingMessage("You are unsubscribed.", "sms", "confirmation"), who).allowed
    assert rules(check_status(us, OutgoingMessage("Hi", "sms", "reply"), who)) == ["status.cease", "optout.sms"]


@pytest.mark.parametrize("status", ["attorney", "bankruptcy", "deceased", "dispute", "wrong_number"])
def test_statuses_stop_new_contact_attempts(us, status) -> None:
    who = with_(statuses=frozenset({status}))
    assert rules(check_status(us, OutgoingMessage("Hi", "sms", "outbound"), who)) == [f"status.{status}"]
    assert check_status(us, OutgoingMessage("Thank you, a colleague will follow up.", "sms", "reply"), who).allowed


def test_cease_stops_replies_too(cn) -> None:
    who = with_(statuses=frozenset({"cease"}))
    assert rules(check_status(cn, OutgoingMessage("好的", "sms", "reply"), who)) == ["status.cease"]


@pytest.mark.parametrize("text, found", [
    ("You owe $1,200.00 to Acme Bank.", ["$1", "owe"]),
    ("Your balance is 80 USD.", ["80 usd", "balance"]),
    ("This is about your debt.", ["debt"]),
    ("We are a collection agency.", ["collection"]),
    ("您有一笔逾期欠款500元。", ["500元", "逾期", "欠款"]),
    ("请尽快還款。", ["还款"]),
    ("我们是催收公司。", ["催收"]),
    ("Ｙｏｕ ｏｗｅ ＄５０", ["$5", "owe"]),
])
def test_debt_details_are_not_disclosed_before_verification(text, found) -> None:
    decision = check_disclosure(text, verified=False)
    assert decision.status == "blocked"
    assert [r.match for r in decision.reasons] == found
    assert set(rules(decision)) == {"disclosure"}
    assert check_disclosure(text, verified=True).allowed


def test_creditor_name_counts_as_disclosure() -> None:
    decision = check_disclosure("A message from Acme Bank.", verified=False, creditors=["ACME Bank"])
    assert [r.match for r in decision.reasons] == ["acme bank"]
    assert check_disclosure("A message from Acme Bank.", verified=False).allowed


@pytest.mark.parametrize("text", [
    "Hello, this is Maria from Acme Services. Please call us back at 800-555-0100.",
    "您好，这里是诚信服务，请回电4008001234。",
    "Please confirm your date of birth to continue.",
])
def test_neutral_texts_disclose_nothing(text) -> None:
    assert check_disclosure(text, verified=False).allowed


def test_voicemail_limited_content() -> None:
    ok = ("Hello, this message is for John. This is Maria from Acme Services. Please call me back at "
          "(212) 555-0100. Thank you.")
    assert check_voicemail(ok).allowed
    assert check_voicemail("您好，这是给张伟的留言。我是诚信服务的李娜。请回电13800138000。谢谢。").allowed
    bad = check_voicemail("John, call Acme Collections about account 99817263 or pay at https://pay.example.com")
    assert rules(bad) == ["voicemail.disclosure", "voicemail.disclosure", "voicemail.missing_name",
                          "voicemail.missing_number", "voicemail.link", "voicemail.number"]
    assert [r.match for r in bad.reasons][:2] == ["collections", "account"]
