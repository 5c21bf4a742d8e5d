"""After the plan list, "the longest one" / "最长的那个" / "second option" is a choice: the
assistant proposes that plan instead of asking again how many months (found playing a
debtor over SMS; the zh reply re-asked the months the debtor had just picked)."""

from __future__ import annotations

import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.common import offer_from_slot
from actions.negotiation import ActionEvaluateInstallment, ActionOfferPlans
from bot.negotiation.choice import listed_choice
from tests.actions.conftest import make_tracker, responses


@pytest.mark.parametrize("text, months", [
    ("ok go with the longest one", 12), ("the one with the smallest payments pls", 12),
    ("i'll do the shortest", 3), ("biggest payment plan, get it over with", 3),
    ("first option", 3), ("the second one works", 6), ("option 3", 12), ("last one please", 12),
    ("那就选最长的那个吧", 12), ("每期最少的吧", 12), ("期数最少的", 3), ("我要第二个", 6),
    ("选第一种", 3), ("就最后那个", 12),
])
def test_a_plan_named_by_position_or_size(text: str, months: int) -> None:
    assert listed_choice(text, [3, 6, 12]) == months


@pytest.mark.parametrize("text", [
    "can my first payment be on the 15th", "第一期什么时候还", "the third one", "what is this", "",
])
def test_words_that_name_no_listed_plan(text: str) -> None:
    assert listed_choice(text, [3, 6]) is None


async def _listed_months(tracker_kwargs) -> list:
    dispatcher = CollectingDispatcher()
    await ActionOfferPlans().run(dispatcher, make_tracker(intent="request_payment_plan", **tracker_kwargs), {})
    return dispatcher.messages[0]["plans"]


@pytest.mark.parametrize("text", ["ok go with the longest one", "那就选最长的那个吧"])
async def test_the_longest_listed_plan_is_proposed(portfolio, text: str) -> None:
    """(The zh wording on the en fixture account: the fixture's zh creditor has no CNY plan
    policy; the words are the pure function's, tested above in both languages.)"""
    who: dict = {}
    dispatcher = CollectingDispatcher()
    events = await ActionEvaluateInstallment().run(dispatcher, make_tracker(
        intent="propose_installment", text=text, slots={"awaiting": "plans"}, **who), {})
    assert responses(dispatcher) == ["utter_plan_accept_proposal"]
    offer = offer_from_slot(next(e["value"] for e in events if e["name"] == "current_offer"))
    listed = await _listed_months(who)
    assert f"{offer.months}" in listed and offer.months == max(
        int(n) for n in re.findall(r"(\d+)\s*(?:x|期)", listed))


async def test_without_the_list_on_the_table_it_shows_the_list(portfolio) -> None:
    # wave 9: a proposal with no terms and no list on the table gets the list to choose from
    # (it was "how much per month?", which names no plan the debtor could pick)
    dispatcher = CollectingDispatcher()
    await ActionEvaluateInstallment().run(dispatcher, make_tracker(
        intent="propose_installment", text="the longest one"), {})
    assert responses(dispatcher) == ["utter_offer_plans"]


async def test_the_plan_list_clears_terms_said_before_it(portfolio) -> None:
    """"我每个月只能还一百" got the plan list; then "行啊 就四个月" was weighed as 4 months and
    the earlier 100 a month together and countered with 15 payments (found by the conversation
    suite on a retrained model): the list answers the earlier terms, so it clears them."""
    dispatcher = CollectingDispatcher()
    events = await ActionOfferPlans().run(dispatcher, make_tracker(
        intent="request_payment_plan", text="i can only pay 100 a month",
        slots={"amount": "100", "months": "15"}), {})
    assert responses(dispatcher) == ["utter_offer_plans"]
    cleared = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert cleared["amount"] is None and cleared["months"] is None and cleared["awaiting"] == "plans"
