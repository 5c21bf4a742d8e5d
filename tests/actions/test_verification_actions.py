"""Verification actions against the store: exact events, nothing disclosed on failure."""

from __future__ import annotations

from rasa_sdk.events import ActionExecuted, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionSessionStart
from actions.verification import (
    ActionGreetOutbound,
    ActionStartVerification,
    ActionVerificationResult,
    ValidateVerificationForm,
)
from bot.config import get_settings
from tests.actions.conftest import EN_PHONE, ZH_PHONE, make_tracker, responses

DOMAIN = {"slots": {"identity_value": {"type": "text", "mappings": [{"type": "custom"}]}}, "forms": {"verification_form": {"required_slots": ["identity_value"]}}}


async def test_session_start_finds_the_account_by_phone(portfolio) -> None:
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(slots={}, sender=ZH_PHONE), {})
    s = get_settings()
    assert events == [
        SessionStarted(),
        SlotSet("account_id", "Z1"),
        SlotSet("language", "zh"),
        SlotSet("pack", "cn"),
        SlotSet("debtor_name", "王芳"),
        # a zh conversation hears the institution's Chinese name, as its SMS texts and the cn
        # call opening say it (one name per conversation)
        SlotSet("company", s.company_name_zh),
        SlotSet("callback_number", s.callback_number),
        SlotSet("verified", False),
        ActionExecuted("action_listen"),
    ]


async def test_session_start_unknown_phone_takes_the_message_language(portfolio) -> None:
    tracker = make_tracker(slots={"pack": None}, sender="+12025550199", language="zh")
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, {})
    assert events[1:6] == [SlotSet("account_id", None), SlotSet("language", "zh"), SlotSet("pack", "us"),
                           SlotSet("debtor_name", None), SlotSet("company", get_settings().company_name_zh)]


async def test_outbound_greeting_asks_for_the_name_only(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionGreetOutbound().run(dispatcher, make_tracker(intent="start_reminder", slots={"verified": False}), {})
    assert events == [SlotSet("awaiting", "name")]
    assert responses(dispatcher) == ["utter_greet_outbound"]


async def test_debt_question_before_verification_asks_the_name(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStartVerification().run(dispatcher, make_tracker(intent="ask_balance", slots={"verified": False}), {})
    assert events == [SlotSet("pending_intent", "ask_balance"), SlotSet("awaiting", "name")]
    assert responses(dispatcher) == ["utter_ask_confirm_name"]


def _form_tracker(entities, attempts: float, intent: str = "provide_identity"):
    return make_tracker(
        intent=intent,
        entities=entities,
        slots={"verified": False, "verification_attempts": attempts, "requested_slot": "identity_value"},
        active_loop="verification_form",
    )


async def test_three_wrong_answers_fail_and_disclose_nothing(portfolio) -> None:
    form = ValidateVerificationForm()
    all_messages = []
    attempts = 0.0
    results = []
    for _ in range(3):
        dispatcher = CollectingDispatcher()
        events = await form.run(dispatcher, _form_tracker([{"entity": "id_last4", "value": "9999"}], attempts), DOMAIN)
        results.append(events)
        all_messages += responses(dispatcher)
        attempts = next(e["value"] for e in events if e["name"] == "verification_attempts")
    assert results[0] == [SlotSet("identity_value", None), SlotSet("verification_attempts", 1.0)]
    assert results[1] == [SlotSet("identity_value", None), SlotSet("verification_attempts", 2.0)]
    assert results[2] == [SlotSet("identity_value", "failed"), SlotSet("verification_attempts", 3.0)]
    assert all_messages == ["utter_identity_mismatch", "utter_identity_mismatch"]
    dispatcher = CollectingDispatcher()
    events = await ActionVerificationResult().run(dispatcher, make_tracker(slots={"verified": False, "verification_attempts": 3.0}), {})
    assert events == [SlotSet("identity_value", None), SlotSet("pending_intent", None)]
    assert responses(dispatcher) == ["utter_verification_failed"]
    assert all("balance" not in m and "creditor" not in m for m in dispatcher.messages)
    again = CollectingDispatcher()
    assert await ActionStartVerification().run(again, make_tracker(intent="ask_balance", slots={"verified": False, "verification_attempts": 3.0}), {}) == []
    assert responses(again) == ["utter_verification_failed"]


async def test_right_answer_verifies_and_records_it(portfolio) -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    events = await ValidateVerificationForm().run(
        CollectingDispatcher(), _form_tracker([{"entity": "dob", "value": "1980-01-31"}], 1.0), DOMAIN
    )
    assert events == [SlotSet("identity_value", "passed"), SlotSet("verified", True)]
    with session_scope() as s:
        assert repo.is_verified(s, "A1", EN_PHONE)


async def test_verified_us_debtor_gets_mini_miranda_then_the_balance(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionVerificationResult().run(dispatcher, make_tracker(slots={"pending_intent": "ask_balance"}), {})
    assert events == [SlotSet("identity_value", None), SlotSet("pending_intent", None),
                      FollowupAction("action_tell_balance")]
    assert responses(dispatcher) == ["utter_verified_us"]


async def test_interruption_is_not_counted_as_an_answer(portfolio) -> None:
    events = await ValidateVerificationForm().run(CollectingDispatcher(), _form_tracker([], 0.0, intent="wrong_number"), DOMAIN)
    assert [e for e in events if e["name"] != "requested_slot"] == []


async def test_a_campaign_notice_is_said_before_the_greeting(portfolio):
    notice = "Hi Ada, this is a reminder from Northwind. Reply to talk to us."
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="start_reminder", slots={"verified": False},
                           entities=[{"entity": "campaign_notice", "value": notice}])
    await ActionGreetOutbound().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["text"] == notice
    assert responses(dispatcher)[1:] == ["utter_greet_outbound"]
