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


@pytest.fixture()
def patched(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)  # undone after the test
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
