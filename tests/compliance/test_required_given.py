"""Issue 15: a call is one communication; what its earlier turns said is not required again."""

from __future__ import annotations

from compliance_filters import OutgoingMessage, Recipient, add_required_content, load_pack


def _recipient() -> Recipient:
    return Recipient(account_id="A1", debt_id="1", phones=("+12125550101",), language="en",
                     verified=True, mini_miranda_given=True)


def test_the_debt_collector_notice_is_added_unless_the_call_already_said_it() -> None:
    pack = load_pack("us")
    line = OutgoingMessage(text="Your balance is 500 dollars.", channel="voice")
    assert add_required_content(pack, line, _recipient()).endswith("from a debt collector.")
    later = OutgoingMessage(text="Your balance is 500 dollars.", channel="voice",
                            given=("debt_collector_notice",))
    assert add_required_content(pack, later, _recipient()) == "Your balance is 500 dollars."
