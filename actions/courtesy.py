"""A bare "ok" / "k" / "好" / "嗯" when nothing is open (no question, no offer on the table).

It was answered "didn't catch that", as if the debtor had said something wrong. It is not
an acceptance either: there is nothing to accept. Verified, the reply says what they can
do next; not verified, the account holder stepping forward ("who is this?" ... "ok")
starts verification as any debt question would, unless this number said it is a wrong
number or the person said they are not the account holder (then nothing about a debt,
only how to reach us).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import utter
from actions.verification import ActionStartVerification

#: earlier actions after which nobody here is to be asked "is this <name>?"
NOT_THE_DEBTOR = frozenset({"action_wrong_number", "action_name_denied"})


class ActionNothingOpen(Action):
    """A yes that no open question or offer claims (rule "a yes with nothing open")."""

    def name(self) -> str:
        return "action_nothing_open"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if tracker.get_slot("verified"):
            utter(dispatcher, tracker, "utter_nothing_open")
            return []
        if may_start_verification(tracker):
            return await ActionStartVerification().run(dispatcher, tracker, domain)
        utter(dispatcher, tracker, "utter_nothing_open_unverified")
        return []


def may_start_verification(tracker: Tracker) -> bool:
    """An account is behind this number, and nobody here said it is the wrong number or
    denied being the account holder (`name_confirmed` starts False, so it cannot tell)."""
    if not tracker.get_slot("account_id"):
        return False
    done = {e.get("name") for e in tracker.events if e.get("event") == "action"}
    return not (done & NOT_THE_DEBTOR)
