"""Rasa per-turn work done once (`bot.runtime.rasa_speedups`): same verdicts, less CPU."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

from bot.runtime import rasa_speedups

GOOD: List[Dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "verified", "value": True, "timestamp": None}],
     "responses": [{"response": "utter_balance", "amount": "12.00"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup",
                                                          "name": "action_listen"}]},
]
BAD: List[Dict[str, Any]] = [
    {"events": [{"event": "slot", "name": 3}], "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": "nope"},
]


@pytest.fixture(autouse=True)
def restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every method `install` replaces is Rasa's again after each test."""
    from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event

    for owner, name in ((RemoteAction, "_validate_action_result"), (DaskGraphRunner, "run")):
        monkeypatch.setattr(owner, name, getattr(owner, name))
    for owner, name in ((Event, "resolve_by_type"), (TrackerFeaturizer, "_create_states")):
        monkeypatch.setattr(owner, name, owner.__dict__[name])  # the staticmethod itself


@pytest.fixture()
def patched(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    rasa_speedups.install()
    return RemoteAction("action_anything", None)


def _verdict(action: RemoteAction, result: Dict[str, Any]) -> str:
    try:
        return "ok" if action._validate_action_result(result) else "false"
    except ValidationError as exc:
        return exc.message


@pytest.mark.parametrize("result", GOOD + BAD)
def test_same_verdict_and_message_as_rasa(patched: RemoteAction, result: Dict[str, Any]):
    stock = rasa_speedups._original_validate
    try:
        expected = "ok" if stock(patched, result) else "false"
    except ValidationError as exc:
        expected = exc.message
    assert _verdict(patched, result) == expected
    assert (expected == "ok") == (result in GOOD)


def test_the_schema_is_checked_once_not_per_answer(patched: RemoteAction,
                                                   monkeypatch: pytest.MonkeyPatch):
    """`jsonschema.validate` re-checks Rasa's large events schema on every action server
    answer (about 25 ms of CPU each on this host); the patched method must not."""
    cls = validator_for(RemoteAction.action_response_format_spec())
    calls = []
    original = cls.check_schema.__func__

    def counting(klass: Any, schema: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(klass, schema, *args, **kwargs)

    monkeypatch.setattr(cls, "check_schema", classmethod(counting))
    rasa_speedups._action_result_validator.cache_clear()
    for _ in range(5):
        assert patched._validate_action_result(GOOD[1]) is True
    assert len(calls) <= 1


# ---------------------------------------------------------------- Event.resolve_by_type
@pytest.fixture()
def resolving() -> None:
    rasa_speedups._event_classes.clear()
    rasa_speedups.install()


def _stock_resolve(name: str, default: Any = None) -> Any:
    try:
        return rasa_speedups._original_resolve_by_type(name, default)
    except ValueError as exc:
        return str(exc)


def _resolve(name: str, default: Any = None) -> Any:
    from rasa.shared.core.events import Event

    try:
        return Event.resolve_by_type(name, default)
    except ValueError as exc:
        return str(exc)


def test_every_event_type_resolves_as_in_rasa(resolving: None):
    from rasa.shared.core.events import Event, SlotSet
    from rasa.shared.utils.common import all_subclasses

    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in sorted(names) + ["topic", "no such event"]:
        assert _resolve(name) == _stock_resolve(name)
        assert _resolve(name, SlotSet) == _stock_resolve(name, SlotSet)
    assert _resolve("no such event") == "Unknown event name 'no such event'."


def test_events_are_deserialised_without_walking_the_subclasses(
        resolving: None, monkeypatch: pytest.MonkeyPatch):
    """Rasa walks every subclass of Event (recursively, each checked for abstractness) for
    each event it reads back from the tracker store; the patched lookup walks them once."""
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered, deserialise_events

    walks = []
    original = common.all_subclasses

    def counting(cls: Any) -> Any:
        walks.append(cls)
        return original(cls)

    monkeypatch.setattr(common, "all_subclasses", counting)
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
              SlotSet("verified", True)] * 20
    assert deserialise_events([e.as_dict() for e in events]) == events
    assert deserialise_events([e.as_dict() for e in events]) == events
    from rasa.shared.core.events import Event

    assert walks.count(Event) <= 1  # the table's one build (Rasa: one walk per event)


def test_an_event_class_defined_later_is_found(resolving: None):
    from rasa.shared.core.events import Event, SlotSet

    assert _resolve("user") == _stock_resolve("user")  # the table is built now

    class LateEvent(SlotSet):
        type_name = "collectbot_late_test_event"

    assert _resolve("collectbot_late_test_event") is LateEvent
    assert _stock_resolve("collectbot_late_test_event") is LateEvent
    assert Event.resolve_by_type("collectbot_late_test_event") is LateEvent


# ---------------------------------------------------------------- TrackerFeaturizer._create_states
STATES_DOMAIN_YAML = """
version: "3.1"
intents: [greet, owe]
entities: [amount]
slots:
  verified:
    type: bool
    influence_conversation: true
    mappings: [{type: custom}]
responses:
  utter_hi: [{text: hi}]
  utter_balance: [{text: balance}]
"""


@pytest.fixture()
def counted_states(monkeypatch: pytest.MonkeyPatch) -> List[int]:
    import threading

    calls: List[int] = []
    original = rasa_speedups._original_create_states

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(rasa_speedups, "_original_create_states", counting)
    monkeypatch.setattr(rasa_speedups, "_states_memo", threading.local())
    rasa_speedups.install()
    return calls


def _conversation() -> Any:
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_yaml(STATES_DOMAIN_YAML)
    tracker = DialogueStateTracker.from_events("+15550001", [
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_hi"), BotUttered("hi"), SlotSet("verified", True),
        ActionExecuted("action_listen"),
        UserUttered("what do I owe", {"name": "owe", "confidence": 1.0},
                    [{"entity": "amount", "value": "12", "start": 0, "end": 2}]),
    ], domain.slots)
    return domain, tracker


def test_states_are_rasas_and_built_once_per_unchanged_tracker(counted_states: List[int]):
    from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
    from rasa.shared.core.events import ActionExecuted

    domain, tracker = _conversation()
    rule_only = {"slots": [], "loops": []}
    for ignore in (True, False):
        expected = rasa_speedups._original_create_states(tracker, domain, False, ignore,
                                                         rule_only)
        counted_states.clear()
        first = TrackerFeaturizer._create_states(tracker, domain, ignore_rule_only_turns=ignore,
                                                 rule_only_data=rule_only)
        first[-1]["user"].pop("intent")  # what `_choose_last_user_input` does
        first.pop()
        second = TrackerFeaturizer._create_states(tracker, domain, ignore_rule_only_turns=ignore,
                                                  rule_only_data=dict(rule_only))
        assert second == expected and len(counted_states) == 1
        # other arguments, or a tracker that grew: built anew
        TrackerFeaturizer._create_states(tracker, domain, ignore_rule_only_turns=ignore,
                                         rule_only_data={"slots": ["verified"], "loops": []})
        assert len(counted_states) == 2
    tracker.update(ActionExecuted("utter_balance"))
    grown = TrackerFeaturizer._create_states(tracker, domain, ignore_rule_only_turns=True)
    assert grown == rasa_speedups._original_create_states(tracker, domain, False, True, None)
    assert len(grown) == len(expected) + 1


def test_a_copy_of_the_tracker_is_not_taken_for_it(counted_states: List[int]):
    from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer

    domain, tracker = _conversation()
    TrackerFeaturizer._create_states(tracker, domain)
    TrackerFeaturizer._create_states(tracker.copy(), domain)
    assert len(counted_states) == 2


# ---------------------------------------------------------------- the graph runner
def test_graph_runs_as_dask_runs_it():
    import dask

    calls: List[str] = []

    def node(name: str) -> Any:
        def run(*inputs: Any) -> Any:
            calls.append(name)
            return (name, [inp for inp in inputs])
        return run

    graph = {"__tracker__": ("__tracker__", {"unhashable": ["input"]}),
             "__text__": ("__text__", "hello"),
             "a": (node("a"), "__tracker__"), "b": (node("b"), "a", "__text__"),
             "c": (node("c"), "a", "b"), "unused": (node("unused"),)}
    for targets in (["c"], ["b", "c"], ["__text__"]):
        calls.clear()
        ours = rasa_speedups.run_graph(graph, targets)
        assert sorted(calls) == sorted(set(calls))  # each node at most once
        assert "unused" not in calls
        assert ours == list(dask.get(graph, targets))


def test_the_trained_model_parses_and_predicts_as_without_the_patches(trained_model):
    """The assistant's own graphs (NLU and policies): the same parse and the same next
    action, with the same confidences, with Rasa's own methods and with `install`'s (the
    graph runner, the states shared between policies, the event class table)."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = Agent.load(str(trained_model))
    processor = agent.processor

    def both(texts: List[str]) -> List[Any]:
        out = []
        tracker = DialogueStateTracker.from_events(
            "+15550002", [ActionExecuted("action_listen")], agent.domain.slots)
        for text in texts:
            parse = asyncio.run(processor.parse_message(UserMessage(text)))
            tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse),
                           agent.domain)
            prediction = processor._predict_next_with_tracker(tracker)
            out.append((parse["intent"], [e.get("entity") for e in parse["entities"]],
                        prediction.max_confidence_index, prediction.probabilities,
                        prediction.policy_name))
            tracker.update(ActionExecuted(agent.domain.action_names_or_texts[
                prediction.max_confidence_index]))
        return out

    texts = ["hi", "what do I owe?", "who is this?", "can I pay $50 next week?", "ok",
             "我下周还钱"]
    expected = both(texts)
    rasa_speedups.install()
    assert DaskGraphRunner.run is rasa_speedups._run
    assert both(texts) == expected
