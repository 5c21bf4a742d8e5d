"""`action_session_start`: tie the conversation (keyed by the debtor's phone) to an account."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.accounts import find_by_phone
from actions.common import pack_of
from bot.config import get_settings
from bot.locale import language_for_phone


class ActionSessionStart(Action):
    """Fill `account_id`, `language`, `pack`, `debtor_name` and reset verification.

    Slots are never carried over: a new session must verify again.
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        settings = get_settings()
        account = find_by_phone(str(tracker.sender_id))
        message_language = (tracker.latest_message or {}).get("language")
        metadata = tracker.get_slot("session_started_metadata") or {}
        if account is not None and account.language:
            language = account.language
        elif message_language in ("en", "zh"):
            language = message_language
        elif metadata.get("language") in ("en", "zh"):
            language = metadata["language"]
        else:
            language = language_for_phone(str(tracker.sender_id))
        events: List[EventType] = [SessionStarted()]
        events += [
            SlotSet("account_id", account.account_id if account else None),
            SlotSet("language", language),
            SlotSet("pack", account.pack if account else pack_of(tracker)),
            SlotSet("debtor_name", account.name if account else None),
            SlotSet("company", settings.company_for(language)),
            SlotSet("callback_number", settings.callback_number),
            SlotSet("verified", False),
        ]
        events.append(ActionExecuted("action_listen"))
        return events
