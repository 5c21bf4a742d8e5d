"""The reminder conversation after verification: balance, due date, how to pay."""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.accounts import AccountView, load_account
from actions.common import language_of, utter
from actions.holds import answer_while_held
from actions.payment_links import PaymentLinks, offer_by_text
from bot.locale import money, show_date


def _open_debt_and_link(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> Optional[Tuple[AccountView, str]]:
    """The account and a link for its whole balance, or None after saying there is nothing
    open (both balance and payment-method answers need the same two things)."""
    account = load_account(tracker)
    if account is None or not account.has_debt:
        utter(dispatcher, tracker, "utter_no_open_balance")
        return None
    link = PaymentLinks.from_settings().link_for(account.account_id, account.balance, account.currency)
    return account, link


class ActionTellBalance(Action):
    def name(self) -> str:
        return "action_tell_balance"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        held = answer_while_held(dispatcher, tracker)
        if held is not None:  # the gate would drop the balance: say who will answer instead
            return held
        found = _open_debt_and_link(dispatcher, tracker)
        if found is None:
            return []
        account, link = found
        lang = language_of(tracker)
        utter(
            dispatcher,
            tracker,
            "utter_balance",
            creditor=account.creditor or common_company(lang),
            balance=money(account.balance, account.currency),
            due=due_clause(account.due_date, lang),
            link=link,
        )
        return offer_by_text(tracker, link)


class ActionPaymentMethods(Action):
    def name(self) -> str:
        return "action_payment_methods"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        found = _open_debt_and_link(dispatcher, tracker)
        if found is None:
            return []
        utter(dispatcher, tracker, "utter_payment_methods", link=found[1])
        return offer_by_text(tracker, found[1])


def due_clause(due_date: Optional[date], language: str) -> str:
    """", due 4 Dec 2026" or "，到期日…", or nothing: an account imported without a due date
    must not be told its balance is "due -"."""
    if due_date is None:
        return ""
    shown = show_date(due_date, language)
    return f"，到期日{shown}" if language == "zh" else f", due {shown}"


def common_company(language: str) -> str:
    from bot.config import get_settings

    return get_settings().company_for(language)
