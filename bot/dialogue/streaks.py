"""When a conversation should step back to a person.

The rule (from the source plan): three consecutive negative messages, or two consecutive
messages the NLU could not understand, hand the conversation to a human. The counting
lives here, free of Rasa imports, so the dialogue policy and the actions agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

NEGATIVE_LIMIT = 3
FALLBACK_LIMIT = 2
FALLBACK_INTENT = "nlu_fallback"
HANDOFF_ACTION = "action_handoff"
REASON_NEGATIVE = "negative_emotion"
REASON_FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Turn:
    """One debtor message as far as escalation cares."""

    intent: Optional[str]
    negative: bool


def is_negative(parse_data: Mapping[str, Any]) -> bool:
    """Read the NLU's top-level `emotion.negative` flag (absent means not negative)."""
    emotion = parse_data.get("emotion") or {}
    return bool(emotion.get("negative", False)) if isinstance(emotion, Mapping) else False


def trailing(turns: Sequence[Turn], predicate) -> int:
    """How many of the last turns in a row satisfy `predicate`."""
    count = 0
    for turn in reversed(turns):
        if not predicate(turn):
            break
        count += 1
    return count


def escalation_reason(
    turns: Sequence[Turn],
    negative_limit: int = NEGATIVE_LIMIT,
    fallback_limit: int = FALLBACK_LIMIT,
) -> Optional[str]:
    """The handoff reason if the latest turns call for a person, else None."""
    if negative_limit > 0 and trailing(turns, lambda t: t.negative) >= negative_limit:
        return REASON_NEGATIVE
    if fallback_limit > 0 and trailing(turns, lambda t: t.intent == FALLBACK_INTENT) >= fallback_limit:
        return REASON_FALLBACK
    return None


def turns_from_event_dicts(events: Iterable[Mapping[str, Any]]) -> list[Turn]:
    """Turns since the last handoff, from serialised events (a rasa_sdk `Tracker.events`)."""
    turns: list[Turn] = []
    for event in events:
        kind = event.get("event")
        if kind == "action" and event.get("name") == HANDOFF_ACTION:
            turns = []
        elif kind == "session_started":
            turns = []
        elif kind == "user":
            data = event.get("parse_data") or {}
            intent = (data.get("intent") or {}).get("name")
            turns.append(Turn(intent=intent, negative=is_negative(data)))
    return turns
