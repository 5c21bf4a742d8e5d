"""High-impact intents on a weak signal: ask before acting.

Ceasing contact, recording a dispute, flagging a wrong number or sending a crisis line
changes what happens to the debtor; a model that is only fairly sure ("hi again" read as
cease at 0.55) must not do that. `CarePolicy` (bot/dialogue/care.py) sends such a
message here; the debtor's YES applies the decision, NO drops it.

`awaiting: confirm` is not a form on purpose: the confirming question is asked once. A
form would re-ask "Do you want us to stop contacting you?" or "are you safe?" until it got
an answer, which is exactly what a debtor who may want no contact, or who is in distress,
must not receive; anything other than yes/no means "not confirmed" and the conversation
carries on.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import utter
from actions.handoff import INTENT_REASONS, perform_handoff
from actions.statuses import opt_out, record_status, wrong_number
from bot.dialogue.care import HIGH_IMPACT_INTENTS, reading

# Statuses that also go to a person (the same pairs as bot/rules/statuses.yml).
HANDED_OFF = frozenset({"dispute_debt", "debtor_deceased", "attorney_represented", "bankruptcy"})


def apply_decision(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> List[EventType]:
    """Do what a clear `intent` would have done (the same steps as its rule)."""
    if intent == "express_distress":
        utter(dispatcher, tracker, "utter_crisis_line")
        return perform_handoff(dispatcher, tracker, INTENT_REASONS[intent])
    if intent == "wrong_number":
        return wrong_number(dispatcher, tracker)
    if intent == "opt_out":
        return opt_out(dispatcher, tracker)
    events = record_status(dispatcher, tracker, intent)
    if intent in HANDED_OFF:
        events += perform_handoff(dispatcher, tracker, INTENT_REASONS[intent])
    return events


class ActionConfirmIntent(Action):
    """Ask one short yes/no question about the high-impact thing the debtor may have meant."""

    def name(self) -> str:
        return "action_confirm_intent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = reading(tracker.latest_message or {})[0] or ""
        if intent not in HIGH_IMPACT_INTENTS:
            utter(dispatcher, tracker, "utter_default")
            return []
        utter(dispatcher, tracker, f"utter_confirm_{intent}")
        return [SlotSet("unconfirmed_intent", intent), SlotSet("awaiting", "confirm")]


class ActionApplyConfirmed(Action):
    def name(self) -> str:
        return "action_apply_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = tracker.get_slot("unconfirmed_intent") or ""
        done: List[EventType] = [SlotSet("unconfirmed_intent", None), SlotSet("awaiting", None)]
        if intent not in HIGH_IMPACT_INTENTS:
            utter(dispatcher, tracker, "utter_default")
            return done
        return done + apply_decision(dispatcher, tracker, intent)


class ActionDropUnconfirmed(Action):
    def name(self) -> str:
        return "action_drop_unconfirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        utter(dispatcher, tracker, "utter_confirm_dropped")
        return [SlotSet("unconfirmed_intent", None), SlotSet("awaiting", None)]
