"""Negotiation and status actions write the store rows the contract promises."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import offer_from_slot
from actions.handoff import ActionHandoff
from actions.negotiation import (
    ActionAcceptOffer,
    ActionEvaluateInstallment,
    ActionEvaluatePromise,
    ActionExplainDiscount,
    ActionOfferPlans,
    ActionOfferSettlement,
)
from actions.statuses import ActionOptOut, ActionRecordStatus, ActionWrongNumber
from tests.actions.conftest import CSV, EN_PHONE, ZH_PHONE, export, make_tracker, responses
from tests.importing import import_csv


async def test_six_month_proposal_accepted_then_stored_with_its_schedule(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="propose_installment", entities=[{"entity": "months", "value": "6"}], slots={"months": "6"})
    events = await ActionEvaluateInstallment().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_plan_accept_proposal"]
    offer_json = next(e["value"] for e in events if e["name"] == "current_offer")
    offer = offer_from_slot(offer_json)
    assert (offer.kind, offer.months, sum(a for _, a in offer.installments)) == ("plan", 6, offer.total)
    assert SlotSet("awaiting", "offer") in events
    dispatcher = CollectingDispatcher()
    done = await ActionAcceptOffer().run(dispatcher, make_tracker(intent="affirm", slots={"current_offer": offer_json, "awaiting": "offer"}), {})
    assert done == [SlotSet("current_offer", None), SlotSet("awaiting", None), SlotSet("negotiation_rounds", 0.0)]
    assert responses(dispatcher) == ["utter_arrangement_confirmed"]
    rows = export("arrangements", capsys)
    assert [(r["account_id"], r["kind"], len(r["installments"]), Decimal(r["total"])) for r in rows] == [
        ("A1", "plan", 6, offer.total)
    ]


async def test_too_small_installment_gets_a_counter_and_counts_a_round(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="propose_installment", entities=[{"entity": "amount", "value": "5.00"}], slots={"amount": "5.00"})
    events = await ActionEvaluateInstallment().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_plan_counter"]
    assert SlotSet("negotiation_rounds", 1.0) in events


async def test_counter_beyond_max_rounds_hands_off(portfolio, capsys) -> None:
    from bot.negotiation import load_policy

    rounds = float(load_policy("Acme Bank").max_rounds)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="propose_installment", slots={"amount": "5.00", "negotiation_rounds": rounds})
    await ActionEvaluateInstallment().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_handoff", None]
    assert dispatcher.messages[1]["custom"] == {"handoff": True, "reason": "negotiation_rounds"}
    assert [(r["account_id"], r["reason"]) for r in export("handoffs", capsys)] == [("A1", "negotiation_rounds")]


async def test_a_yes_naming_other_months_is_a_new_proposal_not_the_offer(portfolio, capsys) -> None:
    """"yeah 4 months is good" after a 6-month counter: not stored as the 6-month plan."""
    dispatcher = CollectingDispatcher()
    counter = await ActionEvaluateInstallment().run(
        dispatcher, make_tracker(intent="propose_installment", slots={"amount": "5.00"}), {})
    offer_json = next(e["value"] for e in counter if e["name"] == "current_offer")
    assert offer_from_slot(offer_json).months != 4
    dispatcher = CollectingDispatcher()
    events = await ActionAcceptOffer().run(dispatcher, make_tracker(
        intent="affirm", entities=[{"entity": "months", "value": "4"}],
        slots={"current_offer": offer_json, "awaiting": "offer", "negotiation_rounds": 1.0}), {})
    assert responses(dispatcher) == ["utter_plan_counter"]  # Acme offers 3, 6 or 12 months
    assert SlotSet("negotiation_rounds", 2.0) in events
    assert events[-1] == FollowupAction("action_listen")  # the counter ends the turn
    assert export("arrangements", capsys) == []


async def test_a_yes_restating_the_offer_still_accepts_it(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="propose_installment", slots={"months": "6"})
    offer_json = next(e["value"] for e in await ActionEvaluateInstallment().run(dispatcher, tracker, {})
                      if e["name"] == "current_offer")
    dispatcher = CollectingDispatcher()
    await ActionAcceptOffer().run(dispatcher, make_tracker(
        intent="affirm", entities=[{"entity": "months", "value": "6"}],
        slots={"current_offer": offer_json, "awaiting": "offer"}), {})
    assert responses(dispatcher) == ["utter_arrangement_confirmed"]
    assert [r["kind"] for r in export("arrangements", capsys)] == ["plan"]


async def test_the_plan_list_waits_for_a_choice(portfolio) -> None:
    events = await ActionOfferPlans().run(CollectingDispatcher(), make_tracker(intent="request_payment_plan"), {})
    assert SlotSet("awaiting", "plans") in events


async def test_promise_is_stored(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        intent="promise_to_pay",
        sender=ZH_PHONE,
        language="zh",
        entities=[{"entity": "amount", "value": "500.00"}, {"entity": "date", "value": "2026-12-04"}],
    )
    await ActionEvaluatePromise().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_promise_accepted"]
    assert dispatcher.messages[0]["date"] == "2026年12月4日"
    rows = export("arrangements", capsys)
    assert [(r["account_id"], r["kind"], r["installments"]) for r in rows] == [
        ("Z1", "promise", [{"due_date": "2026-12-04", "amount": "500.00"}])
    ]


async def test_settlement_offer_waives_interest(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionOfferSettlement().run(dispatcher, make_tracker(intent="pay_in_full"), {})
    offer = offer_from_slot(events[0]["value"])
    assert (offer.kind, offer.waived_interest > 0, offer.total < Decimal("1200.00")) == ("settlement", True, True)
    assert responses(dispatcher) == ["utter_offer_settlement"]


async def test_new_terms_replace_the_open_arrangement(portfolio, capsys) -> None:
    """"i can pay 100 on friday", then "actually can i do 3 months instead" and yes: one
    open arrangement (the plan); the promise is kept on file as cancelled, with evidence."""
    dispatcher = CollectingDispatcher()
    await ActionEvaluatePromise().run(dispatcher, make_tracker(
        intent="promise_to_pay", slots={"amount": "100.00", "date": "2026-12-04"}), {})
    assert responses(dispatcher) == ["utter_promise_accepted"]
    events = await ActionEvaluateInstallment().run(CollectingDispatcher(), make_tracker(
        intent="propose_installment", entities=[{"entity": "months", "value": "3"}], slots={"months": "3"}), {})
    offer_json = next(e["value"] for e in events if e["name"] == "current_offer")
    await ActionAcceptOffer().run(CollectingDispatcher(), make_tracker(
        intent="affirm", slots={"current_offer": offer_json, "awaiting": "offer"}), {})
    await ActionAcceptOffer().run(CollectingDispatcher(), make_tracker(
        intent="affirm", slots={"current_offer": offer_json, "awaiting": "offer"}), {})  # the same yes again
    rows = export("arrangements", capsys)
    assert [(r["kind"], r["status"]) for r in rows] == [("promise", "cancelled"), ("plan", "accepted")]
    import json

    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import EvidenceRecord

    with session_scope() as s:
        cancelled = [json.loads(p) for p in s.execute(select(EvidenceRecord.payload).where(
            EvidenceRecord.kind == "arrangement_cancelled")).scalars()]
    assert [(p["kind"], p["replaced_by"]) for p in cancelled] == [("promise", rows[1]["id"])]


@pytest.mark.parametrize("sender,language", [(EN_PHONE, "en"), (ZH_PHONE, "zh")])
async def test_nothing_to_waive_is_not_called_a_discount(portfolio, tmp_path, sender: str, language: str) -> None:
    """A balance with no interest or fees was offered "we can waive $0.00 of interest:
    $500.00 instead of $500.00" (found playing "is there any discount if i pay the whole
    thing today" over the SMS webhook)."""
    import_csv(tmp_path, CSV.replace("1000.00,150.00,50.00", "1200.00,0.00,0.00")
               .replace("5000.00,800.00,200.00", "6000.00,0.00,0.00"), "no_interest.csv")
    for action, response in ((ActionOfferSettlement(), "utter_offer_full_payment"),
                             (ActionExplainDiscount(), "utter_no_discount")):
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, make_tracker(intent="pay_in_full", sender=sender, language=language), {})
        offer = offer_from_slot(events[0]["value"])
        assert (offer.kind, offer.waived_interest, offer.total) == (
            "settlement", Decimal("0.00"), Decimal("1200.00" if language == "en" else "6000.00"))
        assert responses(dispatcher) == [response]


