"""`action_handoff`: a person takes over (store row, a short text, a payload for voice)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, utter
from bot.console.routing import queue_handoff
from bot.dialogue.streaks import escalation_reason, turns_from_event_dicts
from bot.store.db import session_scope

# Latest intent -> the reason an agent sees in the queue.
INTENT_REASONS = {
    "request_human": "requested_human",
    "express_distress": "distress",
    "already_paid": "paid_claim",
    "dispute_debt": "dispute",
    "debtor_deceased": "deceased",
    "attorney_represented": "attorney",
    "bankruptcy": "bankruptcy",
    "file_complaint": "complaint",
}


def handoff_reason(tracker: Tracker) -> str:
    """Slot (set by the escalation policy or an action) > what the latest message is about
    (distress, a dispute, ...) > streak > a plain request for a person. A distressed debtor
    on their third upset message was queued as "negative_emotion", behind the 15-minute
    distress queue, although the distress rule had just sent the crisis line."""
    reason: Optional[str] = tracker.get_slot("handoff_reason")
    if reason:
        return reason
    about = INTENT_REASONS.get(latest_intent(tracker) or "")
    if about and about != "requested_human":
        return about
    streak = escalation_reason(turns_from_event_dicts(tracker.events))
    if streak:
        return streak
    return about or "requested_human"


def perform_handoff(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    """Queue the conversation for an agent (once: a further reason joins the open handoff)
    and tell the debtor (and the voice channel)."""
    account_id = tracker.get_slot("account_id")
    if account_id:
        intents = [e.get("parse_data", {}).get("intent", {}).get("name") for e in tracker.events
                   if e.get("event") == "user"]
        with session_scope() as s:
            queue_handoff(s, account_id=account_id, reason=reason, conversation_id=str(tracker.sender_id),
                          intents=[i for i in intents if i][-20:])
    utter(dispatcher, tracker, "utter_handoff")
    dispatcher.utter_message(json_message={"handoff": True, "reason": reason})
    return [SlotSet("handoff_reason", None), SlotSet("awaiting", None), SlotSet("current_offer", None)]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return perform_handoff(dispatcher, tracker, handoff_reason(tracker))
