"""The escalation rule: 3 negative messages or 2 fallbacks in a row hand off."""

from __future__ import annotations

import os

import pytest

from bot.dialogue.streaks import Turn, escalation_reason, turns_from_event_dicts

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def turns(*spec: tuple[str, bool]) -> list[Turn]:
    return [Turn(intent=i, negative=n) for i, n in spec]


def test_three_negative_in_a_row_escalates() -> None:
    assert escalation_reason(turns(("express_anger", True), ("deny", True), ("ask_balance", True))) == "negative_emotion"


def test_negative_streak_broken_by_a_calm_message() -> None:
    assert escalation_reason(turns(("express_anger", True), ("affirm", False), ("deny", True), ("deny", True))) is None


def test_two_fallbacks_in_a_row_escalate() -> None:
    assert escalation_reason(turns(("greet", False), ("nlu_fallback", False), ("nlu_fallback", False))) == "nlu_fallback"


def test_one_fallback_does_not() -> None:
    assert escalation_reason(turns(("nlu_fallback", False), ("greet", False), ("nlu_fallback", False))) is None


def test_event_dicts_reset_after_a_handoff() -> None:
    neg = {"event": "user", "parse_data": {"intent": {"name": "deny"}, "emotion": {"negative": True, "score": 0.9}}}
    events = [neg, neg, neg, {"event": "action", "name": "action_handoff"}, neg]
    assert turns_from_event_dicts(events) == [Turn("deny", True)]


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load("bot/domain")


def _policy(storage):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.dialogue.escalation import EscalationPolicy

    return EscalationPolicy.create(
        EscalationPolicy.get_default_config(),
        LocalModelStorage.create(storage),
        Resource("escalation"),
        ExecutionContext(GraphSchema({})),
    )


def _tracker(domain, messages):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_listen")]
    for intent, negative in messages:
        events.append(UserUttered("text", {"name": intent}, parse_data={"emotion": {"negative": negative, "score": 0.9}}))
        events += [ActionExecuted("utter_calm"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("+15555550100", events[:-2], slots=domain.slots)


def test_policy_predicts_handoff_on_the_third_negative_message(domain, tmp_path) -> None:
    prediction = _policy(tmp_path).predict_action_probabilities(
        _tracker(domain, [("express_anger", True)] * 3), domain
    )
    best = domain.action_names_or_texts[prediction.max_confidence_index]
    assert (best, prediction.max_confidence, prediction.policy_priority) == ("action_handoff", 1.0, 8)
    assert [(e.key, e.value) for e in prediction.optional_events] == [("handoff_reason", "negative_emotion")]


def test_policy_abstains_on_two_negative_messages(domain, tmp_path) -> None:
    prediction = _policy(tmp_path).predict_action_probabilities(_tracker(domain, [("express_anger", True)] * 2), domain)
    assert prediction.max_confidence == 0.0


def test_policy_listens_after_a_handoff(domain, tmp_path) -> None:
    from rasa.shared.core.events import ActionExecuted

    tracker = _tracker(domain, [("request_human", False)])
    tracker.update(ActionExecuted("action_handoff"))
    prediction = _policy(tmp_path).predict_action_probabilities(tracker, domain)
    assert domain.action_names_or_texts[prediction.max_confidence_index] == "action_listen"


# ---- a debtor in distress who also asks for a person: EscalationPolicy vs CarePolicy ------

def _distressed(domain, confidence: float):
    """Two negative messages, then "i can't do this anymore, get me a person" read as
    distress at `confidence`, negative too: the streak calls for a person on this turn."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    negative = {"emotion": {"negative": True, "score": 0.9}}
    events = [ActionExecuted("action_listen")]
    for _ in range(2):
        events += [UserUttered("this is awful", {"name": "express_anger", "confidence": 0.9}, parse_data=negative),
                   ActionExecuted("utter_calm"), ActionExecuted("action_listen")]
    last = {"name": "express_distress", "confidence": confidence}
    events.append(UserUttered("i can't do this anymore, get me a person", last,
                              parse_data={**negative, "intent": last,
                                          "intent_ranking": [last, {"name": "request_human", "confidence": 0.2}]}))
    return DialogueStateTracker.from_events("+15555550100", events, slots=domain.slots)


def _care(storage):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.dialogue.care import CarePolicy

    return CarePolicy.create({**CarePolicy.get_default_config(), "threshold": 0.8},
                             LocalModelStorage.create(storage), Resource("care"), ExecutionContext(GraphSchema({})))


def test_a_person_wins_over_the_care_question_and_is_queued_as_distress(domain, tmp_path) -> None:
    """Both policies predict on this turn (Care: confirm the unsure distress; Escalation:
    the third negative message). The ensemble must pick the handoff, with reason distress
    (first in the agents' queue), not ask a yes/no question of a debtor who wants a person."""
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble

    tracker = _distressed(domain, 0.6)
    care = _care(tmp_path / "care").predict_action_probabilities(tracker, domain)
    escalation = _policy(tmp_path / "escalation").predict_action_probabilities(tracker, domain)
    assert domain.action_names_or_texts[care.max_confidence_index] == "action_confirm_intent"
    assert care.max_confidence == escalation.max_confidence == 1.0
    for order in ([care, escalation], [escalation, care]):
        best = DefaultPolicyPredictionEnsemble._pick_best_policy(order)
        assert domain.action_names_or_texts[best.max_confidence_index] == "action_handoff"
        assert ("handoff_reason", "distress") in [(e.key, e.value) for e in best.events]


def test_a_clear_distress_message_is_left_to_its_rule(domain, tmp_path) -> None:
    """A sure distress reading on the third negative message: the rule sends the crisis
    line and hands off; the escalation would have handed off without the crisis line."""
    prediction = _policy(tmp_path).predict_action_probabilities(_distressed(domain, 0.95), domain)
    assert prediction.max_confidence == 0.0


def test_policy_priorities_are_distinct_in_the_config() -> None:
    import yaml

    policies = yaml.safe_load(open("config.yml", encoding="utf-8"))["policies"]
    by_name = {p["name"].rsplit(".", 1)[-1]: p.get("priority") for p in policies}
    assert (by_name["EscalationPolicy"], by_name["CarePolicy"]) == (8, 7)
