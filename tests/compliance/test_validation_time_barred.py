"""Issue 13 item 6: "from a debt collector" on every communication, the validation period
(1006.34) and time-barred debts (1006.26)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from compliance_filters import (
    OutgoingMessage,
    Recipient,
    add_required_content,
    check_required_content,
    gate,
)
from compliance_filters.validation import (
    assumed_receipt,
    check_time_barred,
    collection_paused,
    dispute_prompt,
    validation_period_end,
)
from tests.compliance.conftest import utc

INSIDE = utc(2026, 3, 10, 15)
TALKED = Recipient(account_id="A1", debt_id="D1", phones=("+12125550101",), verified=True, mini_miranda_given=True)


@pytest.mark.parametrize("language, ending", [("en", "This message is from a debt collector."),
                                              ("zh", "本信息来自债务催收机构。")])
def test_every_later_communication_says_debt_collector(us, language, ending) -> None:
    who = replace(TALKED, language=language)
    message = OutgoingMessage("Your plan payment is due Friday. Reply STOP to opt out.", "sms", "reply")
    assert check_required_content(us, message, who).missing == ("debt_collector_notice",)
    assert add_required_content(us, message, who).endswith(ending)
    voice = OutgoingMessage("Thanks for calling back.", "voice", "reply")
    assert check_required_content(us, voice, who).missing == ("debt_collector_notice",)
    # before verification the guard forbids saying it at all: nothing is required
    assert check_required_content(us, message, replace(who, verified=False)).allowed


def test_validation_period_skips_weekends_and_holidays() -> None:
    # sent Friday 20 Nov 2026; Thanksgiving (26 Nov) and the weekends do not count
    assert assumed_receipt(date(2026, 11, 20)) == date(2026, 11, 30)
    assert validation_period_end(date(2026, 11, 20)) == date(2026, 12, 30)
    assert validation_period_end(date(2026, 3, 2)) == date(2026, 4, 8)  # Mon -> Mon 9 Mar + 30


def test_dispute_prompt_names_the_end_date_in_both_languages() -> None:
    assert dispute_prompt(date(2026, 12, 30)) == ("You may dispute all or part of this debt until "
                                                  "December 30, 2026. Reply DISPUTE to dispute it.")
    assert "2026年12月30日" in dispute_prompt(date(2026, 12, 30), "zh")


def test_dispute_inside_the_period_pauses_until_verification() -> None:
    end = date(2026, 12, 30)
    assert collection_paused(date(2026, 12, 1), end, verification_sent=False)
    assert not collection_paused(date(2026, 12, 1), end, verification_sent=True)
    assert not collection_paused(date(2027, 1, 5), end, verification_sent=False)
    assert not collection_paused(None, end, verification_sent=False)


BARRED = replace(TALKED, time_barred=True)


@pytest.mark.parametrize("text", ["Legal action is possible if this stays open.", "我们可能会提起诉讼。",
                                  "A judgment could follow."])
def test_no_suit_threat_on_a_time_barred_debt(us, text) -> None:
    assert [r.rule for r in check_time_barred(us, text, BARRED).reasons] == ["time_barred.suit_threat"]
    assert check_time_barred(us, text, TALKED).allowed


def test_the_disclosure_itself_passes_and_is_required(us) -> None:
    disclosure = ("The law limits how long you can be sued on a debt. Because of the age of your debt, "
                  "we will not sue you for it.")
    assert check_time_barred(us, disclosure, BARRED).allowed
    message = OutgoingMessage("From a debt collector: your balance is open. Reply STOP to opt out.", "sms", "reply")
    assert check_required_content(us, message, BARRED).missing == ("time_barred_disclosure",)
    assert check_required_content(us, message, TALKED).allowed
    assert gate(us, replace(message, text=add_required_content(us, message, BARRED)), BARRED, [], INSIDE).allowed


def test_no_revival_offer_in_a_revival_state(us) -> None:
    offer = "We can offer a payment plan."
    michigan = replace(BARRED, state="MI")
    assert [r.rule for r in check_time_barred(us, offer, michigan).reasons] == ["time_barred.revival_offer"]
    assert check_time_barred(us, offer + " A payment will not restart the time limit.", michigan).allowed
    assert check_time_barred(us, offer, replace(BARRED, state="CA")).allowed
    assert check_time_barred(us, offer, replace(michigan, time_barred=False)).allowed
