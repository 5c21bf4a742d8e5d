"""Wave 9 defects at the action level, with a real Tracker and CollectingDispatcher:
"ok" with nothing open, an amount at another cadence ("50 every 2 weeks"), the hardship
status's lifetime, and the pause said again as the one option it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.accounts import load_account
from actions.common import offer_from_slot
from actions.courtesy import ActionNothingOpen
from actions.negotiation import (
    ActionAcceptOffer,
    ActionEvaluateInstallment,
    ActionEvaluatePromise,
    ActionOfferHardship,
    in_hardship,
)
from bot import clock
from bot.clock import FixedClock
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import AccountStatus, Arrangement
from tests.actions.conftest import NOW, make_tracker, responses


def _slot(events, name):
    return next(e["value"] for e in events if e.get("event") == "slot" and e["name"] == name)


# --- defect 2: "ok" with nothing open

@pytest.mark.parametrize("text", ["ok", "k", "好", "嗯"])
async def test_ok_with_nothing_open_verified_says_what_can_be_done(portfolio, text) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionNothingOpen().run(dispatcher, make_tracker(intent="affirm", text=text), {})
    assert responses(dispatcher) == ["utter_nothing_open"]
    assert events == []  # nothing accepted, nothing stored
    with session_scope() as s:
        assert s.execute(select(Arrangement)).first() is None


async def test_ok_with_nothing_open_not_verified_starts_verification(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionNothingOpen().run(
        dispatcher, make_tracker(intent="affirm", text="ok", slots={"verified": False}), {})
    assert responses(dispatcher) == ["utter_ask_confirm_name"]
    assert SlotSet("awaiting", "name") in events


async def test_ok_after_a_wrong_number_asks_no_name(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    said_wrong = [{"event": "action", "name": "action_wrong_number"}]
    await ActionNothingOpen().run(dispatcher, make_tracker(
        intent="affirm", text="ok", slots={"verified": False}, events=said_wrong), {})
    assert responses(dispatcher) == ["utter_nothing_open_unverified"]


# --- defect 3: an amount at another cadence is a plan proposal

@pytest.mark.parametrize("action", [ActionEvaluatePromise, ActionEvaluateInstallment])
async def test_fifty_every_two_weeks_is_a_plan_proposal_in_monthly_terms(portfolio, action) -> None:
    dispatcher = CollectingDispatcher()
    intent = "promise_to_pay" if action is ActionEvaluatePromise else "propose_installment"
    events = await action().run(dispatcher, make_tracker(intent=intent, text="50 every 2 weeks"), {})
    assert responses(dispatcher) == ["utter_plan_cadence"]
    said = dispatcher.messages[0]
    assert said["said"] == "$50.00" and said["cadence"] == "every 2 weeks"
    assert said["per_month"] == "$108.33"  # 50 x 26 / 12, rounded down
    offer = offer_from_slot(_slot(events, "current_offer"))
    assert offer.kind == "plan" and offer.monthly_amount <= Decimal("108.33")
    assert SlotSet("awaiting", "offer") in events
    with session_scope() as s:  # a question, not an agreement
        assert s.execute(select(Arrangement)).first() is None


async def test_a_weekly_amount_with_the_amount_entity(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEvaluatePromise().run(dispatcher, make_tracker(
        intent="promise_to_pay", text="i can do $40 a week",
        entities=[{"entity": "amount", "value": "40.00"}]), {})
    assert responses(dispatcher) == ["utter_plan_cadence"]
    assert dispatcher.messages[0]["per_month"] == "$173.33"


async def test_a_promise_with_a_date_is_still_a_promise(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEvaluatePromise().run(dispatcher, make_tracker(
        intent="promise_to_pay", text="i'll pay 100 next week",
        entities=[{"entity": "amount", "value": "100.00"}, {"entity": "date", "value": "2026-12-07"}]), {})
    assert responses(dispatcher) != ["utter_plan_cadence"]


# --- defect 4: the hardship status expires

def _report_hardship(days_ago: int) -> None:
    previous = clock.set_clock(FixedClock(NOW - timedelta(days=days_ago)))
    try:
        with session_scope() as s:
            repo.set_status(s, "A1", "hardship", note="debtor reported hardship")
    finally:
        clock.set_clock(previous)


async def test_a_recent_hardship_is_in_force(portfolio) -> None:
    _report_hardship(days_ago=30)
    assert in_hardship(make_tracker(), load_account(make_tracker()))


async def test_an_old_hardship_has_expired_and_is_lifted(portfolio) -> None:
    # acme_bank.yml pauses for 60 days: the lifetime is max(90, 60 + 30) = 90 days
    _report_hardship(days_ago=91)
    assert not in_hardship(make_tracker(), load_account(make_tracker()))
    with session_scope() as s:
        rows = list(s.execute(select(AccountStatus).where(AccountStatus.status == "hardship")).scalars())
        assert rows and not any(r.active for r in rows)
        assert "hardship" not in repo.get_account(s, "A1").statuses


async def test_a_new_report_renews_an_expired_hardship(portfolio) -> None:
    _report_hardship(days_ago=200)
    dispatcher = CollectingDispatcher()
    await ActionOfferHardship().run(dispatcher, make_tracker(intent="financial_hardship", text="i lost my job"), {})
    assert in_hardship(make_tracker(), load_account(make_tracker()))


# --- defect 5: one option is not "the first option"

@pytest.mark.parametrize("language, text", [("en", "thanks"), ("zh", "谢谢")])
async def test_the_pause_said_again_is_one_option(portfolio, language, text) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionOfferHardship().run(dispatcher, make_tracker(intent="financial_hardship",
                                                                      text="i lost my job"), {})
    pause = _slot(events, "current_offer")
    dispatcher = CollectingDispatcher()
    await ActionAcceptOffer().run(dispatcher, make_tracker(
        intent="affirm", text=text, language=language, slots={"current_offer": pause, "awaiting": "offer"}), {})
    assert responses(dispatcher) == ["utter_offer_hardship_one"]


def test_one_option_wording_names_no_first_option() -> None:
    from pathlib import Path

    import yaml

    domain = yaml.safe_load(Path("bot/domain/negotiation.yml").read_text(encoding="utf-8"))
    texts = [v["text"] for v in domain["responses"]["utter_offer_hardship_one"]]
    assert len(texts) == 4
    assert not any("第一项" in t or "first" in t.lower() for t in texts)


# --- found playing: a verified debtor was asked to verify again after a fallback

async def test_start_verification_when_already_verified_answers_the_request(portfolio) -> None:
    from rasa_sdk.events import FollowupAction

    from actions.verification import ActionStartVerification

    dispatcher = CollectingDispatcher()
    events = await ActionStartVerification().run(dispatcher, make_tracker(
        intent="promise_to_pay", text="ill pay 100 on friday", slots={"verified": True}), {})
    assert "utter_ask_confirm_name" not in responses(dispatcher)
    assert FollowupAction("action_evaluate_promise") in events


# --- found playing: "can i pay monthly" read as a proposal with no terms got "how much per month?"

async def test_a_proposal_with_no_terms_lists_the_plans(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionEvaluateInstallment().run(dispatcher, make_tracker(
        intent="propose_installment", text="can i pay monthly"), {})
    assert responses(dispatcher) == ["utter_offer_plans"]
    assert SlotSet("awaiting", "plans") in events


async def test_a_bare_yes_to_the_plan_list_still_asks_how_much(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEvaluateInstallment().run(dispatcher, make_tracker(
        intent="affirm", text="yes", slots={"awaiting": "plans"}), {})
    assert responses(dispatcher) == ["utter_ask_installment"]
