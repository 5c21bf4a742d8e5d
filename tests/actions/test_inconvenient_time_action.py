"""action_record_inconvenient_time stores the span the debtor stated (issue 13 item 1),
says it back, and hands off when no span can be read (no guessed span is stored)."""

from __future__ import annotations

from datetime import time

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.statuses import ActionRecordInconvenientTime
from tests.actions.conftest import EN_PHONE, ZH_PHONE, make_tracker, responses


def _spans(account_id: str):
    from bot.store.db import session_scope
    from bot.store.models import InconvenientTime

    with session_scope() as s:
        return [(r.start, r.end) for r in s.execute(select(InconvenientTime).where(
            InconvenientTime.account_id == account_id)).scalars()]


@pytest.mark.parametrize("sender, language, text, span, said", [
    (EN_PHONE, "en", "please don't call before noon", (time(0), time(12)), "before 12:00"),
    (EN_PHONE, "en", "not after 6pm", (time(18), time(0)), "after 18:00"),
    (ZH_PHONE, "zh", "不要在上午打电话", (time(0), time(12)), "12:00之前"),
])
async def test_the_stated_span_is_stored_and_confirmed(portfolio, sender, language, text, span, said):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text=text, sender=sender, language=language)
    assert await ActionRecordInconvenientTime().run(dispatcher, tracker, {}) == []
    assert _spans("A1" if sender == EN_PHONE else "Z1") == [span]
    [message] = dispatcher.messages
    assert (message["response"], message["window"]) == ("utter_inconvenient_time", said)


async def test_an_unreadable_span_goes_to_a_person(portfolio):
    from bot.store.db import session_scope
    from bot.store.models import Handoff

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text="this is a bad time for me")
    await ActionRecordInconvenientTime().run(dispatcher, tracker, {})
    assert _spans("A1") == []
    assert responses(dispatcher)[0] == "utter_handoff"
    with session_scope() as s:
        assert [h.reason for h in s.execute(select(Handoff)).scalars()] == ["inconvenient_time"]
