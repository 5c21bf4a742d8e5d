"""CarePolicy: unsure high-impact intents get a question; the turn ends after hand-ons."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load("bot/domain")


@pytest.fixture
def policy(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.dialogue.care import CarePolicy

    return CarePolicy.create({**CarePolicy.get_default_config(), "threshold": 0.8},
                             LocalModelStorage.create(tmp_path), Resource("care"),
                             ExecutionContext(GraphSchema({})))


def _tracker(domain, intent: str, confidence: float, *after: str):
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_listen"), UserUttered("text", {"name": intent, "confidence": confidence})]
    events += [ActionExecuted(name) for name in after]
    return DialogueStateTracker.from_events("+15555550100", events, slots=domain.slots)


def _best(policy, domain, tracker):
    prediction = policy.predict_action_probabilities(tracker, domain)
    if prediction.max_confidence == 0.0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


@pytest.mark.parametrize("intent", ["cease_contact", "express_distress", "dispute_debt", "wrong_number",
                                    "attorney_represented", "bankruptcy", "opt_out"])
def test_unsure_high_impact_intent_is_confirmed_first(policy, domain, intent: str) -> None:
    assert _best(policy, domain, _tracker(domain, intent, 0.55)) == "action_confirm_intent"


def test_clear_high_impact_intent_is_left_to_the_rules(policy, domain) -> None:
    assert _best(policy, domain, _tracker(domain, "cease_contact", 0.97)) is None


def test_other_intents_are_left_alone(policy, domain) -> None:
    assert _best(policy, domain, _tracker(domain, "greet", 0.5)) is None


def test_listens_after_the_question(policy, domain) -> None:
    tracker = _tracker(domain, "cease_contact", 0.55, "action_confirm_intent")
    assert _best(policy, domain, tracker) == "action_listen"


def test_listens_after_the_action_verification_handed_on_to(policy, domain) -> None:
    tracker = _tracker(domain, "provide_identity", 0.9, "verification_form", "action_verification_result",
                       "action_offer_plans")
    assert _best(policy, domain, tracker) == "action_listen"


def test_distress_behind_an_nlu_fallback_is_confirmed(policy, domain) -> None:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.45},
             "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.45},
                                {"name": "express_distress", "confidence": 0.31},
                                {"name": "greet", "confidence": 0.2}]}
    events = [ActionExecuted("action_listen"),
              UserUttered("我不想活了", parse["intent"], parse_data=parse)]
    tracker = DialogueStateTracker.from_events("+8613800138000", events, slots=domain.slots)
    assert _best(policy, domain, tracker) == "action_confirm_intent"


def test_plain_fallback_is_left_to_the_rules(policy, domain) -> None:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.45},
             "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "greet", "confidence": 0.3}]}
    events = [ActionExecuted("action_listen"), UserUttered("asdf", parse["intent"], parse_data=parse)]
    tracker = DialogueStateTracker.from_events("+8613800138000", events, slots=domain.slots)
    assert _best(policy, domain, tracker) is None


@pytest.mark.parametrize("intent", ["cease_contact", "dispute_debt", "express_distress"])
def test_a_clear_reading_of_unclear_speech_is_confirmed_on_a_call(policy, domain, intent: str) -> None:
    """Issue 15: the model may be sure of words the recogniser was not sure it heard; on a
    call the reading counts only as much as both (speech_confidence in the metadata)."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_listen"),
              UserUttered("stop calling", {"name": intent, "confidence": 0.97},
                          input_channel="twilio_voice", metadata={"speech_confidence": 0.6})]
    tracker = DialogueStateTracker.from_events("+15555550100", events, slots=domain.slots)
    assert _best(policy, domain, tracker) == "action_confirm_intent"
    heard_well = [events[0], UserUttered("stop calling", {"name": intent, "confidence": 0.97},
                                         metadata={"speech_confidence": 0.95})]
    tracker = DialogueStateTracker.from_events("+15555550100", heard_well, slots=domain.slots)
    assert _best(policy, domain, tracker) is None
