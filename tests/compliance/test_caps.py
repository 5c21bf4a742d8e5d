"""Frequency caps over a passed-in history (rolling windows, blocked-until)."""

from __future__ import annotations

from datetime import timedelta

from compliance_filters import ContactRecord, Recipient, check_caps
from tests.compliance.conftest import utc

AT = utc(2026, 3, 10, 15)
NUMBER = "+12125550101"
ME = Recipient(account_id="A1", debt_id="D1", phones=(NUMBER,))


def rec(hours_ago: float, channel: str = "voice", outcome: str = "no_answer", debt: str = "D1",
        number: str = NUMBER, by: str = "collector") -> ContactRecord:
    return ContactRecord(AT - timedelta(hours=hours_ago), channel, debt, number, outcome, by)


def test_no_history_is_allowed(us, cn) -> None:
    for pack in (us, cn):
        for channel in ("sms", "voice", "voicemail"):
            assert check_caps(pack, channel, ME, [], AT).allowed


def test_us_seven_calls_in_seven_days(us) -> None:
    six = [rec(24 * d + 1) for d in range(6)]
    assert check_caps(us, "voice", ME, six, AT).allowed
    seven = six + [rec(150)]  # oldest of the seven: 150 h ago
    decision = check_caps(us, "voice", ME, seven, AT)
    assert decision.status == "deferred"
    assert [r.rule for r in decision.reasons] == ["cap.voice_7_in_7"]
    assert decision.next_allowed_at == AT - timedelta(hours=150) + timedelta(days=7)
    # the cap is per debt, debtor-initiated calls and calls older than 7 days do not count
    other = six + [rec(150, debt="D2")]
    assert check_caps(us, "voice", ME, other, AT).allowed
    theirs = six + [rec(150, by="debtor")]
    assert check_caps(us, "voice", ME, theirs, AT).allowed
    old = six + [rec(24 * 7)]
    assert check_caps(us, "voice", ME, old, AT).allowed


def test_us_no_call_within_seven_days_of_a_conversation(us) -> None:
    decision = check_caps(us, "voice", ME, [rec(30, outcome="conversation")], AT)
    assert [r.rule for r in decision.reasons] == ["cap.voice_after_conversation"]
    assert decision.next_allowed_at == AT - timedelta(hours=30) + timedelta(days=7)
    assert check_caps(us, "voicemail", ME, [rec(30, outcome="answered")], AT).status == "deferred"
    # issue 13 item 7: a conversation the debtor started counts too (1006.14(b)(2)(ii))
    assert check_caps(us, "voice", ME, [rec(30, outcome="conversation", by="debtor")], AT).status == "deferred"
    # ... but a debtor's calls are not collector attempts for the 7-in-7 count
    assert check_caps(us, "voice", ME, [rec(h, outcome="no_answer", by="debtor") for h in range(1, 9)], AT).allowed
    assert check_caps(us, "sms", ME, [rec(30, outcome="conversation")], AT).allowed


def test_us_one_sms_reminder_per_day_per_debt(us) -> None:
    decision = check_caps(us, "sms", ME, [rec(5, channel="sms", outcome="delivered")], AT)
    assert [r.rule for r in decision.reasons] == ["cap.sms_daily"]
    assert decision.next_allowed_at == AT + timedelta(hours=19)
    assert check_caps(us, "sms", ME, [rec(24, channel="sms")], AT).allowed
    assert check_caps(us, "sms", ME, [rec(5, channel="sms", debt="D2")], AT).allowed
    assert check_caps(us, "voice", ME, [rec(5, channel="sms")], AT).allowed


def test_cn_three_answered_calls_per_debtor_per_day(cn) -> None:
    answered = [rec(h, outcome="answered", debt=d) for h, d in ((1, "D1"), (3, "D2"), (20, "D1"))]
    decision = check_caps(cn, "voice", ME, answered, AT)
    assert [r.rule for r in decision.reasons] == ["cap.voice_answered_daily"]
    assert decision.next_allowed_at == AT + timedelta(hours=4)
    assert check_caps(cn, "voice", ME, answered[:2], AT).allowed


def test_cn_six_unanswered_dials_per_number_per_day(cn) -> None:
    dials = [rec(h) for h in range(1, 7)]
    decision = check_caps(cn, "voice", ME, dials, AT)
    assert [r.rule for r in decision.reasons] == ["cap.voice_unanswered_daily"]
    assert decision.next_allowed_at == AT + timedelta(hours=18)
    other_number = dials[:5] + [rec(2, number="+8613900000000")]
    assert check_caps(cn, "voice", ME, other_number, AT).allowed


def test_cn_one_sms_per_debtor_per_day(cn) -> None:
    decision = check_caps(cn, "sms", ME, [rec(2, channel="sms", outcome="sent", debt="D9")], AT)
    assert decision.next_allowed_at == AT + timedelta(hours=22)


def test_future_records_do_not_count(us) -> None:
    assert check_caps(us, "sms", ME, [rec(-2, channel="sms")], AT).allowed


def test_chained_caps_report_the_time_every_cap_allows(us) -> None:
    history = [rec(100, outcome="conversation")] + [rec(24 * d + 2) for d in range(7)]
    decision = check_caps(us, "voice", ME, history, AT)
    assert {r.rule for r in decision.reasons} == {"cap.voice_7_in_7", "cap.voice_after_conversation"}
    # the conversation 100 h ago frees last; by then only 5 attempts remain in the week
    assert decision.next_allowed_at == AT - timedelta(hours=100) + timedelta(days=7)
