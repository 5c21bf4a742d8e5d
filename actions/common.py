"""What every action needs: the account behind a conversation, formatting, safe uttering."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.config import get_settings
from bot.locale import pack_for_phone, zone_or_default


def language_of(tracker: Tracker) -> str:
    """The conversation language: the `language` slot (set from the account), else the message."""
    value = tracker.get_slot("language")
    if value in ("en", "zh"):
        return value
    guess = (tracker.latest_message or {}).get("language")
    return guess if guess in ("en", "zh") else "en"


def pack_of(tracker: Tracker) -> str:
    """The rule pack of the conversation (`pack` slot, else from the phone's country code)."""
    value = tracker.get_slot("pack")
    if value in ("us", "cn"):
        return value
    return pack_for_phone(str(tracker.sender_id))


def common_vars(tracker: Tracker) -> Dict[str, Any]:
    """Template variables every response may use."""
    settings = get_settings()
    return {
        "company": settings.company_for(tracker.get_slot("language")),
        "callback_number": settings.callback_number,
        "debtor_name": tracker.get_slot("debtor_name") or "",
    }


def utter(dispatcher: CollectingDispatcher, tracker: Tracker, response: str, **variables: Any) -> None:
    """Utter a domain response with the common variables filled in."""
    dispatcher.utter_message(response=response, **{**common_vars(tracker), **variables})


def local_now(timezone_name: Optional[str], lang: str) -> datetime:
    """Now in the debtor's zone (a missing or unknown zone: the language's usual one)."""
    return clock.now().astimezone(zone_or_default(timezone_name, lang))


def entity_value(tracker: Tracker, name: str) -> Optional[str]:
    """The first value of entity `name` in the latest message, as a string."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            return str(entity["value"])
    return None


def latest_intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def safe_text(text: str, tracker: Tracker) -> Optional[str]:
    """`text` if the phrase filter allows it in this conversation's pack, else None.

    Text built by code (lists of options, summaries) is not a reviewed template, so it
    is screened here before it is put into a response.
    """
    from compliance_filters import check_text, load_pack

    decision = check_text(load_pack(pack_of(tracker)), text, lang=language_of(tracker))
    return text if decision.allowed else None


def parse_decimal(value: Optional[str]) -> Optional[Decimal]:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except ArithmeticError:
        return None


def parse_int(value: Optional[str]) -> Optional[int]:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def offer_to_slot(offer: Any) -> str:
    """The `current_offer` slot value: JSON of `Offer.as_dict()`."""
    return json.dumps(offer.as_dict(), sort_keys=True)


def offer_from_slot(text: Optional[str]) -> Any:
    """The offer kept in the slot, or None when there is none or it is unreadable."""
    from bot.negotiation import Offer

    if not text:
        return None
    try:
        return Offer.from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return None


def reset_slots(*names: str) -> List[Dict[str, Any]]:
    return [SlotSet(name, None) for name in names]
