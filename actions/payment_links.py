"""`PaymentLinks`: builds the link a debtor pays through.

No payment processor is wired in yet: the link is a URL template (settings
`payment_link_template`, env PAYMENT_LINK_TEMPLATE) with `{account_id}`, `{amount}`,
`{currency}` and `{reference}` placeholders, so a deployment points it at its processor.
"""

from __future__ import annotations

import string
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.config import get_settings

#: the input channel whose responses are spoken (Rasa picks its `channel:` variants)
VOICE_CHANNEL = "twilio_voice"
#: answers to "I can text you a payment link, is that OK?" that mean yes ("send it over")
WANTS_LINK = frozenset({"affirm", "ask_payment_methods"})

PLACEHOLDERS = frozenset({"account_id", "amount", "currency", "reference"})


class PaymentLinkError(ValueError):
    """The template cannot produce a link (unknown placeholder or not an http(s) URL)."""


class PaymentLinks:
    def __init__(self, template: str) -> None:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        unknown = fields - PLACEHOLDERS
        if unknown:
            raise PaymentLinkError(
                f"payment link template has unknown placeholder(s) {sorted(unknown)}; "
                f"use {sorted(PLACEHOLDERS)}"
            )
        if not template.startswith(("https://", "http://")):
            raise PaymentLinkError("payment link template must start with https:// or http://")
        self.template = template

    @classmethod
    def from_settings(cls) -> PaymentLinks:
        return cls(get_settings().payment_link_template)

    def link_for(
        self,
        account_id: str,
        amount: Decimal,
        currency: str = "USD",
        reference: Optional[str] = None,
    ) -> str:
        """The URL for paying `amount` on `account_id` (values URL-quoted)."""
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if value <= 0:
            raise PaymentLinkError(f"payment amount must be positive, got {value}")
        return self.template.format(
            account_id=quote(str(account_id), safe=""),
            amount=quote(str(value), safe=""),
            currency=quote(currency or "", safe=""),
            reference=quote(reference or "", safe=""),
        )


def offer_by_text(tracker: Tracker, link: str) -> List[EventType]:
    """On a call a URL is not read out: the spoken response offers to text it, and these
    events remember the link so a yes (`action_text_payment_link`) can send it."""
    if tracker.get_latest_input_channel() != VOICE_CHANNEL:
        return []
    offered: List[EventType] = [SlotSet("link_offered", True), SlotSet("offered_link", link)]
    # the newest question decides what a yes answers: not the plan list asked before it
    if tracker.get_slot("awaiting") == "plans":
        offered.append(SlotSet("awaiting", None))
    return offered


class ActionTextPaymentLink(Action):
    """The debtor's answer to "I can text you a payment link, is that OK?": a yes sends it
    as an SMS through the one send path (gated like any SMS; a block is said honestly)."""

    def name(self) -> str:
        return "action_text_payment_link"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        from actions.common import language_of, latest_intent, utter
        from bot.channels.outbox import send_sms
        from bot.channels.texts import text as fixed_text

        link = tracker.get_slot("offered_link")
        done: List[EventType] = [SlotSet("link_offered", False), SlotSet("offered_link", None)]
        if latest_intent(tracker) not in WANTS_LINK or not link:
            utter(dispatcher, tracker, "utter_link_declined")
            return done
        sms = fixed_text("payment_link", language_of(tracker), link=link)
        screened = send_sms(tracker.sender_id, sms, sender="bot")
        utter(dispatcher, tracker, "utter_link_texted" if screened.send else "utter_link_not_sent")
        return done