async def test_opt_out_is_recorded(portfolio) -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    dispatcher = CollectingDispatcher()
    assert await ActionOptOut().run(dispatcher, make_tracker(intent="opt_out", slots={"verified": False}), {}) == [SlotSet("awaiting", None)]
    assert responses(dispatcher) == ["utter_opted_out"]
    with session_scope() as s:
        assert repo.is_opted_out(s, EN_PHONE, "sms")
    assert dispatcher.messages[0].get("message_kind") == "confirmation"  # the one message let through


async def test_stop_calling_me_on_a_call_is_a_voice_opt_out_that_covers_robotexts(portfolio) -> None:
    from bot.channels import outbox
    from bot.store import repo
    from bot.store.db import session_scope

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="opt_out", text="stop calling me", input_channel="twilio_voice")
    await ActionOptOut().run(dispatcher, tracker, {})
    with session_scope() as s:
        assert repo.is_opted_out(s, EN_PHONE, "voice") and not repo.is_opted_out(s, EN_PHONE, "sms")
        reminder = outbox.screen(s, phone=EN_PHONE, text="Hi, this is a reminder.", channel="sms",
                                 kind="outbound")
    assert "optout.robo" in {r.rule for r in reminder.decision.reasons}  # FCC 24-18


async def test_wrong_number_flags_the_phone_and_says_nothing_about_the_account(portfolio) -> None:
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import Phone

    dispatcher = CollectingDispatcher()
    await ActionWrongNumber().run(dispatcher, make_tracker(intent="wrong_number", slots={"verified": False}), {})
    assert responses(dispatcher) == ["utter_wrong_number"]
    with session_scope() as s:
        assert s.execute(select(Phone.wrong_number).where(Phone.e164 == EN_PHONE)).scalar_one() is True


