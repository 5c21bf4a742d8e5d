"""A payment claim already with a person: the follow-up ("i have the receipt", "有转账记录")
gets one short answer, not the claim's answer and a second handoff notice again.

Found playing a debtor: "i already paid this yesterday" then "i have the receipt" sent
"Thank you for letting us know..." and "I'm passing this to a member of our team..." twice.
"""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from actions.statuses import ActionRecordStatus
from tests.actions.conftest import EN_PHONE, ZH_PHONE, export, make_tracker, responses


async def _turn(text: str, sender: str, language: str) -> tuple[list, list]:
    """One already_paid turn as its rule runs it: record the status, then hand off unless
    the status action ended the turn with a FollowupAction."""
    tracker = make_tracker(intent="already_paid", text=text, sender=sender, language=language,
                           slots={"verified": False})
    dispatcher = CollectingDispatcher()
    events = await ActionRecordStatus().run(dispatcher, tracker, {})
    if not any(isinstance(e, dict) and e.get("event") == "followup" for e in events):
        events += await ActionHandoff().run(dispatcher, tracker, {})
    return responses(dispatcher), events


@pytest.mark.parametrize("sender,lang,first,second", [
    (EN_PHONE, "en", "i already paid this yesterday", "i have the receipt"),
    (ZH_PHONE, "zh", "我昨天已经还了", "有转账记录"),
])
async def test_follow_up_to_a_payment_claim_is_one_short_answer(portfolio, capsys, sender, lang,
                                                                first, second) -> None:
    said, _ = await _turn(first, sender, lang)
    assert said == ["utter_already_paid", "utter_handoff", None]  # None: the voice handoff payload
    said, events = await _turn(second, sender, lang)
    assert said == ["utter_paid_followup"]
    assert FollowupAction("action_listen") in events
    rows = export("handoffs", capsys)
    assert [(r["reason"], r["status"]) for r in rows] == [("paid_claim", "queued")]


async def test_a_claim_after_a_different_handoff_is_still_recorded_and_joins_it(portfolio, capsys) -> None:
    # the open handoff is for a dispute: "i already paid" is news to the person, said in full
    tracker = make_tracker(intent="dispute_debt", slots={"verified": False})
    await ActionHandoff().run(CollectingDispatcher(), tracker, {})
    said, _ = await _turn("i already paid it", EN_PHONE, "en")
    assert said == ["utter_already_paid", "utter_handoff", None]
    rows = export("handoffs", capsys)
    assert [r["reason"] for r in rows] == ["dispute,paid_claim"]


async def test_a_resolved_handoff_makes_the_next_claim_new(portfolio, capsys) -> None:
    from sqlalchemy import update

    from bot.store.db import session_scope
    from bot.store.models import Handoff

    await _turn("i already paid", EN_PHONE, "en")
    with session_scope() as s:
        s.execute(update(Handoff).values(status="resolved"))
    said, _ = await _turn("i paid it again, check it", EN_PHONE, "en")
    assert said == ["utter_already_paid", "utter_handoff", None]
    assert len(export("handoffs", capsys)) == 2
