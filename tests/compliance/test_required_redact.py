"""Required content (what is missing, and adding it) and redaction for logs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from compliance_filters import (
    OutgoingMessage,
    Recipient,
    add_required_content,
    check_required_content,
    redact,
)

EN = Recipient(account_id="A1", debt_id="D1", phones=("+12125550101",))
ZH = replace(EN, language="zh")
MIRANDA = ("This is a debt collector attempting to collect a debt; any information obtained will "
           "be used for that purpose.")


def test_us_sms_needs_the_optout_line(us) -> None:
    message = OutgoingMessage("Hello from Acme", "sms", "outbound")
    decision = check_required_content(us, message, EN)
    assert (decision.status, decision.missing) == ("blocked", ("optout_line",))
    assert [r.rule for r in decision.reasons] == ["required.optout_line"]
    assert add_required_content(us, message, EN) == "Hello from Acme. Reply STOP to opt out."
    assert add_required_content(us, message, ZH) == "Hello from Acme。回复STOP退订。"
    done = replace(message, text=add_required_content(us, message, EN))
    assert check_required_content(us, done, EN).allowed
    assert add_required_content(us, done, EN) == done.text  # nothing added twice


def test_confirmation_and_voice_need_no_optout_line(us) -> None:
    assert check_required_content(us, OutgoingMessage("You are unsubscribed.", "sms", "confirmation"), EN).allowed
    assert check_required_content(us, OutgoingMessage("Hello", "voice", "reply"), EN).allowed


def test_mini_miranda_on_the_first_verified_conversation(us) -> None:
    verified = replace(EN, verified=True)
    message = OutgoingMessage("Thanks, you're verified. Reply STOP to opt out.", "sms", "reply")
    decision = check_required_content(us, message, verified)
    assert decision.missing == ("mini_miranda",)
    assert add_required_content(us, message, verified) == message.text + " " + MIRANDA
    # later communications: "from a debt collector" every time (issue 13 item 6)
    later = check_required_content(us, message, replace(verified, mini_miranda_given=True))
    assert later.missing == ("debt_collector_notice",)
    assert check_required_content(us, message, EN).allowed  # not verified: not yet
    voice = OutgoingMessage("Thank you.", "voice", "reply")
    assert add_required_content(us, voice, replace(ZH, verified=True)).endswith("用于此目的。")


def test_existing_template_wording_counts_as_present(us) -> None:
    text = ("Thank you, Ann, you're verified. This is a debt collector attempting to collect a debt; "
            "any information obtained will be used for that purpose. reply  stop to opt out")
    assert check_required_content(us, OutgoingMessage(text, "sms"), replace(EN, verified=True)).allowed
    zh = "谢谢，身份已确认。我们是债务催收机构，正在就一笔欠款与您联系，获得的任何信息都将用于此目的。回复ＳＴＯＰ退订"
    assert check_required_content(us, OutgoingMessage(zh, "sms"), replace(ZH, verified=True)).allowed


def test_cn_sms_and_call_opening(cn) -> None:
    sms = OutgoingMessage("您好，这里是诚信服务。", "sms", "outbound")
    assert add_required_content(cn, sms, ZH) == "您好，这里是诚信服务。回复TD退订"
    call = OutgoingMessage("您好，请问是张先生吗？", "voice", "outbound")
    assert check_required_content(cn, call, ZH).missing == ("recording_notice",)
    assert add_required_content(cn, call, ZH) == "您好，请问是张先生吗？本通话将被录音。"
    assert check_required_content(cn, OutgoingMessage("好的", "voice", "reply"), ZH).allowed


@pytest.mark.parametrize("text, expected", [
    ("Call me at +1 212-555-0101 tomorrow", "Call me at [PHONE] tomorrow"),
    ("my cell is (212) 555-0101", "my cell is [PHONE]"),
    ("我的手机13800138000", "我的手机[PHONE]"),
    ("SSN 123-45-6789 on file", "SSN [SSN] on file"),
    ("born 1980-01-31, ok", "born [DATE], ok"),
    ("DOB 01/31/1980", "DOB [DATE]"),
    ("生日1980年1月31日", "生日[DATE]"),
    ("身份证110105199001011234", "身份证[ID]"),
    ("ID 11010519900101123X here", "ID [ID] here"),
    ("account 4111 1111 1111 1111 closed", "account [ACCOUNT] closed"),
    ("acct #AB-99817", "[ACCOUNT]"),
    ("pay $80.00 by Friday", "pay $80.00 by Friday"),
])
def test_redact(text, expected) -> None:
    assert redact(text) == expected
