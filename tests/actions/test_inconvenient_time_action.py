"""action_record_inconvenient_time stores the span the debtor stated (issue 13 item 1),
says it back, and hands off when no span can be read (no guessed span is stored)."""

from __future__ import annotations

from datetime import datetime, time, timezone

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


def _workplace(account_id: str):
    from bot.store.db import session_scope
    from bot.store.models import Account

    with session_scope() as s:
        account = s.get(Account, account_id)
        return account.employer_prohibits, [p.e164 for p in account.phones if p.work]


@pytest.mark.parametrize("sender, language, text, work_phones, said", [
    (EN_PHONE, "en", "don't call me at work", [], "at work"),
    (EN_PHONE, "en", "this is my work phone, my boss doesn't allow these calls", [EN_PHONE], "at work"),
    (ZH_PHONE, "zh", "你打的是我单位的电话，不要打到我单位", [ZH_PHONE], "在工作单位"),
])
async def test_work_is_an_inconvenient_place_the_gate_then_respects(portfolio, sender, language, text,
                                                                     work_phones, said):
    """Issue 13 item 1: "at work" sets the employer-prohibits flag (and, when the debtor says
    the number is a work number, the work-phone flag); the gate refuses that number."""
    from bot.store.db import session_scope
    from compliance_filters import OutgoingMessage, gate, load_pack

    account_id = "A1" if sender == EN_PHONE else "Z1"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="inconvenient_time", text=text, sender=sender, language=language)
    assert await ActionRecordInconvenientTime().run(dispatcher, tracker, {}) == []
    assert _workplace(account_id) == (True, work_phones)
    [message] = dispatcher.messages
    assert (message["response"], message["window"]) == ("utter_inconvenient_time", said)
    with session_scope() as s:
        from bot.store import repo

        recipient = repo.recipient_for(s, repo.get_account(s, account_id), sender)
    pack = load_pack("us" if sender == EN_PHONE else "cn")
    decision = gate(pack, OutgoingMessage("Please call us back.", "sms", "outbound"), recipient, [],
                    datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc))
    assert ("place.work" in [r.rule for r in decision.reasons]) is bool(work_phones)
