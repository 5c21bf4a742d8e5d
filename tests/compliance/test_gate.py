"""The combined gate: fixed order, blocked beats deferred, one Decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from compliance_filters import (
    ContactRecord,
    OutgoingMessage,
    Recipient,
    add_required_content,
    gate,
    load_pack,
)
from tests.compliance.conftest import utc

NY = "+12125550101"
DEBTOR = Recipient(account_id="A1", debt_id="D1", phones=(NY,), verified=True, mini_miranda_given=True)
INSIDE = utc(2026, 3, 10, 15)    # 11:00 EDT
OUTSIDE = utc(2026, 3, 11, 2)    # 22:00 EDT
# (the debtor is verified and has had the mini-Miranda: each later message says it is from a
# debt collector, Reg F 1006.18(e)(2))
CLEAN = "Your next payment is due Friday. This message is from a debt collector. Reply STOP to opt out."


def rules(decision) -> list:
    return [r.rule for r in decision.reasons]


def test_clean_outbound_inside_the_window_is_allowed(us) -> None:
    decision = gate(us, OutgoingMessage(CLEAN, "sms", "outbound"), DEBTOR, [], INSIDE)
    assert (decision.status, decision.reasons, decision.next_allowed_at) == ("allowed", (), None)
    assert decision.allowed


def test_outbound_outside_the_window_is_deferred_to_the_morning(us) -> None:
    decision = gate(us, OutgoingMessage(CLEAN, "sms", "outbound"), DEBTOR, [], OUTSIDE)
    assert decision.status == "deferred"
    assert rules(decision) == ["window"]
    assert decision.next_allowed_at == utc(2026, 3, 11, 12)


def test_replies_are_not_held_to_the_window_unless_the_pack_says_so(us) -> None:
    reply = OutgoingMessage(CLEAN, "sms", "reply")
    assert gate(us, reply, DEBTOR, [], OUTSIDE).allowed
    strict = load_pack("us", {"replies_outside_window": False})
    assert gate(strict, reply, DEBTOR, [], OUTSIDE).status == "deferred"


def test_window_and_cap_together_give_the_first_minute_both_allow(us) -> None:
    sent = ContactRecord(utc(2026, 3, 10, 23, 30, 20), "sms", "D1", NY, "delivered")  # 19:30:20 EDT
    decision = gate(us, OutgoingMessage(CLEAN, "sms", "outbound"), DEBTOR, [sent], utc(2026, 3, 11, 0))
    assert rules(decision) == ["cap.sms_daily"]
    # the cap frees at 19:30:20 EDT next day; the gate rounds up to the whole minute
    assert decision.next_allowed_at == utc(2026, 3, 11, 23, 31)
    late = ContactRecord(utc(2026, 3, 11, 0, 50), "sms", "D1", NY, "delivered")  # 20:50 EDT
    decision = gate(us, OutgoingMessage(CLEAN, "sms", "outbound"), DEBTOR, [late], OUTSIDE)
    assert rules(decision) == ["window", "cap.sms_daily"]
    assert decision.next_allowed_at == utc(2026, 3, 12, 0, 50)  # 20:50 EDT the next day
    last = ContactRecord(utc(2026, 3, 11, 0, 59, 30), "sms", "D1", NY, "delivered")  # 20:59:30 EDT
    decision = gate(us, OutgoingMessage(CLEAN, "sms", "outbound"), DEBTOR, [last], OUTSIDE)
    # frees at 20:59:30, whole minute 21:00 is outside: 08:00 EDT the morning after
    assert decision.next_allowed_at == utc(2026, 3, 12, 12)


def test_blocked_beats_deferred_and_every_objection_is_listed(us) -> None:
    who = replace(DEBTOR, verified=False, opted_out=frozenset({"sms"}))
    text = "You owe $500. Pay now or we will call your employer."
    decision = gate(us, OutgoingMessage(text, "sms", "outbound"), who, [], OUTSIDE)
    assert decision.status == "blocked"
    assert rules(decision) == ["optout.sms", "disclosure", "disclosure", "disclosure",
                               "phrase.third_party_threat", "required.optout_line"]
    assert decision.missing == ("optout_line",)
    assert decision.next_allowed_at is None


def test_required_content_added_by_the_caller_passes(us, cn) -> None:
    message = OutgoingMessage("Hello from Acme Services.", "sms", "outbound")
    fresh = replace(DEBTOR, verified=False)
    assert rules(gate(us, message, fresh, [], INSIDE)) == ["required.optout_line"]
    fixed = replace(message, text=add_required_content(us, message, fresh))
    assert gate(us, fixed, fresh, [], INSIDE).allowed
    zh = Recipient("A2", "D2", ("+8613800138000",), language="zh")
    call = OutgoingMessage("您好，这里是诚信服务。", "voice", "outbound")
    assert rules(gate(cn, call, zh, [], utc(2026, 3, 10, 3))) == ["required.recording_notice"]
    call = replace(call, text=add_required_content(cn, call, zh))
    assert gate(cn, call, zh, [], utc(2026, 3, 10, 3)).allowed


def test_confirmation_goes_out_to_an_opted_out_number_at_night(us) -> None:
    who = replace(DEBTOR, opted_out=frozenset({"all"}))
    confirm = OutgoingMessage("You are unsubscribed and will get no more texts.", "sms", "confirmation")
    assert gate(us, confirm, who, [], OUTSIDE).allowed
    assert rules(gate(us, OutgoingMessage(CLEAN, "sms", "reply"), who, [], OUTSIDE)) == ["optout.sms"]


def test_voicemail_is_held_to_the_limited_content_even_when_verified(us) -> None:
    ok = OutgoingMessage("Hello, this message is for John. This is Maria from Acme Services. Please call "
                         "me back at (212) 555-0100.", "voicemail", "outbound")
    assert gate(us, ok, DEBTOR, [], INSIDE).allowed
    leak = replace(ok, text=ok.text + " It is about your debt.")
    assert rules(gate(us, leak, DEBTOR, [], INSIDE)) == ["voicemail.disclosure"]


def test_agent_text_is_screened_like_the_bot(us) -> None:
    message = OutgoingMessage("Pay up, deadbeat. From a debt collector. Reply STOP to opt out.", "sms", "reply",
                              sender="agent")
    assert rules(gate(us, message, DEBTOR, [], INSIDE)) == ["phrase.obscenity"]


def test_status_stops_outbound_voice_but_not_the_reply(us) -> None:
    who = replace(DEBTOR, statuses=frozenset({"attorney"}))
    assert rules(gate(us, OutgoingMessage("Hello from a debt collector.", "voice", "outbound"), who, [], INSIDE)) == [
        "status.attorney"]
    assert gate(us, OutgoingMessage("Thank you, we will contact your attorney. This is a debt collector.", "voice",
                              "reply"), who, [],
                INSIDE).allowed


def test_deferred_answers_never_go_back_in_time(us) -> None:
    calls = [ContactRecord(INSIDE - timedelta(hours=h), "voice", "D1", NY, "no_answer") for h in range(1, 8)]
    decision = gate(us, OutgoingMessage("Hello from a debt collector.", "voice", "outbound"), DEBTOR, calls, INSIDE)
    assert decision.status == "deferred"
    # the oldest call (08:00 UTC) leaves the week at 04:00 EDT on the 17th: night, so 08:00 EDT
    assert decision.next_allowed_at == utc(2026, 3, 17, 12)
    assert rules(decision) == ["cap.voice_7_in_7"]


def test_an_unreadable_number_blocks_an_attempt_instead_of_guessing(us) -> None:
    who = replace(DEBTOR, phones=("+1212",))
    decision = gate(us, OutgoingMessage(CLEAN, "sms", "outbound"), who, [], INSIDE)
    assert decision.status == "blocked"
    assert [(r.rule, r.match) for r in decision.reasons] == [
        ("window.zone", "not a possible phone number: '+1212'")]


def test_unknown_channel_or_kind_is_an_error_not_an_allowance(us) -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown channel 'email': expected one of sms, voice, voicemail"):
        gate(us, OutgoingMessage(CLEAN, "email", "outbound"), DEBTOR, [], INSIDE)
    with pytest.raises(ValueError, match="unknown message kind 'blast'"):
        gate(us, OutgoingMessage(CLEAN, "sms", "blast"), DEBTOR, [], INSIDE)
