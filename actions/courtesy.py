"""A bare "ok" / "k" / "好" / "嗯" when nothing is open (no question, no offer on the table).

It was answered "didn't catch that", as if the debtor had said something wrong. It is not
an acceptance either: there is nothing to accept. Verified, the reply says what they can
do next; not verified, the account holder stepping forward ("who is this?" ... "ok")
starts verification as any debt question would, unless this number said it is a wrong
number or the person said they are not the account holder (then nothing about a debt,
only how to reach us).

"What happens if I don't pay?" before verification (`ActionVerifyBeforeAnswering`) was
answered with who we are only, the question left hanging. It is a question about a debt,
so it is answered like the others: said to be heard, identity checked first, and the
answer (`utter_options`) given once verified.
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


class ActionVerifyBeforeAnswering(Action):
    """"What happens if i dont pay" / "不还的话会怎么样" before verification.

    The answer names the balance and what follows from not paying, which only the account
    holder may hear (no third-party disclosure, docs/spec/compliance.md). So the question
    is acknowledged without a word about a debt, and verification starts with it pending;
    `utter_options` answers it once verified (FOLLOW_UPS in actions/verification.py).
    Someone who said this is a wrong number or that they are not the account holder is not
    asked to verify: who we are, as before."""

    def name(self) -> str:
        return "action_verify_before_answering"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if not may_start_verification(tracker):
            utter(dispatcher, tracker, "utter_who_is_this")
            return []
        utter(dispatcher, tracker, "utter_verify_before_answering")
        return await ActionStartVerification().run(dispatcher, tracker, domain)
