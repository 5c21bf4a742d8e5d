"""Per-turn work Rasa 3.6 repeats for nothing, done once instead (same results).

`RemoteAction._validate_action_result` calls `jsonschema.validate` on every answer of
the action server. `validate` first checks the *schema* against the JSON Schema
meta-schema, and builds a new validator, every time: Rasa's events schema is large, so
in a profile of a turn process that check alone was about 5% of the process's CPU. The
schema is a constant, so it is checked once here and one validator is reused; every
action server answer is still validated and an invalid one still raises the same
`ValidationError` with Rasa's message.

`Event.resolve_by_type` finds an event's class by walking every subclass of `Event`
(`all_subclasses`, recursive, with an `inspect.isabstract` check per class) for each event
it deserialises: each turn reads the conversation's events from the tracker store, and
in a profile of a turn process under load that walk was about 8% of the process's CPU
(the longer the conversation, the more). The classes are fixed once Rasa is imported, so
the first match of each type name is looked up in a table built from the same walk, in
the same order; a name the table lacks rebuilds it (a class defined since) and then goes
to Rasa's own method (its default, its "topic" case, its error).

Each prediction of the next action runs several policies on the same tracker, and the
MemoizationPolicy and the TEDPolicy each turn the whole conversation into its list of
states (`TrackerFeaturizer._create_states`: every event of the session replayed, a state
built at each action) with the same arguments: the same work twice per prediction, about
4% of a turn process's CPU, more as the conversation grows. The last list built for a
tracker is kept (per thread, per set of arguments) and the second asker gets a copy of it
(every state and sub-state dict copied: the featurizers edit them in place) as long as
it is the same tracker object with the same number of events and the same last event
(a tracker only grows by appending events, so anything else is a new computation).

Rasa runs its model graph (the NLU pipeline per message, the policies per prediction)
with `dask.get`, dask's general scheduler, a few times per turn: about 5% of a turn
process's CPU went to the scheduler's own bookkeeping for graphs of a dozen nodes run in
one thread. `DaskGraphRunner.run` here runs the same minimal graph, each node once after
the nodes it needs, in the same thread, and returns the same targets; an input is the
same `(name, value)` pair Rasa puts in the graph.
"""

from __future__ import annotations

import functools
import threading
import weakref
from typing import Any, Dict, List, Optional, Tuple, Type

from rasa.core.actions.action import RemoteAction
from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event

_original_validate = RemoteAction._validate_action_result
_original_create_states = TrackerFeaturizer._create_states
#: per thread: (omit_unset_slots, ignore_rule_only_turns) -> the last states built
_states_memo = threading.local()
_original_resolve_by_type = Event.resolve_by_type
#: event type name -> the first class of `all_subclasses(Event)` with that name
_event_classes: Dict[str, Type[Event]] = {}


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


def _event_class_table() -> Dict[str, Type[Event]]:
    """Type name -> class, the first in Rasa's own search order winning, as in Rasa."""
    from rasa.shared.utils.common import all_subclasses

    table: Dict[str, Type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def _resolve_by_type(type_name: str, default: Optional[Type[Event]] = None
                     ) -> Optional[Type[Event]]:
    """Rasa's `Event.resolve_by_type` with its subclass search done once."""
    cls = _event_classes.get(type_name)
    if cls is None:
        _event_classes.clear()
        _event_classes.update(_event_class_table())
        cls = _event_classes.get(type_name)
        if cls is None:
            return _original_resolve_by_type(type_name, default)
    return cls


def _copy_states(states: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """States whose dicts (state and sub-states) can be edited without touching `states`;
    the values inside sub-states are strings, numbers and tuples."""
    return [{key: dict(sub) if isinstance(sub, dict) else sub for key, sub in state.items()}
            for state in states]


def _create_states(tracker: Any, domain: Any, omit_unset_slots: bool = False,
                   ignore_rule_only_turns: bool = False,
                   rule_only_data: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """Rasa's `TrackerFeaturizer._create_states`, reusing the list just built for the same
    tracker, unchanged, with the same arguments."""
    memo: Dict[Tuple[bool, bool], Tuple[Any, ...]] = _states_memo.__dict__.setdefault(
        "entries", {})
    key = (bool(omit_unset_slots), bool(ignore_rule_only_turns))
    events = tracker.events
    count = len(events)
    last = events[-1] if count else None
    entry = memo.get(key)
    if entry is not None:
        ref, seen_domain, seen_count, seen_last, seen_rule_only, states = entry
        if ref() is tracker and seen_domain is domain and seen_count == count \
                and seen_last is last and seen_rule_only == rule_only_data:
            return _copy_states(states)
    states = _original_create_states(tracker, domain, omit_unset_slots,
                                     ignore_rule_only_turns, rule_only_data)
    memo[key] = (weakref.ref(tracker), domain, count, last,
                 None if rule_only_data is None else dict(rule_only_data),
                 _copy_states(states))
    return states


def run_graph(graph: Dict[str, Any], targets: List[str]) -> List[Any]:
    """`dask.get(graph, targets)` for Rasa's graphs: a task is `(callable, *keys it
    needs)`, anything else (Rasa's inputs) is its own value; each task runs once."""
    results: Dict[str, Any] = {}

    def value(key: str) -> Any:
        if key in results:
            return results[key]
        task = graph[key]
        if type(task) is tuple and task and callable(task[0]):
            out = task[0](*[value(need) for need in task[1:]])
        else:
            out = task
        results[key] = out
        return out

    return [value(target) for target in targets]


def _run(self: DaskGraphRunner, inputs: Optional[Dict[str, Any]] = None,
         targets: Optional[List[str]] = None) -> Dict[str, Any]:
    """Rasa's `DaskGraphRunner.run` with `run_graph` in place of `dask.get`."""
    run_targets = targets if targets else self._graph_schema.target_names
    run_graph_ = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph_)
    try:
        return dict(run_graph(run_graph_, run_targets))
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def install() -> None:
    """Patch Rasa in this process (idempotent); `collectbot run` calls it at start."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(_resolve_by_type)  # type: ignore[method-assign]
    TrackerFeaturizer._create_states = staticmethod(_create_states)  # type: ignore[method-assign]
    DaskGraphRunner.run = _run  # type: ignore[method-assign]
