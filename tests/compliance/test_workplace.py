"""Issue 13 item 1 ("at work"): a work number is not texted or called once contact at work is
known to be prohibited (FDCPA 805(a)(3), Reg F 1006.6(b)(3) and (b)(1))."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from compliance_filters import OutgoingMessage, Recipient, gate
from compliance_filters.inconvenient import says_work_number

AT = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York
WORK, HOME = "+12125550101", "+12125550102"


def _recipient(number: str, *, prohibits: bool, work=(WORK,)) -> Recipient:
    return Recipient(account_id="A1", debt_id="1", phones=(number,), address_zones=("America/New_York",),
                     verified=True, mini_miranda_given=True, work_phones=work, employer_prohibits=prohibits)


@pytest.mark.parametrize("channel, kind", [("sms", "outbound"), ("sms", "reply"), ("voice", "outbound"),
                                           ("voicemail", "outbound")])
def test_a_work_number_is_not_contacted_where_work_contact_is_prohibited(us, channel, kind):
    message = OutgoingMessage("This is Acme Services, a debt collector. Please call us.", channel, kind)
    blocked = gate(us, message, _recipient(WORK, prohibits=True), [], AT)
    assert blocked.status == "blocked" and "place.work" in [r.rule for r in blocked.reasons]
    # the same number without the prohibition, or another number of the same person
    for recipient in (_recipient(WORK, prohibits=False), _recipient(HOME, prohibits=True)):
        assert "place.work" not in [r.rule for r in gate(us, message, recipient, [], AT).reasons]


def test_the_one_confirmation_still_reaches_a_work_number(us):
    message = OutgoingMessage("You will not receive more messages.", "sms", "confirmation")
    assert gate(us, message, _recipient(WORK, prohibits=True), [], AT).allowed


def test_the_cn_pack_applies_it_too(cn):
    recipient = Recipient(account_id="Z1", debt_id="1", phones=("+8613800138000",), language="zh",
                          verified=True, work_phones=("+8613800138000",), employer_prohibits=True)
    decision = gate(cn, OutgoingMessage("您好，请回电。", "sms", "reply"), recipient, [], AT)
    assert "place.work" in [r.rule for r in decision.reasons]


@pytest.mark.parametrize("text, expected", [
    ("this is my work phone, don't call it", True),
    ("you're calling my office line", True),
    ("this number is my work number", True),
    ("你打的是我单位的电话", True),
    ("这是我公司的号码，别打了", True),
    ("don't call me at work", False),
    ("不要在上班时间打电话", False),
])
def test_this_is_my_work_number(text, expected):
    assert says_work_number(text) is expected
