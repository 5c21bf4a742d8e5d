"""Issue 13 item 1: "working hours" / "上班时间" / "during the day" / "白天" are a time span
(09:00-18:00 local, said back as such), not the workplace flag; "at work" still is the flag."""

from __future__ import annotations

from datetime import time

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.statuses import ActionRecordInconvenientTime
from compliance_filters.inconvenient import inconvenient_span, mentions_work
from tests.actions.conftest import EN_PHONE, ZH_PHONE, make_tracker, responses


def _state(account_id: str):
    from bot.store.db import session_scope
    from bot.store.models import Account, InconvenientTime

    with session_scope() as s:
        spans = [(r.start, r.end) for r in s.execute(select(InconvenientTime).where(
            InconvenientTime.account_id == account_id)).scalars()]
        return spans, bool(s.get(Account, account_id).employer_prohibits)


NINE_TO_SIX = (time(9), time(18))


@pytest.mark.parametrize("sender, language, text, span, work, said", [
    (ZH_PHONE, "zh", "上班时间别打电话", NINE_TO_SIX, False, "上班时间（当地时间09:00-18:00）"),
    (ZH_PHONE, "zh", "白天别给我打电话", NINE_TO_SIX, False, "白天（当地时间09:00-18:00）"),
    (ZH_PHONE, "zh", "上班时间别打，晚上可以", NINE_TO_SIX, False, "上班时间（当地时间09:00-18:00）"),
    (ZH_PHONE, "zh", "我在上班不能接电话，上班时间别打", NINE_TO_SIX, True,
     "上班时间（当地时间09:00-18:00）及在工作单位时"),
    (EN_PHONE, "en", "dont call during working hours", NINE_TO_SIX, False,
     "during working hours (09:00-18:00 your local time)"),
    (EN_PHONE, "en", "please no calls during the day", NINE_TO_SIX, False,
     "during the day (09:00-18:00 your local time)"),
    (EN_PHONE, "en", "i can't take calls at work", None, True, "at work"),
    (ZH_PHONE, "zh", "我在上班，晚上再说", None, True, "在工作单位"),
])
async def test_working_hours_are_a_span_and_at_work_is_the_flag(portfolio, sender, language, text, span, work,
                                                                 said) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text=text, sender=sender, language=language)
    await ActionRecordInconvenientTime().run(dispatcher, tracker, {})
    assert _state("A1" if sender == EN_PHONE else "Z1") == ([span] if span else [], work)
    [message] = dispatcher.messages
    assert (message["response"], message["window"]) == ("utter_inconvenient_time", said)


async def test_call_me_back_later_is_not_read_as_a_span(portfolio) -> None:
    """"下午3点之后再打" says when to call back: no span is guessed from it, a person asks."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text="下午3点之后再打", sender=ZH_PHONE, language="zh")
    await ActionRecordInconvenientTime().run(dispatcher, tracker, {})
    assert _state("Z1") == ([], False)
    assert responses(dispatcher)[0] == "utter_handoff"


@pytest.mark.parametrize("text, at_work", [
    ("上班时间别打电话", False), ("工作时间不要联系我", False), ("during business hours please don't call", False),
    ("don't call me at work", True), ("我在上班", True), ("不要打到我单位", True),
])
def test_working_hours_are_not_the_place(text, at_work) -> None:
    assert mentions_work(text) is at_work


def test_working_hours_read_before_parts_of_the_day() -> None:
    span = inconvenient_span("上班时间别打，晚上可以")
    assert span is not None and (span.start, span.end) == NINE_TO_SIX
