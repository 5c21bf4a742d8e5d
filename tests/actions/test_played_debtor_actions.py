"""Defects found playing a debtor against main's model (w8), at the action level with a
real Tracker and CollectingDispatcher: thanks is not a yes, a request for time after a
hardship offer is the pause, a proposal after hardship is weighed with the hardship bounds,
"the full amount" keeps the date said, a disputed or represented account is never answered
with silence, and a preferred time is not stored as the time to avoid."""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.common import offer_from_slot, offer_to_slot
from actions.negotiation import (
    ActionAcceptOffer,
    ActionEvaluateInstallment,
    ActionEvaluatePromise,
    ActionExplainDiscount,
    ActionOfferHardship,
    ActionOfferSettlement,
)
from actions.reminders import ActionTellBalance
from actions.statuses import ActionRecordInconvenientTime, ActionRecordStatus
from actions.verification import ActionStartVerification
from bot import negotiation
from bot.negotiation.choice import asks_for_time, only_thanks
from tests.actions.conftest import EN_PHONE, ZH_PHONE, export, make_tracker, responses


def _slot(events, name):
    return next(e["value"] for e in events if e.get("event") == "slot" and e["name"] == name)


def _full_payment_slot(creditor: str = "Acme Bank", balance: str = "1200.00") -> str:
    from bot.negotiation import DebtTerms

    debt = DebtTerms(principal=Decimal("1000.00"), interest=Decimal("150.00"), fees=Decimal("50.00"),
                     balance=Decimal(balance), currency="USD")
    return offer_to_slot(negotiation.pay_in_full_offer(negotiation.load_policy(creditor), debt, date(2026, 11, 30)))


@pytest.mark.parametrize("text", ["thanks", "thank you", "ok thanks", "Thanks!", "谢谢", "好的，谢谢"])
def test_thanks_alone_is_not_a_yes(text: str) -> None:
    assert only_thanks(text)


@pytest.mark.parametrize("text", ["yes thanks", "是 谢谢", "no thanks", "thanks, 6 months", "ok", "yes"])
def test_a_yes_or_terms_beside_thanks_are_not_only_thanks(text: str) -> None:
    assert not only_thanks(text)


@pytest.mark.parametrize("sender, language, text", [
    (EN_PHONE, "en", "thanks"), (EN_PHONE, "en", "ok thanks"), (ZH_PHONE, "zh", "谢谢")])
async def test_thanks_read_as_affirm_keeps_the_offer_open_and_stores_nothing(portfolio, capsys, sender,
                                                                             language, text) -> None:
    offer_json = _full_payment_slot()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", text=text, sender=sender, language=language,
                           slots={"current_offer": offer_json, "awaiting": "offer"})
    events = await ActionAcceptOffer().run(dispatcher, tracker, {})
    assert export("arrangements", capsys) == []
    assert responses(dispatcher) == ["utter_promise_counter"]  # said again, with its "reply YES"
    assert SlotSet("current_offer", None) not in events and SlotSet("awaiting", None) not in events


async def test_a_clear_yes_still_accepts(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", text="yes", slots={"current_offer": _full_payment_slot(),
                                                               "awaiting": "offer"})
    await ActionAcceptOffer().run(dispatcher, tracker, {})
    assert [r["kind"] for r in export("arrangements", capsys)] == ["settlement"]


@pytest.mark.parametrize("text", ["能不能缓一缓", "can you give me some time", "can it wait a bit"])
def test_requests_for_time(text: str) -> None:
    assert asks_for_time(text)


# the fixture's Chinese account (CNY at Acme) has no hardship terms: both on the USD account
@pytest.mark.parametrize("language, text", [("zh", "能不能缓一缓"), ("en", "can you give me some time")])
async def test_a_request_for_time_read_as_a_discount_offers_the_pause(portfolio, language, text) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="request_discount", text=text, language=language)
    events = await ActionExplainDiscount().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_offer_hardship"]
    assert offer_from_slot(_slot(events, "current_offer")).kind == "pause"


async def test_fifty_a_month_after_the_hardship_offer_uses_the_hardship_plans(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionOfferHardship().run(dispatcher, make_tracker(intent="financial_hardship",
                                                                      text="i lost my job"), {})
    pause = _slot(events, "current_offer")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="propose_installment", text="can i do like 50 a month",
                           entities=[{"entity": "amount", "value": "50.00"}],
                           slots={"amount": "50.00", "current_offer": pause, "awaiting": "offer"})
    events = await ActionEvaluateInstallment().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_plan_accept_proposal"]
    offer = offer_from_slot(_slot(events, "current_offer"))
    assert offer.description_key.startswith("hardship_plan")
    assert offer.monthly_amount <= Decimal("50.00") and offer.months <= 24


