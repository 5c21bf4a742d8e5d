"""Per-turn work Rasa 3.6 repeats for nothing, done once instead (same results).

`RemoteAction._validate_action_result` calls `jsonschema.validate` on every answer of
the action server. `validate` first checks the *schema* against the JSON Schema
meta-schema, and builds a new validator, every time: Rasa's events schema is large, so
in a profile of a turn process that check alone was about 5% of the process's CPU. The
schema is a constant, so it is checked once here and one validator is reused; every
action server answer is still validated and an invalid one still raises the same
`ValidationError` with Rasa's message.
"""

from __future__ import annotations

import functools
from typing import Any, Dict

from rasa.core.actions.action import RemoteAction

_original_validate = RemoteAction._validate_action_result


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    """The validator for Rasa's action server answers, its schema checked once."""
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """Rasa's `_validate_action_result` with the validator built once."""
    from jsonschema import exceptions

    error = exceptions.best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    # Rasa's own wording for the error, raised by Rasa's own method
    return _original_validate(self, result)


def install() -> None:
    """Patch Rasa in this process (idempotent); `collectbot run` calls it at start."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
