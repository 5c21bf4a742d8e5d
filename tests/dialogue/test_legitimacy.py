"""A debtor asking whether we are genuine gets how to check us, never anger, distress or a
dispute handling (CarePolicy's LEGITIMACY reading, bot/dialogue/care.py).

Found playing a debtor: "is this a scam?" got "would you like to talk to a person?";
"how do i know youre real" got the distress question, and its "yes" the crisis line;
"你们是不是骗子" / "怎么证明" recorded a dispute and paused collection.
"""

from __future__ import annotations

import os
from typing import Optional

import pytest

from bot.dialogue.care import asks_legitimacy

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def _best(policy, domain, text: str, intent: Optional[str], confidence: float = 0.6,
          before: tuple = (), verified: bool = False) -> Optional[str]:
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_listen"), SlotSet("verified", verified)]
    events += [ActionExecuted(name) for name in before]
    events += [ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": confidence})]
    tracker = DialogueStateTracker.from_events("+15555550100", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    if prediction.max_confidence == 0.0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


@pytest.mark.parametrize("text,intent,confidence", [
    ("is this a scam?", "express_anger", 0.9),
    ("how do i know youre real", "express_distress", 0.55),
    ("how do i know youre real", "express_distress", 0.95),
    ("你们是不是骗子", "express_anger", 0.8),
    ("这是不是诈骗", "dispute_debt", 0.6),
    ("is this legit or what", "out_of_scope", 0.7),
])
def test_a_legitimacy_question_is_answered_with_how_to_check_us(policy, domain, text, intent, confidence) -> None:
    assert _best(policy, domain, text, intent, confidence) == "utter_legitimacy"


def test_after_verification_the_answer_may_speak_of_the_account(policy, domain) -> None:
    assert _best(policy, domain, "is this a scam?", "express_anger", verified=True) == "utter_legitimacy_verified"


@pytest.mark.parametrize("text,intent", [("怎么证明", "dispute_debt"), ("prove it", "express_anger"),
                                         ("how can i verify that", "express_distress")])
def test_prove_it_right_after_our_answer_asks_the_same_again(policy, domain, text, intent) -> None:
    assert _best(policy, domain, text, intent, before=("utter_legitimacy",)) == "utter_legitimacy"
    # without our answer just before, "怎么证明" may well be a dispute: asked first, as before
    assert _best(policy, domain, text, intent) != "utter_legitimacy"


@pytest.mark.parametrize("text,intent,expected", [
    # a dispute said with "scam" stays a dispute (confirmed first when unsure)
    ("this is a scam, i never had this loan", "dispute_debt", "action_confirm_intent"),
    ("证明一下我欠这个钱", "dispute_debt", "action_confirm_intent"),
    # real distress is never talked away as a legitimacy question
    ("i think its a scam and i cant take it anymore", "express_distress", "action_confirm_intent"),
    # a cease or an opt-out is not a reading a legitimacy question is mistaken for
    ("stop texting me you scammers", "opt_out", "action_confirm_intent"),
])
def test_other_meanings_beside_scam_keep_their_handling(policy, domain, text, intent, expected) -> None:
    assert _best(policy, domain, text, intent, 0.6) == expected


def test_a_clear_legitimacy_reading_is_left_to_its_rule(policy, domain) -> None:
    assert _best(policy, domain, "is this a scam?", "ask_legitimacy", 0.95) is None


@pytest.mark.parametrize("text,after,expected", [
    ("is this a scam?", False, True), ("how do i know you're real", False, True),
    ("你们是不是骗子", False, True), ("真的假的", False, True), ("can i talk to a real person", False, False),
    ("prove it", False, False), ("prove it", True, True), ("怎么证明", True, True),
    ("prove i owe this", True, False), ("i want to pay in full", True, False),
])
def test_asks_legitimacy(text: str, after: bool, expected: bool) -> None:
    assert asks_legitimacy(text, after_answer=after) is expected
