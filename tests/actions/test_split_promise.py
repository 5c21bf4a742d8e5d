"""A split promise ("200 next friday and the rest in january") is said back with both
dated amounts, held to the promise rules part by part, and stored as one promise with two
installments only after the debtor's yes; a second part without a date goes to a person."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import offer_from_slot
from actions.negotiation import ActionAcceptOffer, ActionEvaluateInstallment, ActionEvaluatePromise
from bot import clock
from bot.clock import FixedClock
from tests.actions.conftest import EN_PHONE, ZH_PHONE, export, make_tracker, responses


def _offer(events):
    return next(e["value"] for e in events if e.get("name") == "current_offer")


async def _say(text: str, sender: str = EN_PHONE, language: str = "en", intent: str = "promise_to_pay",
               entities=(), action=ActionEvaluatePromise):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent=intent, text=text, sender=sender, language=language, entities=entities)
    events = await action().run(dispatcher, tracker, {})
    return dispatcher, events


async def _yes(offer_json, sender: str = EN_PHONE, language: str = "en"):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", text="yes", sender=sender, language=language,
                           slots={"current_offer": offer_json, "awaiting": "offer"})
    await ActionAcceptOffer().run(dispatcher, tracker, {})
    return dispatcher


def _stored(capsys):
    return [(r["account_id"], r["kind"], [(i["due_date"], Decimal(i["amount"])) for i in r["installments"]])
            for r in export("arrangements", capsys)]


async def test_the_rest_in_january_is_confirmed_in_two_parts_then_stored(portfolio, capsys) -> None:
    # what the model gives: one amount-less promise with next friday's date; the rest is in the words
    dispatcher, events = await _say("200 next friday and the rest in january",
                                    entities=[{"entity": "date", "value": "2026-12-11"}])
    # Acme Bank takes promises up to 14 days out: January becomes 2026-12-14, said so
    assert responses(dispatcher) == ["utter_split_promise_counter"]
    assert dispatcher.messages[0]["parts"] == "$200.00 on 2026-12-11 and $1,000.00 on 2026-12-14"
    assert dispatcher.messages[0]["total"] == "$1,200.00"
    assert SlotSet("awaiting", "offer") in events
    assert _stored(capsys) == []  # nothing recorded before the yes
    confirmed = await _yes(_offer(events))
    assert responses(confirmed) == ["utter_arrangement_confirmed"]
    assert confirmed.messages[0]["summary"] == "$200.00 on 2026-12-11 and $1,000.00 on 2026-12-14"
    assert _stored(capsys) == [("A1", "promise", [("2026-12-11", Decimal("200.00")),
                                                  ("2026-12-14", Decimal("1000.00"))])]


async def test_two_amounts_inside_the_horizon_are_confirmed_as_said(portfolio, capsys) -> None:
    dispatcher, events = await _say("100 now and 150 on the 10th")
    assert responses(dispatcher) == ["utter_split_promise_confirm"]
    assert dispatcher.messages[0]["parts"] == "$100.00 on 2026-11-30 and $150.00 on 2026-12-10"
    offer = offer_from_slot(_offer(events))
    assert (offer.kind, offer.total, offer.description_key) == ("promise", Decimal("250.00"), "promise_split")


async def test_a_part_past_the_horizon_is_countered_on_that_part(portfolio) -> None:
    dispatcher, _ = await _say("100 now and 150 on the 15th")
    assert responses(dispatcher) == ["utter_split_promise_counter"]
    assert dispatcher.messages[0]["parts"] == "$100.00 on 2026-11-30 and $150.00 on 2026-12-14"


async def test_two_parts_over_the_balance_shrink_the_second(portfolio) -> None:
    dispatcher, _ = await _say("1000 on friday and 500 on the 10th")
    assert responses(dispatcher) == ["utter_split_promise_counter"]
    assert dispatcher.messages[0]["parts"] == "$1,000.00 on 2026-12-04 and $200.00 on 2026-12-10"


async def test_said_as_a_plan_it_is_still_a_split_promise(portfolio) -> None:
    dispatcher, events = await _say("100 now and 150 on the 10th", intent="propose_installment",
                                    action=ActionEvaluateInstallment)
    assert responses(dispatcher) == ["utter_split_promise_confirm"]
    assert offer_from_slot(_offer(events)).months == 2


async def test_chinese_rest_in_january(portfolio, capsys) -> None:
    dispatcher, events = await _say("这周五先还200，剩下的一月份还清", sender=ZH_PHONE, language="zh")
    assert responses(dispatcher) == ["utter_split_promise_counter"]
    assert dispatcher.messages[0]["parts"] == "2026年12月4日还款¥200.00，2026年12月14日还款¥5,800.00"
    confirmed = await _yes(_offer(events), sender=ZH_PHONE, language="zh")
    assert responses(confirmed) == ["utter_arrangement_confirmed"]
    assert _stored(capsys) == [("Z1", "promise", [("2026-12-04", Decimal("200.00")),
                                                  ("2026-12-14", Decimal("5800.00"))])]


async def test_chinese_half_now_the_rest_at_month_end(portfolio) -> None:
    previous = clock.set_clock(FixedClock(datetime(2026, 12, 20, 3, 0, tzinfo=timezone.utc)))
    try:
        dispatcher, _ = await _say("先还一半 月底还剩下的", sender=ZH_PHONE, language="zh")
    finally:
        clock.set_clock(previous)
    # half of 6,000 today (Dec 20), the other half at the month end, both inside 14 days
    assert responses(dispatcher) == ["utter_split_promise_confirm"]
    assert dispatcher.messages[0]["parts"] == "2026年12月20日还款¥3,000.00，2026年12月31日还款¥3,000.00"


async def test_a_rest_without_a_date_goes_to_a_person_and_nothing_is_stored(portfolio, capsys) -> None:
    dispatcher, _ = await _say("200 friday and the rest later", entities=[{"entity": "date", "value": "2026-12-04"}])
    assert responses(dispatcher) == ["utter_handoff", None]
    assert dispatcher.messages[1]["custom"] == {"handoff": True, "reason": "split_promise"}
    assert _stored(capsys) == []


@pytest.mark.parametrize("text", ["i can pay 100 on friday", "i'll pay the rest on friday"])
async def test_a_single_promise_is_unchanged(portfolio, text) -> None:
    dispatcher, _ = await _say(text, entities=[{"entity": "amount", "value": "100.00"},
                                               {"entity": "date", "value": "2026-12-04"}])
    assert responses(dispatcher) == ["utter_promise_accepted"]


async def test_a_split_promise_made_before_verification_is_answered_after_it(portfolio, capsys) -> None:
    """The promise is answered after the identity check, when the latest message is the
    date of birth: its second part is read from the message that made the promise."""
    promise = {"event": "user", "text": "200 next friday and the rest in january",
               "parse_data": {"intent": {"name": "promise_to_pay", "confidence": 1.0}}}
    events = [promise, {"event": "action", "name": "verification_form"},
              {"event": "user", "text": "dob 1/31/1980", "parse_data": {"intent": {"name": "provide_identity"}}},
              {"event": "action", "name": "action_verification_result"}]
    tracker = make_tracker(intent="provide_identity", text="dob 1/31/1980", events=events,
                           slots={"date": "2026-12-11"})
    # the helper appends the latest user event; the hand-on is the last action before this one
    tracker.events.pop()
    dispatcher = CollectingDispatcher()
    await ActionEvaluatePromise().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_split_promise_counter"]
    assert dispatcher.messages[0]["parts"] == "$200.00 on 2026-12-11 and $1,000.00 on 2026-12-14"
    assert _stored(capsys) == []
