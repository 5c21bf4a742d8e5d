"""Wave 9 (played): CarePolicy readings that decided a whole conversation.

- "quit calling me at my job" / "以后别往我公司打电话" were read as a cease (0.91 / 0.96):
  all contact stopped with "this is our final message". Not at work is the workplace flag
  (Reg F 1006.6(b)(3)), recorded by action_record_inconvenient_time.
- "yall are scammers arent you" (anger, 0.97) got the legitimacy answer, then "Sorry, I
  didn't catch that." as a second message.
- "是" after a recorded promise: the fallback said "didn't catch that" and reverted the
  message; nothing was sure after the revert, so the fallback ran again and its revert
  took back the identity answer before: the debtor was asked to verify again.
"""

from __future__ import annotations

import os
from typing import List, Optional

import pytest

from bot.dialogue.care import asks_not_at_work

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def _best(policy, domain, events: List) -> Optional[str]:
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events("+15555550100", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    if prediction.max_confidence == 0.0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


def _said(text: str, intent: Optional[str], confidence: float) -> List:
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

    return [ActionExecuted("action_listen"), SlotSet("verified", False), ActionExecuted("action_listen"),
            UserUttered(text, {"name": intent, "confidence": confidence})]


@pytest.mark.parametrize("text,intent,confidence", [
    ("quit calling me at my job", "cease_contact", 0.91),
    ("stop calling my work number", "cease_contact", 0.53),
    ("dont ring me at the office", "inconvenient_time", 0.95),
    ("don't call me at work again, my boss is mad", "express_anger", 0.7),
    ("以后别往我公司打电话", "cease_contact", 0.96),
    ("别打我单位电话了", None, 0.0),
    ("上班的地方不要再打来", "cease_contact", 0.6),
    ("不要打到我公司", "opt_out", 0.85),
])
def test_not_at_work_is_the_workplace_flag_not_a_cease(policy, domain, text, intent, confidence) -> None:
    assert _best(policy, domain, _said(text, intent, confidence)) == "action_record_inconvenient_time"


@pytest.mark.parametrize("text,intent,confidence,expected", [
    # a plain cease is what it was: its rule acts on a sure reading, an unsure one is asked
    ("stop calling me", "cease_contact", 0.99, None),
    ("stop calling me", "cease_contact", 0.6, "action_confirm_intent"),
    ("以后不要再联系我了", "cease_contact", 0.97, None),
    # "your company", or work AND everywhere else, is not a request about the debtor's work
    ("你们公司别再联系我了", "cease_contact", 0.97, None),
    ("don't contact me at all, not at home and not at work", "cease_contact", 0.95, None),
    ("i lost my job, stop contacting me", "cease_contact", 0.6, "action_confirm_intent"),
    # the place beside another meaning keeps that meaning
    ("my lawyer says stop calling me at work", "attorney_represented", 0.95, None),
])
def test_other_cease_readings_are_unchanged(policy, domain, text, intent, confidence, expected) -> None:
    assert _best(policy, domain, _said(text, intent, confidence)) == expected


@pytest.mark.parametrize("text,expected", [
    ("quit calling me at my job", True), ("stop calling my work number", True), ("dont ring me at the office", True),
    ("never call me at work", True), ("别打我单位电话了", True), ("上班的地方不要再打来", True),
    ("stop calling me", False), ("我们公司很大", False), ("公司也别打了 家里也别打", False),
    ("stop contacting me at home and at work", False),
])
def test_asks_not_at_work(text, expected) -> None:
    assert asks_not_at_work(text) is expected


@pytest.mark.parametrize("answer", ["utter_legitimacy", "utter_legitimacy_verified"])
def test_the_legitimacy_answer_ends_the_turn(policy, domain, answer) -> None:
    from rasa.shared.core.events import ActionExecuted

    events = _said("yall are scammers arent you", "express_anger", 0.97)
    assert _best(policy, domain, events) == "utter_legitimacy"
    assert _best(policy, domain, events + [ActionExecuted(answer)]) == "action_listen"


def _verified_then_promise() -> List:
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

    return [ActionExecuted("action_listen"), SlotSet("verified", False),
            ActionExecuted("action_listen"), UserUttered("这周五还一千", {"name": "promise_to_pay", "confidence": 0.99}),
            ActionExecuted("action_start_verification"), ActionExecuted("action_listen"),
            UserUttered("我生日是1990年7月4日", {"name": "provide_identity", "confidence": 0.99}),
            ActionExecuted("verification_form"), SlotSet("verified", True),
            ActionExecuted("action_verification_result"), ActionExecuted("action_evaluate_promise"),
            ActionExecuted("action_listen")]


def test_one_fallback_per_turn_keeps_the_previous_answer(policy, domain) -> None:
    """After the fallback's revert the turn is over: a second revert would take back the
    identity answer of the turn before and, with it, `verified`."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    events = _verified_then_promise() + [UserUttered("是", {"name": "affirm", "confidence": 0.99}),
                                         ActionExecuted("action_default_fallback"),
                                         BotUttered("抱歉，我没有理解您的意思"), UserUtteranceReverted()]
    assert DialogueStateTracker.from_events("x", events, slots=domain.slots).get_slot("verified") is True
    assert _best(policy, domain, events) == "action_listen"
    # what a second fallback would have done: the debtor is no longer verified
    twice = events + [ActionExecuted("action_default_fallback"), BotUttered("抱歉"), UserUtteranceReverted()]
    assert DialogueStateTracker.from_events("x", twice, slots=domain.slots).get_slot("verified") is False
