"""Issue 15: on a call the payment link is offered, not read out; a yes texts it through
the one send path (gated like any SMS), a no or a blocked text is said honestly."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.payment_links import ActionTextPaymentLink
from actions.reminders import ActionTellBalance
from tests.actions.conftest import EN_PHONE, ZH_PHONE, make_tracker, responses

LINK = "https://pay.example.com/A1?amount=1200.00"


def queued_texts(phone: str) -> list:
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import OutboxMessage

    with session_scope() as s:
        return s.execute(select(OutboxMessage.body).where(
            OutboxMessage.to_number == phone)).scalars().all()


async def test_the_balance_on_a_call_remembers_the_link_to_text(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionTellBalance().run(
        dispatcher, make_tracker(intent="ask_balance", input_channel="twilio_voice"), {})
    assert responses(dispatcher) == ["utter_balance"]
    assert SlotSet("link_offered", True) in events
    link = next(e["value"] for e in events if e["name"] == "offered_link")
    assert link.startswith("https://pay.example.com/A1")
    # by SMS the link is in the text itself: nothing to offer
    sms = CollectingDispatcher()
    assert await ActionTellBalance().run(sms, make_tracker(intent="ask_balance",
                                                           input_channel="twilio"), {}) == []


async def test_the_link_offer_after_the_plan_list_is_what_a_yes_answers(portfolio) -> None:
    """Plans listed, then the balance on a call: a yes is to the texted link, not the list."""
    events = await ActionTellBalance().run(CollectingDispatcher(), make_tracker(
        intent="ask_balance", input_channel="twilio_voice", slots={"awaiting": "plans"}), {})
    assert SlotSet("link_offered", True) in events and SlotSet("awaiting", None) in events


def verified(account_id: str, phone: str) -> None:
    """The store's verification (what action_verification_result records on a pass)."""
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        repo.mark_verified(s, account_id, phone)


async def test_yes_texts_the_link_through_the_send_path(portfolio) -> None:
    verified("A1", EN_PHONE)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", input_channel="twilio_voice",
                           slots={"link_offered": True, "offered_link": LINK})
    events = await ActionTextPaymentLink().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_link_texted"]
    assert events == [SlotSet("link_offered", False), SlotSet("offered_link", None)]
    [body] = queued_texts(EN_PHONE)
    assert LINK in body and "STOP" in body  # screened like any SMS: the opt-out line added


async def test_asking_how_to_pay_after_the_offer_is_a_yes(portfolio) -> None:
    verified("A1", EN_PHONE)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="ask_payment_methods", text="ok send it over",
                           input_channel="twilio_voice",
                           slots={"link_offered": True, "offered_link": LINK})
    await ActionTextPaymentLink().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_link_texted"]
    assert len(queued_texts(EN_PHONE)) == 1


async def test_zh_yes_texts_a_chinese_link_message(portfolio) -> None:
    verified("Z1", ZH_PHONE)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", sender=ZH_PHONE, language="zh",
                           input_channel="twilio_voice",
                           slots={"link_offered": True, "offered_link": LINK})
    await ActionTextPaymentLink().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_link_texted"]
    [body] = queued_texts(ZH_PHONE)
    assert "还款链接" in body and LINK in body


async def test_no_sends_nothing(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="deny", input_channel="twilio_voice",
                           slots={"link_offered": True, "offered_link": LINK})
    await ActionTextPaymentLink().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_link_declined"]
    assert queued_texts(EN_PHONE) == []


async def test_a_text_the_gate_blocks_is_not_promised(portfolio) -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    verified("A1", EN_PHONE)
    with session_scope() as s:
        repo.record_optout(s, account_id="A1", phone=EN_PHONE, channel="sms", source="keyword")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="affirm", input_channel="twilio_voice",
                           slots={"link_offered": True, "offered_link": LINK})
    await ActionTextPaymentLink().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_link_not_sent"]
    assert queued_texts(EN_PHONE) == []
