"""Wave 9 (played): the actions behind four conversation defects.

- "dont ring me at the office": not at work, recorded as the workplace flag (a handoff
  before: the place was not read, and no time span either);
- an already verified debtor is never asked to verify again;
- "actually can we make it monday instead" / "能改到下周一吗" after a recorded promise moves
  that promise (one promise, the new date, said back) instead of recording a second one;
- "40 on the 1st and 40 on the 15th every month" is a plan of 80 a month, not a one-off 40.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.common import offer_from_slot
from actions.negotiation import ActionEvaluateInstallment, ActionEvaluatePromise
from actions.statuses import ActionRecordInconvenientTime
from actions.verification import ActionStartVerification
from tests.actions.conftest import EN_PHONE, ZH_PHONE, export, make_tracker, responses


async def _run(action, text: str, intent: str, sender: str = EN_PHONE, entities=(), slots=None,
               language: str = ""):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent=intent, text=text, sender=sender,
                           language=language or ("en" if sender == EN_PHONE else "zh"), entities=entities, slots=slots)
    events = await action().run(dispatcher, tracker, {})
    return dispatcher, events


def _arrangements(capsys):
    return [(r["kind"], r["status"], [(i["due_date"], Decimal(i["amount"])) for i in r["installments"]])
            for r in export("arrangements", capsys)]


@pytest.mark.parametrize("sender,text,said", [
    (EN_PHONE, "dont ring me at the office", "at work"),
    (EN_PHONE, "stop calling my work number", "at work"),
    (ZH_PHONE, "上班的地方不要再打来", "在工作单位"),
])
async def test_not_at_work_sets_the_workplace_flag(portfolio, sender, text, said) -> None:
    from bot.store.db import session_scope
    from bot.store.models import Account, Handoff

    dispatcher, _ = await _run(ActionRecordInconvenientTime, text, "inconvenient_time", sender)
    assert responses(dispatcher) == ["utter_inconvenient_time"]
    assert dispatcher.messages[0]["window"] == said
    with session_scope() as s:
        assert s.get(Account, "A1" if sender == EN_PHONE else "Z1").employer_prohibits is True
        assert list(s.query(Handoff)) == []


@pytest.mark.parametrize("intent,follow", [("promise_to_pay", "action_evaluate_promise"),
                                           ("ask_balance", "action_tell_balance")])
async def test_a_verified_debtor_is_not_asked_to_verify_again(portfolio, intent, follow) -> None:
    dispatcher, events = await _run(ActionStartVerification, "能改到下周一吗", intent, ZH_PHONE,
                                    slots={"verified": True, "name_confirmed": True})
    assert dispatcher.messages == []
    assert FollowupAction(follow) in events


FRIDAY, MONDAY = "2026-12-04", "2026-12-07"


@pytest.mark.parametrize("sender,promise,move,amount", [
    (EN_PHONE, "ill pay 100 this friday", "actually can we make it monday instead", "100.00"),
    (ZH_PHONE, "这周五还一千", "能改到下周一吗", "1000.00"),
])
async def test_moving_a_promise_changes_its_date(portfolio, capsys, sender, promise, move, amount) -> None:
    first, _ = await _run(ActionEvaluatePromise, promise, "promise_to_pay", sender,
                          entities=[{"entity": "amount", "value": amount}, {"entity": "date", "value": FRIDAY}])
    assert responses(first) == ["utter_promise_accepted"]
    moved, events = await _run(ActionEvaluatePromise, move, "promise_to_pay", sender,
                               entities=[{"entity": "date", "value": MONDAY}])
    assert responses(moved) == ["utter_promise_accepted"]
    assert moved.messages[0]["date"] == ("2026-12-07" if sender == EN_PHONE else "2026年12月7日")
    assert _arrangements(capsys) == [("promise", "accepted", [(MONDAY, Decimal(amount))])]
    assert FollowupAction("action_listen") in events


async def test_a_new_amount_or_no_move_word_is_not_a_move(portfolio, capsys) -> None:
    await _run(ActionEvaluatePromise, "ill pay 100 this friday", "promise_to_pay",
               entities=[{"entity": "amount", "value": "100.00"}, {"entity": "date", "value": FRIDAY}])
    # a second promise of another amount is weighed as before (it replaces the first on file)
    again, _ = await _run(ActionEvaluatePromise, "ill pay 200 on monday", "promise_to_pay",
                          entities=[{"entity": "amount", "value": "200.00"}, {"entity": "date", "value": MONDAY}])
    assert responses(again) == ["utter_promise_accepted"]
    assert [a for a in _arrangements(capsys) if a[1] == "accepted"] == [
        ("promise", "accepted", [(MONDAY, Decimal("200.00"))])]


async def test_with_no_promise_on_file_a_move_is_an_ordinary_promise_question(portfolio, capsys) -> None:
    asked, _ = await _run(ActionEvaluatePromise, "can we make it monday instead", "promise_to_pay",
                          entities=[{"entity": "date", "value": MONDAY}])
    assert responses(asked) == ["utter_ask_promise_details"]
    assert _arrangements(capsys) == []


@pytest.mark.parametrize("sender,text,intent,entities,monthly", [
    (EN_PHONE, "could i do 40 on the 1st and 40 on the 15th every month", "promise_to_pay",
     [{"entity": "amount", "value": "40.00"}, {"entity": "date", "value": "2026-12-01"},
      {"entity": "date", "value": "2026-12-15"}], Decimal("80.00")),
    # the test portfolio's zh account is on a creditor with no CNY plans: the words are read the same
    (EN_PHONE, "每月1号和15号各还200", "propose_installment",
     [{"entity": "date", "value": "2026-12-15"}, {"entity": "amount", "value": "200.00"}], Decimal("400.00")),
])
async def test_a_monthly_amount_in_parts_is_a_monthly_plan(portfolio, capsys, sender, text, intent, entities,
                                                           monthly) -> None:
    action = ActionEvaluatePromise if intent == "promise_to_pay" else ActionEvaluateInstallment
    dispatcher, events = await _run(action, text, intent, sender, entities=entities, language="en")
    # a plan is one payment a month: the parts are said to be unavailable, the plan their
    # monthly total fits is asked about (wave 10: it was "That works" to a plan not proposed)
    assert responses(dispatcher) == ["utter_plan_parts"]
    assert dispatcher.messages[0]["per_month"] == f"${monthly:,.2f}"
    offer = offer_from_slot(next(e["value"] for e in events if e.get("name") == "current_offer"))
    assert offer.kind == "plan"
    # the fewest listed months whose payment fits the monthly amount, not a one-off of one part
    assert Decimal(str(offer.installments[0][1])) <= monthly or offer.months == 12
    assert _arrangements(capsys) == []  # a plan is stored on the debtor's yes
