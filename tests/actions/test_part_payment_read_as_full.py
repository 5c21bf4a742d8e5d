"""A sum below the balance, read by the model as "pay in full", is a promise of that sum.

Played over the webhook: "i wanna pay 150 on the 5th" on a $500 balance, read as
pay_in_full (0.54) by a model trained with more Chinese examples, was answered with the
offer to pay the full balance by the 5th, and no promise was recorded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rasa_sdk.executor import CollectingDispatcher

from actions.common import offer_from_slot
from actions.negotiation import ActionExplainDiscount, ActionOfferSettlement
from tests.actions.conftest import ZH_PHONE, export, make_tracker, responses


def _offer(events):
    return offer_from_slot(next(e["value"] for e in events
                                if e.get("event") == "slot" and e["name"] == "current_offer"))


async def test_a_part_sum_read_as_pay_in_full_is_a_promise(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionOfferSettlement().run(dispatcher, make_tracker(
        intent="pay_in_full", text="i wanna pay 150 on the 5th",
        entities=[{"entity": "amount", "value": "150.00"}, {"entity": "date", "value": "2026-12-05"}],
        slots={"amount": "150.00", "date": "2026-12-05"}), {})
    assert responses(dispatcher) == ["utter_promise_accepted"]
    [stored] = export("arrangements", capsys)
    assert (stored["kind"], Decimal(stored["total"])) == ("promise", Decimal("150.00"))
    assert "utter_offer_settlement" not in responses(dispatcher)
    assert events


async def test_after_verification_the_waiting_words_decide(portfolio, capsys) -> None:
    """The promise waited for the identity answer: the slots hold its sum and date, the
    latest message is the date of birth."""
    waiting = {"event": "user", "text": "我想5号先还500",
               "parse_data": {"intent": {"name": "pay_in_full", "confidence": 0.5}, "entities": []}}
    dispatcher = CollectingDispatcher()
    await ActionOfferSettlement().run(dispatcher, make_tracker(
        intent="provide_identity", text="1985-06-15", sender=ZH_PHONE, language="zh",
        slots={"amount": "500.00", "date": "2026-12-05"}, events=[waiting]), {})
    assert responses(dispatcher) == ["utter_promise_accepted"]
    [stored] = export("arrangements", capsys)
    assert (stored["kind"], Decimal(stored["total"])) == ("promise", Decimal("500.00"))


async def test_the_whole_sum_or_in_full_stays_the_settlement(portfolio, capsys) -> None:
    for text, amount in (("i can pay 1200 on the 5th", "1200.00"),
                         ("i'll pay 1000 in full on the 5th", "1000.00")):
        dispatcher = CollectingDispatcher()
        events = await ActionOfferSettlement().run(dispatcher, make_tracker(
            intent="pay_in_full", text=text, slots={"amount": amount, "date": "2026-12-05"}), {})
        assert responses(dispatcher)[0] in ("utter_offer_settlement", "utter_offer_full_payment"), text
        assert _offer(events).first_due == date(2026, 12, 5)
    assert export("arrangements", capsys) == []


async def test_a_discount_question_keeps_its_sum(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    await ActionExplainDiscount().run(dispatcher, make_tracker(
        intent="request_discount", text="can i pay 300 to settle it", slots={"amount": "300.00"}), {})
    assert "utter_promise_accepted" not in responses(dispatcher)
    assert export("arrangements", capsys) == []