async def test_a_promise_without_an_amount_keeps_its_date_for_the_full_amount(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    said = [{"entity": "date", "value": "2026-12-01"}]
    events = await ActionEvaluatePromise().run(dispatcher, make_tracker(
        intent="promise_to_pay", text="i'll pay on the 1st of next month", entities=said,
        slots={"date": "2026-12-01"}), {})
    assert responses(dispatcher) == ["utter_ask_promise_details"]
    assert SlotSet("date", "2026-12-01") in events
    dispatcher = CollectingDispatcher()
    events = await ActionOfferSettlement().run(dispatcher, make_tracker(
        intent="pay_in_full", text="the full amount", slots={"date": "2026-12-01"}), {})
    offer = offer_from_slot(_slot(events, "current_offer"))
    assert offer.first_due == date(2026, 12, 1)
    assert dispatcher.messages[0]["pay_by"] == "2026-12-01"


async def test_paying_off_on_a_date_past_the_settlement_window_is_the_balance_on_that_date(portfolio,
                                                                                          capsys) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionEvaluatePromise().run(dispatcher, make_tracker(
        intent="promise_to_pay", text="我12月10号还清", sender=ZH_PHONE, language="zh",
        entities=[{"entity": "date", "value": "2026-12-10"}], slots={"date": "2026-12-10"}), {})
    offer = offer_from_slot(_slot(events, "current_offer"))
    assert (offer.kind, offer.total, offer.first_due) == ("promise", Decimal("6000.00"), date(2026, 12, 10))
    assert responses(dispatcher) == ["utter_promise_counter"]  # said back, not yet stored
    assert export("arrangements", capsys) == []


def _set_status(account_id: str, status: str) -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        repo.set_status(s, account_id, status, note="test")


@pytest.mark.parametrize("sender, language", [(EN_PHONE, "en"), (ZH_PHONE, "zh")])
async def test_a_debt_question_on_a_disputed_account_gets_a_reply(portfolio, sender, language) -> None:
    _set_status("A1" if sender == EN_PHONE else "Z1", "dispute")
    for action in (ActionTellBalance(), ActionStartVerification()):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(intent="ask_balance", text="what's the balance anyway", sender=sender,
                               language=language, slots={"verified": action is not ActionStartVerification})
        await action.run(dispatcher, tracker, {})
        assert responses(dispatcher) == ["utter_handoff"]


async def test_the_attorneys_details_are_noted_on_the_handoff(portfolio) -> None:
    from bot.store.db import session_scope
    from bot.store.models import EvidenceRecord, Handoff

    _set_status("A1", "attorney")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="provide_identity", text="his name is Bob Ray 555 0100", slots={"verified": False})
    await ActionStartVerification().run(dispatcher, tracker, {})
    assert responses(dispatcher)[0] == "utter_handoff"
    with session_scope() as s:
        assert [h.reason for h in s.execute(select(Handoff)).scalars()] == ["attorney"]
        notes = [r.payload for r in s.execute(select(EvidenceRecord).where(
            EvidenceRecord.kind == "attorney_contact")).scalars()]
    assert [json.loads(n)["text"] for n in notes] == ["his name is Bob Ray 555 0100"]


def _spans(account_id: str):
    from bot.store.db import session_scope
    from bot.store.models import InconvenientTime

    with session_scope() as s:
        return [(r.start, r.end) for r in s.execute(select(InconvenientTime).where(
            InconvenientTime.account_id == account_id)).scalars()]


@pytest.mark.parametrize("sender, language, text, span, said", [
    (EN_PHONE, "en", "can you call me instead? after 5 is best", (time(0), time(17)), "before 17:00"),
    (EN_PHONE, "en", "evenings are better", (time(0), time(18)), "before 18:00"),
    (ZH_PHONE, "zh", "下午五点以后比较方便", (time(0), time(17)), "17:00之前"),
    # asked to be called at a time, with no "best"/"better": stored as the time NOT to call
    # before (found reading the preference reader after the wave-8 merge)
    (EN_PHONE, "en", "call me after 6", (time(0), time(18)), "before 18:00"),
    (EN_PHONE, "en", "pls text me in the evening", (time(0), time(18)), "before 18:00"),
])
async def test_a_preferred_time_is_not_stored_as_the_time_to_avoid(portfolio, sender, language, text, span, said):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text=text, sender=sender, language=language)
    await ActionRecordInconvenientTime().run(dispatcher, tracker, {})
    assert _spans("A1" if sender == EN_PHONE else "Z1") == [span]
    assert dispatcher.messages[0]["window"] == said


async def test_the_attorneys_number_given_with_the_representation_is_noted(portfolio) -> None:
    from bot.store.db import session_scope
    from bot.store.models import EvidenceRecord

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="attorney_represented", text="律师姓李，电话13912345678", sender=ZH_PHONE,
                           language="zh")
    await ActionRecordStatus().run(dispatcher, tracker, {})
    with session_scope() as s:
        notes = [json.loads(r.payload)["text"] for r in s.execute(select(EvidenceRecord).where(
            EvidenceRecord.kind == "attorney_contact")).scalars()]
    assert notes == ["律师姓李，电话13912345678"]


async def test_a_promise_to_pay_off_that_waited_for_verification_keeps_its_words(portfolio, capsys) -> None:
    """"我下个月初还清" before verification: answered after the identity answer, whose text
    is not the promise; the promise's own words say it is the whole balance."""
    promise = {"event": "user", "text": "我下个月初还清",
               "parse_data": {"intent": {"name": "promise_to_pay", "confidence": 0.9}, "entities": []}}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="provide_identity", text="我生日是1985年6月15日", sender=ZH_PHONE,
                           language="zh", slots={"date": "2026-12-10"}, events=[promise])
    events = await ActionEvaluatePromise().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_promise_counter"]
    offer = offer_from_slot(_slot(events, "current_offer"))
    assert (offer.total, offer.first_due) == (Decimal("6000.00"), date(2026, 12, 10))
