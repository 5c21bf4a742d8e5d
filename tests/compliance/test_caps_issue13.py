"""Issue 13 item 7: caps counted right (debtor-started conversations, limit 0, state caps,
cn caps per person across accounts)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from compliance_filters import OutgoingMessage, check_caps, gate, load_pack
from tests.compliance.test_caps import AT, ME, rec


def test_overlay_limit_zero_closes_the_channel(us) -> None:
    closed = load_pack("us", overlay={"creditor": "acme", "caps": [{"name": "sms_daily", "limit": 0}]})
    decision = check_caps(closed, "sms", ME, [], AT)
    assert decision.status == "blocked"
    assert [r.rule for r in decision.reasons] == ["cap.sms_daily"]
    assert check_caps(us, "sms", ME, [], AT).allowed
    sms = OutgoingMessage("Your plan payment is due Friday. Reply STOP to opt out.", "sms", "outbound")
    who = replace(ME, verified=True, mini_miranda_given=True)
    assert gate(closed, sms, who, [], AT).status == "blocked"


def test_new_overlay_cap_with_limit_zero_blocks_too() -> None:
    pack = load_pack("us", overlay={"caps": [{"name": "no_voice", "channel": "voice", "scope": "debt",
                                              "outcomes": "any", "limit": 0, "period_hours": 24}]})
    assert check_caps(pack, "voice", ME, [], AT).status == "blocked"
    assert check_caps(pack, "sms", ME, [], AT).allowed


def test_massachusetts_and_nyc_allow_two_calls_in_seven_days(us) -> None:
    two = [rec(100), rec(50)]
    assert check_caps(us, "voice", ME, two, AT).allowed                     # no state: 7 in 7
    for state in ("MA", "ma", "NYC"):
        decision = check_caps(us, "voice", replace(ME, state=state), two, AT)
        assert decision.status == "deferred"
        assert decision.next_allowed_at == AT - timedelta(hours=100) + timedelta(hours=168)
    assert check_caps(us, "voice", replace(ME, state="NY"), two, AT).allowed  # NY state: federal cap
    assert check_caps(us, "voice", replace(ME, state="MA"), [rec(100)], AT).allowed


def test_cn_answered_calls_are_counted_per_person_across_accounts(cn) -> None:
    # the person's history across their accounts (debts D1, D2, D3): 3 answered calls today
    history = [rec(1, outcome="answered", debt="D1"), rec(2, outcome="answered", debt="D2"),
               rec(3, outcome="answered", debt="D3")]
    person = replace(ME, phones=("+8613800138000",))
    assert [r.rule for r in check_caps(cn, "voice", person, history, AT).reasons] == ["cap.voice_answered_daily"]
    assert check_caps(cn, "voice", person, history[:2], AT).allowed

