"""Answers while a dispute, an attorney or a bankruptcy is on file: never silence.

A disputed or represented account gets no collection content (issue 13 item 2: the gate
drops it), so a debt question after "this isn't my debt" used to start verification and
then get no reply at all: the balance the verified reply led to was dropped by the gate.
Here the debt question gets the handoff message instead (a team member will contact them),
and what an attorney's client sends about the attorney ("his name is Bob Ray 555 0100") is
kept for the agent: an evidence record and the open attorney handoff.
"""

from __future__ import annotations

import re
from typing import FrozenSet, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.store import evidence, repo
from bot.store.db import session_scope

#: statuses under which the assistant does not collect: a person takes it from here
HELD = frozenset({"dispute", "attorney", "bankruptcy"})
# a phone number of 7+ digits, spaced or dashed as people type them ("555 0100", "(212) 555-0100")
_PHONE = re.compile(r"(?:\+?\d[\d\s().-]{5,}\d)")


def held_statuses(tracker: Tracker) -> FrozenSet[str]:
    """The holding statuses in force on the conversation's account."""
    account_id = tracker.get_slot("account_id")
    if not account_id:
        return frozenset()
    with session_scope() as s:
        account = repo.get_account(s, account_id)
        return frozenset(account.statuses & HELD) if account is not None else frozenset()


def attorney_details(text: str) -> Optional[str]:
    """The message, when it gives a phone number (an attorney's contact), else None."""
    return text.strip()[:300] if _PHONE.search(text or "") else None


def note_attorney_details(s: object, tracker: Tracker) -> bool:
    """Keep the attorney's contact from this message for the agent (an evidence record
    beside the attorney handoff); False when the message gives no number."""
    details = attorney_details((tracker.latest_message or {}).get("text") or "")
    if details is None:
        return False
    evidence.append(s, "attorney_contact", tracker.get_slot("account_id"),
                    {"conversation": str(tracker.sender_id), "text": details})
    return True


def answer_while_held(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
    """The reply for a held account (the handoff message, the attorney's details noted),
    or None when nothing is on hold and the caller goes on as usual."""
    held = held_statuses(tracker)
    if not held:
        return None
    from actions.common import utter
    from actions.handoff import perform_handoff

    text = (tracker.latest_message or {}).get("text") or ""
    if "attorney" in held and attorney_details(text) is not None:
        with session_scope() as s:
            note_attorney_details(s, tracker)
        # joins the open attorney handoff (one row), so the agent sees it with the case
        return perform_handoff(dispatcher, tracker, "attorney") + [SlotSet("pending_intent", None)]
    utter(dispatcher, tracker, "utter_handoff")
    return [SlotSet("pending_intent", None), SlotSet("awaiting", None), SlotSet("current_offer", None)]
