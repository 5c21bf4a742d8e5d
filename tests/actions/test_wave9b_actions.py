"""Wave 9 (convo3), at the action level with a real Tracker and CollectingDispatcher:
"我下周出差 回来再说吧" / "im travelling for work till the 10th, lets talk after" ask for time.
They name no time to avoid, so `action_record_inconvenient_time` handed them to a person;
now they get the pause offer, verified first when the debtor is not yet."""

from __future__ import annotations

from datetime import date

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import offer_from_slot
from actions.statuses import ActionRecordInconvenientTime
from bot.negotiation.choice import asks_to_talk_later
from bot.nlu.split import HALF, parse_split_promise
from tests.actions.conftest import ZH_PHONE, make_tracker, responses


@pytest.mark.parametrize("text", [
    "我下周出差 回来再说吧", "im travelling for work till the 10th, lets talk after", "等我回来再说",
    "im away on business till the 10th, call me after", "text me when i'm back",
])
def test_away_and_talk_later_asks_for_time(text: str) -> None:
    assert asks_to_talk_later(text)


@pytest.mark.parametrize("text", [
    "I am at work, talk later", "dont call me after 9pm", "我在上班 不能接电话", "晚上再说", "i travel a lot", "我出差了",
])
def test_other_messages_do_not_put_the_talk_off(text: str) -> None:
    assert not asks_to_talk_later(text)


async def test_travelling_unverified_starts_verification_with_the_pause_pending(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text="我下周出差 回来再说吧", sender=ZH_PHONE,
                           language="zh", slots={"verified": False})
    events = await ActionRecordInconvenientTime().run(dispatcher, tracker, {})
    assert responses(dispatcher) == []  # nothing about the debt before verification
    # away: the pause worded for being away is what answers after verification (wave 10)
    assert events == [SlotSet("pending_intent", "talk_later"), FollowupAction("action_start_verification")]


async def test_travelling_verified_gets_the_pause_offer_not_a_person(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text="im travelling for work till the 10th, lets talk after")
    events = await ActionRecordInconvenientTime().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_offer_pause_away"]  # not "sorry things are hard" (wave 10)
    offer = next(e["value"] for e in events if e.get("event") == "slot" and e["name"] == "current_offer")
    assert offer_from_slot(offer).kind == "pause"


def test_zh_half_now_the_other_half_next_month_is_two_parts() -> None:
    """"先还一半 下个月再还另一半": the "再" after "下个月" cut the month into the first part,
    leaving the second without a date (a person took it); English "half now and the other
    half next month" was read as two parts."""
    today = date(2026, 12, 2)
    said = parse_split_promise("先还一半 下个月再还另一半", today)
    assert said is not None and said.complete
    assert (said.amounts, said.dates) == ((HALF, None), (today, date(2027, 1, 1)))
    en = parse_split_promise("half now and the other half next month", today)
    assert en is not None and (en.amounts, en.dates) == (said.amounts, said.dates)


async def test_travelling_on_a_disputed_account_gets_no_offer(portfolio) -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        repo.set_status(s, "A1", "dispute", note="test")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text="im travelling for work till the 10th, lets talk after")
    await ActionRecordInconvenientTime().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_handoff"]