async def test_dispute_then_handoff(portfolio, capsys) -> None:
    tracker = make_tracker(intent="dispute_debt", slots={"verified": False})
    dispatcher = CollectingDispatcher()
    assert await ActionRecordStatus().run(dispatcher, tracker, {}) == [SlotSet("awaiting", None), SlotSet("current_offer", None)]
    await ActionHandoff().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_dispute", "utter_handoff", None]
    assert dispatcher.messages[2]["custom"] == {"handoff": True, "reason": "dispute"}
    assert [(r["account_id"], r["reason"]) for r in export("handoffs", capsys)] == [("A1", "dispute")]


async def test_negative_streak_gives_the_handoff_reason(portfolio, capsys) -> None:
    negative = {"event": "user", "parse_data": {"intent": {"name": "express_anger"}, "emotion": {"negative": True, "score": 0.9}}}
    tracker = make_tracker(intent="express_anger", events=[negative, negative])
    tracker.latest_message["emotion"] = {"negative": True, "score": 0.9}
    tracker.events[-1]["parse_data"]["emotion"] = {"negative": True, "score": 0.9}
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker, {})
    assert dispatcher.messages[-1]["custom"] == {"handoff": True, "reason": "negative_emotion"}


def test_installment_amount_names_a_last_installment_that_differs() -> None:
    from datetime import date
    from types import SimpleNamespace

    from bot import locale

    uneven = SimpleNamespace(currency="CNY", months=3, installments=[
        (date(2026, 12, 5), Decimal("641.66")), (date(2027, 1, 5), Decimal("641.66")),
        (date(2027, 2, 5), Decimal("641.68"))])
    even = SimpleNamespace(currency="USD", months=2, installments=[
        (date(2026, 12, 5), Decimal("50.00")), (date(2027, 1, 5), Decimal("50.00"))])
    assert "641.68" in locale.installment_amount(uneven, "zh")
    assert "末期" in locale.installment_amount(uneven, "zh")
    assert "last" in locale.installment_amount(uneven, "en")
    assert "last" not in locale.installment_amount(even, "en")
    assert "641.68" in locale.plan_option(uneven, "zh")


async def test_distress_on_a_negative_streak_is_queued_as_distress(portfolio, capsys) -> None:
    """The distress rule sends the crisis line then action_handoff; on the third upset
    message the streak used to name the handoff "negative_emotion", out of the distress queue."""
    negative = {"event": "user", "parse_data": {"intent": {"name": "express_anger"}, "emotion": {"negative": True, "score": 0.9}}}
    tracker = make_tracker(intent="express_distress", events=[negative, negative])
    tracker.latest_message["emotion"] = {"negative": True, "score": 0.9}
    tracker.events[-1]["parse_data"]["emotion"] = {"negative": True, "score": 0.9}
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker, {})
    assert dispatcher.messages[-1]["custom"] == {"handoff": True, "reason": "distress"}
