"""Verification that listens, the pending request resumed, care on high-impact intents,
idempotent outcomes: real rasa_sdk Trackers and dispatchers against the store."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Action
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.care import ActionApplyConfirmed, ActionConfirmIntent, ActionDropUnconfirmed
from actions.common import offer_from_slot
from actions.handoff import perform_handoff
from actions.negotiation import ActionEvaluateInstallment, ActionEvaluatePromise, ActionOfferPlans
from actions.statuses import ActionRecordStatus
from actions.verification import (
    ActionStartVerification,
    ActionVerificationResult,
    ValidateVerificationForm,
    name_claim,
)
from tests.actions.conftest import EN_PHONE, ZH_PHONE, export, make_tracker, responses
from tests.importing import import_csv

FORM_DOMAIN = {"slots": {"identity_value": {"type": "text", "mappings": [{"type": "custom"}]}},
               "forms": {"verification_form": {"required_slots": ["identity_value"]}}}


def _all_actions() -> Dict[str, Action]:
    """Every action of the `actions` package by name, as the action server registers them."""
    import importlib
    import pkgutil

    import actions as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"actions.{module.name}")
    found: Dict[str, Action] = {}
    stack = list(Action.__subclasses__())
    while stack:
        cls = stack.pop()
        stack += cls.__subclasses__()
        if cls.__module__.startswith("actions."):
            try:
                found[cls().name()] = cls()
            except NotImplementedError:
                pass
    return found


def _apply(slots: Dict[str, Any], events: List[Dict[str, Any]]) -> Optional[str]:
    """Apply SlotSet events to `slots`; return the FollowupAction name, if any."""
    follow = None
    for e in events:
        if e["event"] == "slot":
            slots[e["name"]] = e["value"]
        elif e["event"] == "followup":
            follow = e["name"]
    return follow


# The request, its words and entities, and the answer each language expects after verification.
PENDING = {
    "ask_balance": ("how much do I owe", "现在欠多少", [], "utter_balance"),
    "request_payment_plan": ("can I pay monthly", "可以分期吗", [], "utter_offer_plans"),
    "propose_installment": ("can I do 3 months", "可以分3期吗", [{"entity": "months", "value": "3"}],
                            "utter_plan_accept_proposal"),
    "promise_to_pay": ("I can pay 300 on Dec 8", "我12月8号还800",
                       [{"entity": "amount", "value": "800.00"}, {"entity": "date", "value": "2026-12-08"}],
                       "utter_promise_accepted"),
    "pay_in_full": ("I'll pay it all off", "我一次性还清", [], "utter_offer_settlement"),
}
HUAXIA_PHONE = "+8613900139000"
LANGS = {"en": (EN_PHONE, {"entity": "dob", "value": "1980-01-31"}, {}),
         "zh": (HUAXIA_PHONE, {"entity": "id_last4", "value": "4821"},
                {"account_id": "Z2", "debtor_name": "李雷", "pack": "cn"})}


@pytest.fixture
def huaxia(portfolio, tmp_path):
    """A Chinese debtor of a CNY creditor whose policy has CNY terms."""
    import_csv(tmp_path, "account_id,name,phone,balance,language,timezone,pack,currency,creditor,dob,id_last4,zip\n"
                         f"Z2,李雷,{HUAXIA_PHONE},3000.00,zh,Asia/Shanghai,cn,CNY,华夏消费金融,1990-07-01,4821,\n",
               "huaxia.csv")
    return portfolio


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("intent", sorted(PENDING))
async def test_pending_request_is_answered_after_the_form(huaxia, lang: str, intent: str) -> None:
    en_text, zh_text, entities, expected = PENDING[intent]
    phone, identity, account = LANGS[lang]
    text = en_text if lang == "en" else zh_text
    slots: Dict[str, Any] = {"verified": False, **account}
    slots.update({e["entity"]: e["value"] for e in entities})  # from_entity slot mappings
    start = CollectingDispatcher()
    events = await ActionStartVerification().run(
        start, make_tracker(intent=intent, text=text, entities=entities, slots=dict(slots), sender=phone, language=lang), {})
    assert responses(start) == ["utter_ask_confirm_name"]
    _apply(slots, events)
    assert slots["pending_intent"] == intent
    slots.update({"name_confirmed": True, "awaiting": None, "requested_slot": "identity_value"})
    form_events = await ValidateVerificationForm().run(
        CollectingDispatcher(), make_tracker(intent="provide_identity", entities=[identity], slots=dict(slots),
                                             sender=phone, language=lang, active_loop="verification_form"), FORM_DOMAIN)
    _apply(slots, form_events)
    assert slots["verified"] is True
    done = CollectingDispatcher()
    follow = _apply(slots, await ActionVerificationResult().run(
        done, make_tracker(intent="provide_identity", entities=[identity], slots=dict(slots), sender=phone, language=lang), {}))
    assert responses(done) == ["utter_verified_us" if lang == "en" else "utter_verified"]
    assert follow is not None
    answer = CollectingDispatcher()
    await _all_actions()[follow].run(
        answer, make_tracker(intent="provide_identity", entities=[identity], slots=dict(slots), sender=phone, language=lang), {})
    if (intent, lang) == ("pay_in_full", "zh"):  # Z2 carries no interest or fees to waive
        expected = "utter_offer_full_payment"
    assert responses(answer) == [expected], (follow, answer.messages)


async def test_identity_and_question_in_one_message_verifies_and_answers(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="provide_identity", text="我的身份证后4位是5678，现在欠多少？",
                           entities=[{"entity": "id_last4", "value": "5678"}], slots={"verified": False},
                           sender=ZH_PHONE, language="zh")
    tracker.latest_message["intent_ranking"] = [{"name": "provide_identity", "confidence": 0.7},
                                                {"name": "ask_balance", "confidence": 0.2}]
    events = await ActionStartVerification().run(dispatcher, tracker, {})
    assert SlotSet("verified", True) in events
    assert events[-1] == FollowupAction("action_tell_balance")
    assert responses(dispatcher) == ["utter_verified"]


async def test_wrong_identity_volunteered_counts_and_asks_the_name(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="ask_balance", text="dob 1999-01-01 what do i owe",
                           entities=[{"entity": "dob", "value": "1999-01-01"}], slots={"verified": False})
    events = await ActionStartVerification().run(dispatcher, tracker, {})
    assert SlotSet("verified", True) not in events
    assert SlotSet("verification_attempts", 1.0) in events
    assert responses(dispatcher) == ["utter_identity_mismatch", "utter_ask_confirm_name"]


async def test_name_given_first_skips_the_name_question(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="provide_identity", text="yes, this is Ada", slots={"verified": False})
    events = await ActionStartVerification().run(dispatcher, tracker, {})
    assert events[-1] == FollowupAction("verification_form")
    assert SlotSet("name_confirmed", True) in events
    assert responses(dispatcher) == []


async def test_someone_elses_name_is_not_the_debtor(portfolio) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="provide_identity", text="我是王小明", slots={"verified": False},
                           sender=ZH_PHONE, language="zh")
    events = await ActionStartVerification().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_name_denied"]
    assert SlotSet("name_confirmed", False) in events


@pytest.mark.parametrize("text,name,expected", [
    ("yes, this is Ada", "Ada Lovelace", True), ("it's me", "Ada Lovelace", True),
    ("I'm not Ada", "Ada Lovelace", False), ("this is Tom", "Ada Lovelace", False),
    ("我是王芳", "王芳", True), ("我是王芳本人", "王芳", True), ("我是本人", "王芳", True),
    ("我是王小明", "王芳", False), ("我是她老公", "王芳", False), ("hello", "Ada Lovelace", None),
    ("yeah thats me", "Ada Lovelace", True), ("this is she", "Ada Lovelace", True),
    ("that's her husband", "Ada Lovelace", None), ("对，就是我", "王芳", True), ("是我本人", "王芳", True),
    ("我就是王小明", "王芳", False), ("是我朋友的", "王芳", None),
])
def test_name_claim(text: str, name: str, expected: Optional[bool]) -> None:
    assert name_claim(text, name) is expected


async def test_yes_three_months_is_fine_accepts_the_offer_on_the_table(portfolio, capsys) -> None:
    first = CollectingDispatcher()
    events = await ActionEvaluateInstallment().run(
        first, make_tracker(intent="propose_installment", entities=[{"entity": "months", "value": "3"}]), {})
    offer_json = next(e["value"] for e in events if e["name"] == "current_offer")
    offer = offer_from_slot(offer_json)
    assert offer.months == 3
    again = CollectingDispatcher()
    await ActionEvaluateInstallment().run(
        again, make_tracker(intent="propose_installment", text="yes, 3 months is fine",
                            entities=[{"entity": "months", "value": "3"}],
                            slots={"current_offer": offer_json, "awaiting": "offer"}), {})
    assert responses(again) == ["utter_arrangement_confirmed"]
    assert len(export("arrangements", capsys)) == 1


async def test_same_promise_twice_is_one_arrangement(portfolio, capsys) -> None:
    for _ in range(2):
        dispatcher = CollectingDispatcher()
        await ActionEvaluatePromise().run(dispatcher, make_tracker(
            intent="promise_to_pay", text="我12月8号还800", sender=ZH_PHONE, language="zh",
            entities=[{"entity": "amount", "value": "800.00"}, {"entity": "date", "value": "2026-12-08"}]), {})
        assert responses(dispatcher) == ["utter_promise_accepted"]
    rows = export("arrangements", capsys)
    assert [(r["account_id"], r["total"]) for r in rows] == [("Z1", "800.00")]


async def test_second_reason_joins_the_open_handoff(portfolio, capsys) -> None:
    tracker = make_tracker(intent="dispute_debt")
    perform_handoff(CollectingDispatcher(), tracker, "dispute")
    perform_handoff(CollectingDispatcher(), tracker, "dispute")
    perform_handoff(CollectingDispatcher(), tracker, "distress")
    rows = export("handoffs", capsys)
    assert [(r["account_id"], r["reason"], r["status"]) for r in rows] == [("A1", "dispute,distress", "queued")]


async def test_clear_cease_is_an_optout_of_everything_confirmed_once(portfolio, capsys) -> None:
    dispatcher = CollectingDispatcher()
    await ActionRecordStatus().run(dispatcher, make_tracker(intent="cease_contact"), {})
    assert responses(dispatcher) == ["utter_cease_contact"]
    assert dispatcher.messages[0]["message_kind"] == "confirmation"
    rows = export("optouts", capsys)
    assert [(r["phone"], r["channel"], r["source"]) for r in rows] == [(EN_PHONE, "all", "nlu")]


async def test_unsure_cease_asks_then_acts_on_yes(portfolio, capsys) -> None:
    ask = CollectingDispatcher()
    events = await ActionConfirmIntent().run(ask, make_tracker(intent="cease_contact", text="hi again"), {})
    assert responses(ask) == ["utter_confirm_cease_contact"]
    assert events == [SlotSet("unconfirmed_intent", "cease_contact"), SlotSet("awaiting", "confirm")]
    assert export("optouts", capsys) == []
    yes = CollectingDispatcher()
    await ActionApplyConfirmed().run(yes, make_tracker(intent="affirm", slots={"unconfirmed_intent": "cease_contact"}), {})
    assert responses(yes) == ["utter_cease_contact"]
    assert [r["channel"] for r in export("optouts", capsys)] == ["all"]


async def test_unsure_opt_out_on_a_call_asks_then_stops_calls_on_yes(portfolio, capsys) -> None:
    # "发短信给我" (text me) after the texted-link offer was read as opt-out at 0.75: acting on
    # it ended the debtor's calls; now it is asked first, and a yes records the voice opt-out
    ask = CollectingDispatcher()
    events = await ActionConfirmIntent().run(ask, make_tracker(intent="opt_out", text="发短信给我", sender=ZH_PHONE,
                                                               language="zh", input_channel="twilio_voice"), {})
    assert responses(ask) == ["utter_confirm_opt_out"]
    assert events == [SlotSet("unconfirmed_intent", "opt_out"), SlotSet("awaiting", "confirm")]
    assert export("optouts", capsys) == []
    yes = CollectingDispatcher()
    await ActionApplyConfirmed().run(yes, make_tracker(intent="affirm", slots={"unconfirmed_intent": "opt_out"},
                                                       sender=ZH_PHONE, language="zh",
                                                       input_channel="twilio_voice"), {})
    assert responses(yes) == ["utter_opted_out"]
    assert [(r["phone"], r["channel"], r["source"]) for r in export("optouts", capsys)] == [(ZH_PHONE, "voice", "nlu")]


async def test_unsure_distress_denied_sends_no_crisis_line(portfolio, capsys) -> None:
    ask = CollectingDispatcher()
    await ActionConfirmIntent().run(ask, make_tracker(intent="express_distress", text="我是王小明",
                                                      sender=ZH_PHONE, language="zh"), {})
    no = CollectingDispatcher()
    await ActionDropUnconfirmed().run(no, make_tracker(intent="deny", slots={"unconfirmed_intent": "express_distress"},
                                                       sender=ZH_PHONE, language="zh"), {})
    assert responses(ask) + responses(no) == ["utter_confirm_express_distress", "utter_confirm_dropped"]
    assert export("handoffs", capsys) == []


async def test_policy_without_terms_for_the_currency_hands_off_not_silence(portfolio, capsys) -> None:
    # Z1 owes CNY to Acme Bank, whose policy only has USD plan minimums: this used to raise
    # in the action server, and the debtor heard nothing after verifying.
    dispatcher = CollectingDispatcher()
    await ActionOfferPlans().run(dispatcher, make_tracker(intent="request_payment_plan", sender=ZH_PHONE, language="zh"), {})
    assert responses(dispatcher) == ["utter_handoff", None]
    assert [r["reason"] for r in export("handoffs", capsys)] == ["policy_gap"]
