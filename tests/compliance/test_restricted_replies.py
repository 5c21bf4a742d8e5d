"""Issue 13 item 2 (library piece): while a dispute, an attorney or a bankruptcy is on file,
replies carry no collection content; they acknowledge and hand off."""

from __future__ import annotations

from dataclasses import replace

import pytest

from compliance_filters import OutgoingMessage, Recipient, gate
from tests.compliance.conftest import utc

INSIDE = utc(2026, 3, 10, 15)
WHO = Recipient(account_id="A1", debt_id="D1", phones=("+12125550101",), verified=True, mini_miranda_given=True)
TAIL = " This message is from a debt collector. Reply STOP to opt out."


@pytest.mark.parametrize("status", ["dispute", "attorney", "bankruptcy"])
@pytest.mark.parametrize("text", ["Your balance is $412.18." + TAIL, "Pay here: https://pay.example.com" + TAIL,
                                  "We can offer a payment plan." + TAIL, "您的还款方案已生成。本信息来自债务催收机构。回复STOP退订。"])
def test_collection_content_is_held_back(us, status, text) -> None:
    who = replace(WHO, statuses=frozenset({status}))
    decision = gate(us, OutgoingMessage(text, "sms", "reply"), who, [], INSIDE)
    assert [r.rule for r in decision.reasons] == [f"status.{status}.collection_content"]
    assert gate(us, OutgoingMessage(text, "sms", "reply"), WHO, [], INSIDE).allowed


@pytest.mark.parametrize("text", ["Thank you. A team member will contact you shortly." + TAIL,
                                  "感谢告知，我们的工作人员会尽快联系您。本信息来自债务催收机构。回复STOP退订。"])
def test_acknowledgement_and_handoff_still_go(us, text) -> None:
    who = replace(WHO, statuses=frozenset({"dispute"}))
    assert gate(us, OutgoingMessage(text, "sms", "reply"), who, [], INSIDE).allowed
