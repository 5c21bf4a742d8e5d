"""Issue 13 items 4 and 5: the limited-content voicemail and the third-party guard."""

from __future__ import annotations

from dataclasses import replace

import pytest

from compliance_filters import OutgoingMessage, Recipient, check_disclosure, check_voicemail, gate
from tests.compliance.conftest import utc

INSIDE = utc(2026, 3, 10, 15)
STRANGER = Recipient(account_id="A1", debt_id="D1", phones=("+12125550101",), verified=False,
                     creditors=("Acme Bank", "招商银行"))


def rules(decision) -> list:
    return [r.rule for r in decision.reasons]


@pytest.mark.parametrize("text", [
    "Hi John, about your account with Acme Bank, pay here: https://pay.example.com",
    "Your card is late. Reply STOP to opt out.",
    "您在招商银行的信用卡账户需要处理。回复TD退订",
    "您尾号1234的银行卡请尽快处理。",
])
def test_account_card_payment_words_are_withheld_from_an_unverified_party(us, text) -> None:
    decision = gate(us, OutgoingMessage(text, "sms", "reply"), STRANGER, [], INSIDE)
    assert "disclosure" in rules(decision)


@pytest.mark.parametrize("text, name", [("A message from Acme Bank. Reply STOP to opt out.", "acme bank"),
                                        ("这里是招商银行的消息。回复TD退订", "招商银行")])
def test_gate_passes_creditor_names_to_the_guard(us, text, name) -> None:
    decision = gate(us, OutgoingMessage(text, "sms", "reply"), STRANGER, [], INSIDE)
    assert [r.match for r in decision.reasons if r.rule == "disclosure"] == [name]
    verified = replace(STRANGER, verified=True, mini_miranda_given=True)
    assert "disclosure" not in rules(gate(us, OutgoingMessage(text, "sms", "reply"), verified, [], INSIDE))


@pytest.mark.parametrize("text", ["Hello, please call Maria at 800-555-0100.", "您好，请回电4008001234。"])
def test_neutral_call_back_requests_still_pass(text) -> None:
    assert check_disclosure(text, verified=False, creditors=("Acme Bank",)).allowed


GOOD_EN = "Hello, this message is for John. This is Maria from Acme Services. Please call me back at 800-555-0100."
GOOD_ZH = "您好，这是给张伟的留言。我是诚信服务的李娜，请回电4008001234。"


@pytest.mark.parametrize("text", [GOOD_EN, GOOD_ZH])
def test_limited_content_voicemail_passes(text) -> None:
    assert check_voicemail(text).allowed


@pytest.mark.parametrize("text, rule", [
    ("Hello, this message is for John. This is Acme Services. Please call us back at 800-555-0100.",
     "voicemail.missing_name"),
    ("Hello, this is Maria from Acme Services, at 800-555-0100.", "voicemail.missing_request"),
    ("Hello, this is Maria from Acme Services. Please call me back.", "voicemail.missing_number"),
    ("您好，这里是诚信服务，请回电4008001234。", "voicemail.missing_name"),
    ("Hello, this is Maria from Northwind Recovery. Please call me back at 800-555-0100.", "voicemail.company"),
    ("Hello, this is Maria from Acme Receivables. Please call me back at 800-555-0100.", "voicemail.company"),
    ("您好，我是华信资产管理的李娜，请回电4008001234。", "voicemail.company"),
])
def test_voicemail_without_a_required_part_or_with_a_collector_name_is_refused(text, rule) -> None:
    assert rule in rules(check_voicemail(text))


def test_caller_name_from_the_message_counts_as_the_persons_name(us) -> None:
    text = "Hi, it's Dana. Please call me back at 800-555-0100."
    who = replace(STRANGER, verified=True)
    assert "voicemail.missing_name" in rules(check_voicemail(text))
    message = OutgoingMessage(text, "voicemail", "outbound", caller_name="Dana")
    assert gate(us, message, who, [], INSIDE).allowed


@pytest.mark.parametrize("text", ["We can only discuss this with the account holder.", "我们只能与账户本人沟通。"])
def test_the_account_holder_names_the_person_not_the_debt(text) -> None:
    assert check_disclosure(text, verified=False).allowed


def test_the_recipients_own_name_is_not_a_debt_word() -> None:
    """Found wiring campaigns: "Hi Bob Late, ..." was blocked for 'late' in the name."""
    from datetime import datetime, timezone

    from compliance_filters import OutgoingMessage, Recipient, gate, load_pack

    pack = load_pack("us")
    bob = Recipient(account_id="L2", debt_id="1", phones=("+12025550142",), display_name="Bob Late")
    at = datetime(2026, 12, 1, 15, tzinfo=timezone.utc)
    hello = OutgoingMessage("Hi Bob Late, please reply here or call +1 800 555 0199. Reply STOP to opt out.",
                            "sms", "reply")
    late = OutgoingMessage("Hi Bob Late, your payment is late. Reply STOP to opt out.", "sms", "reply")
    assert gate(pack, hello, bob, [], at).allowed
    assert ("disclosure", "late") in {(r.rule, r.match) for r in gate(pack, late, bob, [], at).reasons}
