"""Wave 10, at the action level with a real Tracker and CollectingDispatcher: three
conversation defects found playing debtor messages over the signed SMS webhook.

1. A month paid in two parts ("60 on the 5th and 60 on the 20th every month") was answered
   "That works: 6 monthly payments of $83.33": a plan the debtor had not proposed, agreed
   to in words. Plans are one payment a month, so the split is said plainly to be
   unavailable and the plan its monthly total fits is offered as a question; an offer said
   again after "thanks" is no "That works" either.
2. Away and "contact me when I'm back" got the hardship offer ("I'm sorry things are hard")
   and a hardship recorded: it gets the pause worded for someone away, and no hardship.
3. "What happens if I don't pay?" before verification got who we are, the question
   ignored: it is acknowledged (nothing about a debt), identity is checked, and the answer
   (utter_options) follows verification.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import offer_from_slot
from actions.courtesy import ActionVerifyBeforeAnswering
from actions.negotiation import ActionAcceptOffer, ActionEvaluateInstallment, ActionEvaluatePromise
from actions.statuses import ActionRecordInconvenientTime
from actions.verification import FOLLOW_UPS, PAUSE_AWAY, pending_request, verified_reply
from bot.negotiation.choice import asks_to_talk_later
from tests.actions.conftest import EN_PHONE, ZH_PHONE, export, make_tracker, responses


def _slot(events, name):
    return next(e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name)


def _statuses(account_id: str):
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        return [r.status for r in repo.get_account(s, account_id).status_records if r.active]


# --- 1. a month in two parts: said plainly, never "That works"

# the test portfolio's zh account is on a creditor with no CNY plans: the zh words are read
# on the en account (USD, Acme Bank: 3, 6 or 12 months, $50 minimum), as wave 9 does
@pytest.mark.parametrize("text,language,intent,action", [
    ("I can do 60 on the 5th and 60 on the 20th every month", "en", "promise_to_pay", ActionEvaluatePromise),
    ("could do 60 on the 5th plus another 60 on the 20th each month", "en", "propose_installment",
     ActionEvaluateInstallment),
    ("每个月5号还60，20号还60", "zh", "propose_installment", ActionEvaluateInstallment),
])
async def test_a_month_in_two_parts_is_no_that_works(portfolio, capsys, text, language, intent, action) -> None:
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, make_tracker(intent=intent, text=text, language=language), {})
    assert responses(dispatcher) == ["utter_plan_parts"]
    said = dispatcher.messages[0]
    assert said["per_month"] == "$120.00"
    offer = offer_from_slot(_slot(events, "current_offer"))
    # $1,150 (late fees waived on plans) at no more than $120 a month: the listed 12 months, asked
    assert (offer.kind, offer.months, offer.total) == ("plan", 12, Decimal("1150.00"))
    assert said["months"] == 12
    assert SlotSet("awaiting", "offer") in events
    assert export("arrangements", capsys) == []  # nothing stored before a yes


async def test_the_plan_for_a_month_in_parts_is_stored_on_yes(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionEvaluatePromise().run(dispatcher, make_tracker(
        intent="promise_to_pay", text="I can do 60 on the 5th and 60 on the 20th every month"), {})
    offer = _slot(events, "current_offer")
    yes = CollectingDispatcher()
    await ActionAcceptOffer().run(yes, make_tracker(intent="affirm", text="yes",
                                                    slots={"current_offer": offer, "awaiting": "offer"}), {})
    assert responses(yes) == ["utter_arrangement_confirmed"]
    stored = export("arrangements", capsys)
    assert [(r["kind"], len(r["installments"])) for r in stored] == [("plan", 12)]


async def test_a_plan_said_again_after_thanks_is_no_that_works(portfolio, capsys) -> None:
    # "$20 a month" is countered with the longest plan; "thanks" is not a yes, and the
    # counter said again must not become "That works" (the debtor proposed $20)
    counter = CollectingDispatcher()
    events = await ActionEvaluateInstallment().run(counter, make_tracker(
        intent="propose_installment", text="i can do $20 a month", entities=[{"entity": "amount", "value": "20"}]), {})
    assert responses(counter) == ["utter_plan_counter"]
    again = CollectingDispatcher()
    await ActionAcceptOffer().run(again, make_tracker(
        intent="affirm", text="thanks", slots={"current_offer": _slot(events, "current_offer"), "awaiting": "offer"}),
        {})
    assert responses(again) == ["utter_offer_hardship_one"]
    assert again.messages[0]["options"] == "12 payments of $95.83 (last $95.87) from 2026-11-30, $1,150.00 in total"
    assert export("arrangements", capsys) == []


# --- 2. away and "contact me when I'm back": the pause, worded for someone away

@pytest.mark.parametrize("text", [
    "I'm abroad until next month, contact me when I'm back", "im out of the country till january, text me when im home",
    "我在国外 下个月回来再联系", "人在国外呢，等回国了再联系吧", "最近在国外出差 回来再跟你们联系",
    "on vacation till the 20th, hit me up after",
])
def test_away_until_back_asks_for_time(text: str) -> None:
    assert asks_to_talk_later(text)


@pytest.mark.parametrize("text", ["call me when i get home", "text me when im home from work"])
def test_home_later_today_is_not_being_away(text: str) -> None:
    assert not asks_to_talk_later(text)


# the zh words on the en account (its zh one is on a creditor with no CNY terms)
@pytest.mark.parametrize("language,text", [
    ("en", "I'm abroad until next month, contact me when I'm back"),
    ("zh", "我在国外 下个月回来再联系"),
])
async def test_away_verified_gets_the_pause_worded_for_being_away(portfolio, language, text) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionRecordInconvenientTime().run(dispatcher, make_tracker(
        intent="inconvenient_time", text=text, language=language), {})
    assert responses(dispatcher) == ["utter_offer_pause_away"]
    pause = offer_from_slot(_slot(events, "current_offer"))
    assert pause.kind == "pause"
    # Acme Bank pauses for 60 days; the date is said in the debtor's language
    assert dispatcher.messages[0]["first_due"] == ("2027-01-29" if language == "en" else "2027年1月29日")
    assert "hardship" not in _statuses("A1")  # being away is no hardship


async def test_away_unverified_keeps_the_away_pause_pending(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionRecordInconvenientTime().run(dispatcher, make_tracker(
        intent="inconvenient_time", text="我在国外 下个月回来再联系", sender=ZH_PHONE, language="zh",
        slots={"verified": False}), {})
    assert responses(dispatcher) == []
    assert events == [SlotSet("pending_intent", PAUSE_AWAY), FollowupAction("action_start_verification")]
    answered = verified_reply(CollectingDispatcher(), make_tracker(sender=ZH_PHONE, language="zh"), PAUSE_AWAY)
    assert FollowupAction("action_offer_pause_away") in answered


async def test_more_time_without_being_away_is_still_the_hardship_offer(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    await ActionRecordInconvenientTime().run(dispatcher, make_tracker(
        intent="inconvenient_time", text="can you give me some more time"), {})
    assert responses(dispatcher) == ["utter_offer_hardship"]


# --- 3. consequences before verification: acknowledged, verified, then answered

@pytest.mark.parametrize("sender,language,text", [
    (EN_PHONE, "en", "ok and what if i just refuse to pay"),
    (ZH_PHONE, "zh", "要是我一直拖着不还，会有什么后果"),
])
async def test_consequences_unverified_are_acknowledged_and_verification_starts(portfolio, sender, language,
                                                                                text) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionVerifyBeforeAnswering().run(dispatcher, make_tracker(
        intent="ask_options", text=text, sender=sender, language=language, slots={"verified": False}), {})
    assert responses(dispatcher) == ["utter_verify_before_answering", "utter_ask_confirm_name"]
    assert SlotSet("pending_intent", "ask_options") in events
    assert SlotSet("awaiting", "name") in events
    answered = verified_reply(CollectingDispatcher(), make_tracker(sender=sender, language=language), "ask_options")
    assert FollowupAction(FOLLOW_UPS["ask_options"]) in answered and FOLLOW_UPS["ask_options"] == "utter_options"


async def test_consequences_after_a_wrong_number_are_who_we_are_only(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionVerifyBeforeAnswering().run(dispatcher, make_tracker(
        intent="ask_options", text="what happens if he doesnt pay", slots={"verified": False},
        events=[{"event": "action", "name": "action_wrong_number"}]), {})
    assert responses(dispatcher) == ["utter_who_is_this"]
    assert events == []


def test_the_acknowledgement_discloses_nothing() -> None:
    from bot.dialogue.responses import PRE_VERIFICATION
    from compliance_filters import check_disclosure
    from tests.dialogue.test_responses_compliant import VARIANTS

    assert "utter_verify_before_answering" in PRE_VERIFICATION
    said = [(lang, text) for name, lang, text in VARIANTS if name == "utter_verify_before_answering"]
    assert len(said) == 4
    for lang, text in said:
        assert check_disclosure(text, verified=False, lang=lang).allowed


def test_the_options_are_never_guessed_from_a_runner_up_intent() -> None:
    # "dob 3/10/1985" with ask_options ranked second: the balance after verification, as before
    tracker = make_tracker(intent="provide_identity", text="dob 3/10/1985", slots={"verified": False})
    tracker.latest_message["intent_ranking"] = [{"name": "provide_identity", "confidence": 0.6},
                                                {"name": "ask_options", "confidence": 0.3}]
    assert pending_request(tracker) is None
    tracker.latest_message["intent_ranking"].append({"name": "ask_balance", "confidence": 0.06})
    assert pending_request(tracker) == "ask_balance"
