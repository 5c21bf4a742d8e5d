"""Negotiation actions: they ask `bot.negotiation` for offers and keep the one on the
table in the `current_offer` slot until the debtor says yes or no.

`awaiting: offer` is not a form on purpose: an offer on the table is a standing yes/no,
not a question that must be answered. A form re-asks its slot until it is filled; here the
debtor may instead counter ("make it 6 months"), ask a question or change the subject,
and the offer is then replaced or dropped, not asked again. The rules "offer accepted" /
"offer declined" (bot/rules/negotiation.yml) take the one-turn answer.
"""

from __future__ import annotations

import functools
import logging
import re
from datetime import date
from decimal import Decimal
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.accounts import AccountView, load_account
from actions.common import (
    entity_value,
    language_of,
    local_now,
    offer_from_slot,
    offer_to_slot,
    parse_decimal,
    parse_int,
    safe_text,
    utter,
)
from actions.handoff import perform_handoff
from actions.payment_links import PaymentLinks, offer_by_text
from bot import clock, locale, negotiation
from bot.locale import money, show_date
from bot.negotiation.choice import asks_for_time, listed_choice, only_thanks, says_pay_in_full
from bot.negotiation.hardship import hardship_in_force, hardship_lifetime
from bot.negotiation.money import round_down
from bot.negotiation.reschedule import asks_to_move_date
from bot.negotiation.split import evaluate_split_promise, is_split, parts_text
from bot.nlu.cadence import amount_before_cadence, monthly_equivalent, payment_cadence
from bot.nlu.monthly_parts import monthly_total
from bot.nlu.split import HALF, parse_split_promise
from bot.store import evidence, outcomes, repo
from bot.store.db import session_scope
from bot.store.models import Arrangement

logger = logging.getLogger(__name__)


def policy_guard(run: Callable[..., Awaitable[List[EventType]]]) -> Callable[..., Awaitable[List[EventType]]]:
    """A creditor policy without terms for the debt's currency is a setup gap, not the
    debtor's problem: hand the conversation to a person instead of failing in silence
    (an exception in an action leaves the debtor with no reply at all)."""

    @functools.wraps(run)
    async def guarded(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: Dict[str, Any]) -> List[EventType]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except negotiation.PolicyError as exc:
            logger.warning("negotiation policy gap, handing off: %s", exc)
            return perform_handoff(dispatcher, tracker, "policy_gap")

    return guarded


def _today(account: AccountView, tracker: Tracker) -> date:
    return local_now(account.timezone, language_of(tracker)).date()


def _open_account(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[AccountView]:
    account = load_account(tracker)
    if account is None or not account.has_debt:
        utter(dispatcher, tracker, "utter_no_open_balance")
        return None
    return account


def _on_table(offer: Any) -> List[EventType]:
    return [SlotSet("current_offer", offer_to_slot(offer)), SlotSet("awaiting", "offer")]


def _turn_over() -> List[EventType]:
    """Listen next, whatever the evaluation set. The rules that lead here ("yes to the plan
    list", "offer accepted") are conditioned on `awaiting`, which the evaluation may change
    (a counter puts an offer on the table): the rule then no longer matches its own end,
    and without this the fallback would answer "didn't catch that" after the counter."""
    return [FollowupAction("action_listen")]


def _cleared() -> List[EventType]:
    return [SlotSet("amount", None), SlotSet("currency", None), SlotSet("date", None), SlotSet("months", None)]


def _say_options(dispatcher: CollectingDispatcher, tracker: Tracker, options: List[Any],
                 render: Callable[[Any, str], str], response: str, field: str) -> bool:
    """Say a list of offers in one message; False (nothing said) when there are none or the
    list, being text built by code, does not pass the phrase filter: the caller hands off."""
    lang = language_of(tracker)
    text = safe_text(locale.join((render(o, lang) for o in options), lang), tracker)
    if not options or text is None:
        return False
    utter(dispatcher, tracker, response, **{field: text})
    return True


def _slot_or_entity(tracker: Tracker, name: str) -> Optional[str]:
    return entity_value(tracker, name) or tracker.get_slot(name)


def _text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def _promise_text(tracker: Tracker) -> str:
    """The debtor's words of the promise: this message, or, when the promise waited for
    verification ("我下个月初还清", then the identity answer), the message that made it."""
    return _words_of(tracker, "promise_to_pay")


def _words_of(tracker: Tracker, intent: str) -> str:
    """The latest message read as `intent` (one that waited for verification, say), else
    this message."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user" and \
                (event.get("parse_data") or {}).get("intent", {}).get("name") == intent:
            return event.get("text") or ""
    return _text(tracker)


def _stated_date(tracker: Tracker) -> Optional[date]:
    """The date the debtor named in this message or the one before ("i'll pay on the 1st
    of next month" ... "the full amount"), kept in the `date` slot until an offer uses it."""
    on_text = _slot_or_entity(tracker, "date")
    try:
        return date.fromisoformat(on_text[:10]) if on_text else None
    except ValueError:
        return None


def full_balance_on(dispatcher: CollectingDispatcher, tracker: Tracker, account: AccountView,
                    on: date) -> List[EventType]:
    """"The full amount" / "还清" with a date: the whole balance on THAT date, put on the
    table and said back (not stored until a yes), not the pay-by-deadline settlement."""
    policy = negotiation.load_policy(account.creditor)
    evaluation = negotiation.evaluate_promise(
        policy, account.terms(), amount=account.balance, on=on, today=_today(account, tracker))
    offer = evaluation.offer
    utter(dispatcher, tracker, "utter_promise_counter", total=money(offer.total, offer.currency),
          date=show_date(offer.first_due, language_of(tracker)))
    return _cleared() + _on_table(offer)


class _SettlementRun:
    """Shared run() for the two pay-in-full actions; a mixin, not an Action, so the
    action server's subclass scan does not try to register it without a name."""

    response = "utter_offer_settlement"
    # an account with no interest or fees to waive: "we can waive $0.00 of interest: $500.00
    # instead of $500.00" is a discount that is not one
    response_nothing_waived = "utter_offer_full_payment"
    #: read as "pay in full", a sum below the balance without "in full" is a promise of
    #: part of it (the discount question keeps its sum: "can I pay 300 to settle?")
    part_payment_is_a_promise = False

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        account = _open_account(dispatcher, tracker)
        if account is None:
            return []
        if asks_for_time(_text(tracker)):
            return offer_hardship(dispatcher, tracker, account)
        if self.part_payment_is_a_promise and _part_payment(tracker, account):
            # "i wanna pay 150 on the 5th" (a $500 balance) is a promise of $150, whichever
            # of the two intents the model read it as
            return await ActionEvaluatePromise().run(dispatcher, tracker, {})
        policy = negotiation.load_policy(account.creditor)
        today = _today(account, tracker)
        offer = negotiation.pay_in_full_offer(policy, account.terms(), today)
        on = _stated_date(tracker)
        if on is not None and not today <= on <= offer.first_due:
            return full_balance_on(dispatcher, tracker, account, on)
        if on is not None:
            # "the full amount" on a date inside the settlement window: settled on THAT date
            offer = negotiation.evaluate_settlement(
                policy, account.terms(), amount=offer.total, today=today, on=on).offer
        lang = language_of(tracker)
        utter(
            dispatcher,
            tracker,
            self.response if offer.total < account.balance else self.response_nothing_waived,
            pay_by=show_date(offer.first_due, lang),
            waived=money(offer.waived_interest, offer.currency),
            total=money(offer.total, offer.currency),
            balance=money(account.balance, account.currency),
        )
        # the date it used is spent: a later "pay in full" must not reuse it
        return _on_table(offer) + _cleared()


def _part_payment(tracker: Tracker, account: AccountView) -> bool:
    """Did the debtor name a sum below the balance, without saying it is all of it, in
    the words that asked to pay (this message, or the one that waited for verification)?"""
    amount = parse_decimal(_slot_or_entity(tracker, "amount"))
    if amount is None or amount <= 0 or amount >= account.balance:
        return False
    return not says_pay_in_full(_words_of(tracker, "pay_in_full"))


class ActionOfferSettlement(_SettlementRun, Action):
    """Pay in full: the policy's interest waiver for paying by a date."""

    part_payment_is_a_promise = True

    def name(self) -> str:
        return "action_offer_settlement"


class ActionExplainDiscount(_SettlementRun, Action):
    """A discount request: the amount stays, the pay-in-full waiver is the discount."""

    response = "utter_explain_discount"
    response_nothing_waived = "utter_no_discount"

    def name(self) -> str:
        return "action_explain_discount"


class ActionOfferPlans(Action):
    def name(self) -> str:
        return "action_offer_plans"

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        account = _open_account(dispatcher, tracker)
        if account is None:
            return []
        if asks_for_time(_text(tracker)):
            return offer_hardship(dispatcher, tracker, account)
        return offer_plans(dispatcher, tracker, account)


def offer_plans(dispatcher: CollectingDispatcher, tracker: Tracker, account: AccountView) -> List[EventType]:
    """List the policy's plans and ask which one (`awaiting: plans`)."""
    policy = negotiation.load_policy(account.creditor)
    offers = negotiation.plan_offers(policy, account.terms(), _today(account, tracker))
    if not _say_options(dispatcher, tracker, offers, locale.plan_option, "utter_offer_plans", "plans"):
        return perform_handoff(dispatcher, tracker, "no_plan_possible")
    # the list asks "which one?": a yes to it ("yeah 4 months is good", "行") is the
    # debtor's choice, weighed by action_evaluate_installment (rule "yes to the plan list").
    # The list answers any amount or months said before it, so those are cleared: "我每个
    # 月只能还一百", the list, then "就四个月" was weighed as 4 months AND 100 a month
    return _cleared() + [SlotSet("awaiting", "plans"), SlotSet("current_offer", None)]


class ActionEvaluateInstallment(Action):
    """The debtor's own plan: accept inside the bounds, else counter; too many rounds -> a person."""

    def name(self) -> str:
        return "action_evaluate_installment"

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if _one_payment_on_a_date(tracker):
            # "i wanna pay 150 on the 5th" read as a plan proposal: one sum on one day, with
            # no months and nothing repeating, is a promise of that sum on that day
            return await ActionEvaluatePromise().run(dispatcher, tracker, {})
        return evaluate_installment(dispatcher, tracker) + _turn_over()

    @staticmethod
    def say(dispatcher: CollectingDispatcher, tracker: Tracker, response: str, offer: Any) -> None:
        lang = language_of(tracker)
        utter(
            dispatcher,
            tracker,
            response,
            months=offer.months,
            monthly=locale.installment_amount(offer, lang),
            first_due=show_date(offer.first_due, lang),
            total=money(offer.total, offer.currency),
        )


#: words that make a sum repeat (a plan), in either language; "12月5号" names a day, not months
_REPEATING = re.compile(
    r"\b(?:month|months|monthly|week|weeks|weekly|biweekly|fortnight\w*|every|each|per|"
    r"installments?|instalments?|payments|a\s+mo|/\s?mo)\b|每|分期|期|个月|按月|月供|几次|分\s*[几两二三四五六七八九十\d]",
    re.IGNORECASE)


def _one_payment_on_a_date(tracker: Tracker) -> bool:
    """Does the proposal name one sum and one day, and no months and nothing repeating?"""
    if parse_decimal(_slot_or_entity(tracker, "amount")) is None or _stated_date(tracker) is None:
        return False
    if _slot_or_entity(tracker, "months"):
        return False
    words = _words_of(tracker, "propose_installment")
    if _REPEATING.search(words):
        return False
    # a whole date ("12月5号", "12/5") is one number here: the sum and the day, no more
    words = _WHOLE_DATE.sub(" D ", words)
    return len(re.findall(r"\d+(?:[.,]\d+)?", words)) <= 2


_WHOLE_DATE = re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*[号日]|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b")


def evaluate_installment(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The debtor's own terms (months and/or an amount per month, from this message or the
    slots): accepted inside the policy's bounds, else the closest plan it allows as a
    counter-offer; too many rounds -> a person. The terms on the table restated are a yes."""
    account = _open_account(dispatcher, tracker)
    if account is None:
        return []
    split = split_promise(dispatcher, tracker, account)
    if split is not None:
        return split
    other_cadence = cadence_proposal(dispatcher, tracker, account)
    if other_cadence is not None:
        return other_cadence
    in_parts = monthly_parts_proposal(dispatcher, tracker, account)
    if in_parts is not None:
        return in_parts
    months = parse_int(_slot_or_entity(tracker, "months"))
    amount = parse_decimal(_slot_or_entity(tracker, "amount"))
    if matches_offer(offer_from_slot(tracker.get_slot("current_offer")), months, amount):
        return _cleared() + accept_offer(dispatcher, tracker)
    policy = negotiation.load_policy(account.creditor)
    # one reading of the clock: the plans listed and the plan evaluated start the same day,
    # even when the turn straddles the debtor's midnight
    today = _today(account, tracker)
    if months is None and amount is None and tracker.get_slot("awaiting") == "plans":
        listed = negotiation.plan_offers(policy, account.terms(), today)
        months = listed_choice(tracker.latest_message.get("text") or "", [o.months for o in listed])
    if months is None and amount is None and tracker.get_slot("awaiting") != "plans":
        # a proposal with no terms ("can i pay monthly" read as propose_installment) is a
        # request for a plan: the list, not "how much per month?" with no options named
        return offer_plans(dispatcher, tracker, account)
    if months is None and amount is None:
        utter(dispatcher, tracker, "utter_ask_installment")
        return []
    evaluation = negotiation.evaluate_installment(
        policy, account.terms(), monthly_amount=amount, months=months, start=today,
        hardship=in_hardship(tracker, account),
    )
    offer = evaluation.offer
    if evaluation.accepted and offer is not None:
        ActionEvaluateInstallment.say(dispatcher, tracker, "utter_plan_accept_proposal", offer)
        return _cleared() + _on_table(offer)
    rounds = int(tracker.get_slot("negotiation_rounds") or 0) + 1
    if offer is None or rounds > policy.max_rounds:
        return _cleared() + perform_handoff(dispatcher, tracker, "negotiation_rounds")
    ActionEvaluateInstallment.say(dispatcher, tracker, "utter_plan_counter", offer)
    return _cleared() + _on_table(offer) + [SlotSet("negotiation_rounds", float(rounds))]


def cadence_proposal(dispatcher: CollectingDispatcher, tracker: Tracker,
                     account: AccountView) -> Optional[List[EventType]]:
    """An amount at another cadence ("50 every 2 weeks", "每两周还50", "$40 a week") is a
    plan proposal, not a promise with no date. Plans are monthly, so the amount is turned
    into what it comes to per month and weighed like "$108.33 a month"; the plan that
    fits is put on the table as a question with the monthly figure said, never stored as
    if the debtor had agreed to it (they proposed another cadence). None when the message
    names no other cadence or no amount."""
    text = request_text(tracker)
    cadence = payment_cadence(text)
    if cadence is None:
        return None
    amount = parse_decimal(entity_value(tracker, "amount")) or amount_before_cadence(text) \
        or parse_decimal(tracker.get_slot("amount"))
    if amount is None or amount <= 0:
        return None
    policy = negotiation.load_policy(account.creditor)
    per_month = monthly_equivalent(amount, cadence)
    evaluation = negotiation.evaluate_installment(
        policy, account.terms(), monthly_amount=per_month, start=_today(account, tracker),
        hardship=in_hardship(tracker, account))
    offer = evaluation.offer
    rounds = int(tracker.get_slot("negotiation_rounds") or 0) + (0 if evaluation.accepted else 1)
    if offer is None or offer.kind != "plan" or rounds > policy.max_rounds:
        return _cleared() + perform_handoff(dispatcher, tracker, "negotiation_rounds")
    lang = language_of(tracker)
    utter(dispatcher, tracker, "utter_plan_cadence", months=offer.months,
          monthly=locale.installment_amount(offer, lang), first_due=show_date(offer.first_due, lang),
          total=money(offer.total, offer.currency), said=money(amount, offer.currency),
          cadence=cadence.words(lang), per_month=money(per_month, offer.currency))
    return _cleared() + _on_table(offer) + [SlotSet("negotiation_rounds", float(rounds))]


def monthly_parts_proposal(dispatcher: CollectingDispatcher, tracker: Tracker,
                           account: AccountView) -> Optional[List[EventType]]:
    """A month paid in parts ("60 on the 5th and 60 on the 20th every month", "每个月5号还
    500，20号还500"). Plans are one payment a month (bot/negotiation/README.md: equal
    monthly installments), so the split itself is not available: that is said plainly, and
    the plan the monthly total fits (weighed like "$120 a month") is put on the table as a
    question. It was answered "That works: 6 monthly payments of $83.33, first on <today>",
    agreeing in words to a plan the debtor never proposed. None when the message is not a
    month in parts."""
    per_month = said_monthly(tracker, account)
    if per_month is None:
        return None
    policy = negotiation.load_policy(account.creditor)
    evaluation = negotiation.evaluate_installment(
        policy, account.terms(), monthly_amount=per_month, start=_today(account, tracker),
        hardship=in_hardship(tracker, account))
    offer = evaluation.offer
    # the monthly total fitting a plan is no counter-offer; one that does not fit is
    rounds = int(tracker.get_slot("negotiation_rounds") or 0) + (0 if evaluation.accepted else 1)
    if offer is None or offer.kind != "plan" or rounds > policy.max_rounds:
        return _cleared() + perform_handoff(dispatcher, tracker, "negotiation_rounds")
    lang = language_of(tracker)
    utter(dispatcher, tracker, "utter_plan_parts", months=offer.months,
          monthly=locale.installment_amount(offer, lang), first_due=show_date(offer.first_due, lang),
          total=money(offer.total, offer.currency), per_month=money(per_month, offer.currency))
    return _cleared() + _on_table(offer) + [SlotSet("negotiation_rounds", float(rounds))]


def in_hardship(tracker: Tracker, account: AccountView) -> bool:
    """Weigh a proposal with the hardship bounds when the debtor has reported hardship:
    "50 a month" right after "a pause; 20 x $25.00" was countered with 6 x $83.33, a plan
    dearer than the one the assistant had just offered."""
    offer = offer_from_slot(tracker.get_slot("current_offer"))
    if offer is not None and (offer.kind == "pause" or offer.description_key.startswith("hardship")):
        return True
    policy = negotiation.load_policy(account.creditor)
    with session_scope() as s:
        found = repo.get_account(s, account.account_id)
        return found is not None and current_hardship(s, found, policy)


def current_hardship(s: Any, account: Any, policy: Any) -> bool:
    """Is a hardship in force on `account` (an ORM `Account`)? A report older than its
    lifetime (bot/negotiation/hardship.py) is lifted here, the first time a conversation
    looks, so agents stop seeing it too; an evidence record says when and why."""
    rows = [r for r in account.status_records if r.active and r.status == "hardship"]
    if not rows:
        return False
    now = clock.now()
    if hardship_in_force(max(r.at for r in rows), now, policy):
        return True
    for row in rows:
        row.active = False
    s.flush()
    evidence.append(s, "status_expired", account.account_id, {
        "status": "hardship", "reported_at": max(r.at for r in rows).isoformat(),
        "lifetime_days": hardship_lifetime(policy).days}, at=now)
    return False


class ActionEvaluatePromise(Action):
    """A promise to pay an amount on a date: stored when acceptable, else a counter."""

    def name(self) -> str:
        return "action_evaluate_promise"

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        account = _open_account(dispatcher, tracker)
        if account is None:
            return []
        if said_monthly(tracker, account) is not None:
            # "40 on the 1st and 40 on the 15th every month": a plan of 80 a month, weighed as one
            return evaluate_installment(dispatcher, tracker) + _turn_over()
        moved = move_promise(dispatcher, tracker, account)
        if moved is not None:
            return moved
        split = split_promise(dispatcher, tracker, account)
        if split is not None:
            return split + _turn_over()
        other_cadence = cadence_proposal(dispatcher, tracker, account)
        if other_cadence is not None:
            return other_cadence + _turn_over()
        amount = parse_decimal(_slot_or_entity(tracker, "amount"))
        on = _stated_date(tracker)
        if amount is None and on is not None and says_pay_in_full(_promise_text(tracker)):
            return full_balance_on(dispatcher, tracker, account, on)
        if amount is None or on is None:
            utter(dispatcher, tracker, "utter_ask_promise_details")
            # what was said is kept for the answer ("the full amount", "200")
            return [SlotSet("date", on.isoformat() if on else None),
                    SlotSet("amount", str(amount) if amount is not None else None)]
        lang = language_of(tracker)
        policy = negotiation.load_policy(account.creditor)
        evaluation = negotiation.evaluate_promise(
            policy, account.terms(), amount=amount, on=on, today=_today(account, tracker)
        )
        offer = evaluation.offer
        if evaluation.accepted and offer is not None:
            store_arrangement(account, offer)
            link = PaymentLinks.from_settings().link_for(account.account_id, offer.total, offer.currency)
            utter(
                dispatcher,
                tracker,
                "utter_promise_accepted",
                total=money(offer.total, offer.currency),
                date=show_date(offer.first_due, lang),
                link=link,
            )
            return _cleared() + [SlotSet("awaiting", None), SlotSet("current_offer", None)] \
                + offer_by_text(tracker, link)
        if offer is None:
            utter(dispatcher, tracker, "utter_ask_promise_details")
            return _cleared()
        utter(
            dispatcher,
            tracker,
            "utter_promise_counter",
            total=money(offer.total, offer.currency),
            date=show_date(offer.first_due, lang),
        )
        return _cleared() + _on_table(offer)


def said_monthly(tracker: Tracker, account: AccountView) -> Optional[Decimal]:
    """The amount per month of a monthly payment said in parts ("40 on the 1st and 40 on
    the 15th every month" -> 80, "每月1号和15号各还200" -> 400), else None."""
    return monthly_total(request_text(tracker), _today(account, tracker), account.timezone)


def move_promise(dispatcher: CollectingDispatcher, tracker: Tracker,
                 account: AccountView) -> Optional[List[EventType]]:
    """"Actually can we make it monday instead" / "能改到下周一吗" after a recorded promise:
    the same promise on the new date, not a second one. The open promise's date is changed
    in place (the move kept as evidence) when the policy accepts the new date, and said back
    with its link; a date it does not accept gets the usual counter. None when the message
    does not move an open promise (no date in it, another amount, no open promise)."""
    text = request_text(tracker)
    on = _stated_date(tracker)
    if on is None or not asks_to_move_date(text):
        return None
    amount = parse_decimal(entity_value(tracker, "amount"))
    with session_scope() as s:
        promise = _open_promise(s, account.account_id)
        if promise is None or (amount is not None and amount != promise.total):
            return None
        total = Decimal(str(promise.total))
    policy = negotiation.load_policy(account.creditor)
    evaluation = negotiation.evaluate_promise(policy, account.terms(), amount=total, on=on,
                                              today=_today(account, tracker))
    offer = evaluation.offer
    lang = language_of(tracker)
    if not evaluation.accepted or offer is None:
        if offer is None:
            return None
        utter(dispatcher, tracker, "utter_promise_counter", total=money(offer.total, offer.currency),
              date=show_date(offer.first_due, lang))
        return _cleared() + _on_table(offer) + _turn_over()
    with session_scope() as s:
        _move(s, account.account_id, offer.first_due)
    link = PaymentLinks.from_settings().link_for(account.account_id, offer.total, offer.currency)
    utter(dispatcher, tracker, "utter_promise_accepted", total=money(offer.total, offer.currency),
          date=show_date(offer.first_due, lang), link=link)
    return _cleared() + [SlotSet("awaiting", None), SlotSet("current_offer", None)] \
        + offer_by_text(tracker, link) + _turn_over()


def _open_promise(s: Any, account_id: str) -> Any:
    """The account's one open promise (a single payment, not yet paid), if it has one."""
    rows = list(s.execute(select(Arrangement).where(
        Arrangement.account_id == account_id, Arrangement.status.in_(outcomes.OPEN_ARRANGEMENT))).scalars())
    if len(rows) != 1 or rows[0].kind != "promise" or len(rows[0].installments) != 1 \
            or rows[0].installments[0].status != "due":
        return None
    return rows[0]


def _move(s: Any, account_id: str, on: date) -> None:
    """The open promise now falls due `on`; the move is kept in the evidence log."""
    promise = _open_promise(s, account_id)
    if promise is None:
        return
    installment = promise.installments[0]
    evidence.append(s, "arrangement_moved", account_id, {
        "arrangement_id": promise.id, "from": installment.due_date.isoformat(), "to": on.isoformat()})
    installment.due_date = on


#: intents whose words say the terms; the actions that hand a verified debtor's request on
TERMS_INTENTS = frozenset({"promise_to_pay", "propose_installment"})
HANDING_ON = frozenset({"action_verification_result", "action_start_verification"})


def request_text(tracker: Tracker) -> str:
    """The words of the request this action answers. Usually the latest message; but a
    promise made before verification is answered after it, when the latest message is the
    date of birth: then it is the last message that stated terms (its amount and date
    survive in slots, a second part only in the words)."""
    latest = tracker.latest_message or {}
    if ((latest.get("intent") or {}).get("name")) in TERMS_INTENTS:
        return latest.get("text") or ""
    actions = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    if actions and actions[-1] in HANDING_ON:
        for event in reversed(tracker.events):
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if event.get("event") == "user" and intent in TERMS_INTENTS:
                return event.get("text") or ""
    return latest.get("text") or ""


def split_promise(dispatcher: CollectingDispatcher, tracker: Tracker,
                  account: AccountView) -> Optional[List[EventType]]:
    """A promise in two parts ("200 next friday and the rest in january"): both dated
    amounts held to the promise rules and said back for a yes before anything is stored
    (the entities alone would have recorded only the first part). A second part with no
    date we can read goes to a person, who sees the debtor's words in the conversation.
    None when the message is not a split promise."""
    text = request_text(tracker)
    today = _today(account, tracker)
    said = parse_split_promise(text, today, account.timezone)
    if said is None:
        return None
    if not said.complete:
        return _cleared() + perform_handoff(dispatcher, tracker, "split_promise")
    balance = account.balance
    half = round_down(balance / 2)
    parts = [(half if amount == HALF else amount, on) for amount, on in zip(said.amounts, said.dates)]
    policy = negotiation.load_policy(account.creditor)
    try:
        evaluation = evaluate_split_promise(policy, account.terms(), parts, today)
    except ValueError:
        # "the rest" after amounts that already cover the balance: not a promise we can restate
        return _cleared() + perform_handoff(dispatcher, tracker, "split_promise")
    offer = evaluation.offer
    lang = language_of(tracker)
    shown = safe_text(parts_text(offer, lang), tracker) if offer is not None else None
    if shown is None:
        return _cleared() + perform_handoff(dispatcher, tracker, "split_promise")
    response = "utter_split_promise_confirm" if evaluation.accepted else "utter_split_promise_counter"
    utter(dispatcher, tracker, response, parts=shown, total=money(offer.total, offer.currency))
    return _cleared() + _on_table(offer)


class ActionOfferHardship(Action):
    """Hardship: record it and offer the policy's options (a pause, a smaller plan)."""

    def name(self) -> str:
        return "action_offer_hardship"

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        account = _open_account(dispatcher, tracker)
        if account is None:
            return []
        return offer_hardship(dispatcher, tracker, account)


def offer_hardship(dispatcher: CollectingDispatcher, tracker: Tracker, account: AccountView) -> List[EventType]:
    """Record hardship and offer the pause (on the table) and the hardship plan; also the
    answer to a request for time ("能不能缓一缓"), which asks for the pause."""
    with session_scope() as s:
        repo.set_status(s, account.account_id, "hardship", note="debtor reported hardship")
    policy = negotiation.load_policy(account.creditor)
    options = negotiation.hardship_options(policy, account.terms(), _today(account, tracker))
    # one option (a balance too small for a hardship plan): no "first option" to choose
    response = "utter_offer_hardship" if len(options) > 1 else "utter_offer_hardship_one"
    if not _say_options(dispatcher, tracker, options, locale.option, response, "options"):
        return perform_handoff(dispatcher, tracker, "hardship")
    return _cleared() + _on_table(options[0])


class ActionOfferPauseAway(Action):
    """Away, and "contact me when I'm back": the pause, worded for someone away."""

    def name(self) -> str:
        return "action_offer_pause_away"

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        account = _open_account(dispatcher, tracker)
        if account is None:
            return []
        return offer_pause_away(dispatcher, tracker, account)


def offer_pause_away(dispatcher: CollectingDispatcher, tracker: Tracker, account: AccountView) -> List[EventType]:
    """"I'm abroad until next month, contact me when I'm back" / "我在国外 下个月回来再联系":
    the policy's pause, on the table, said as what it is for someone away. It got the
    hardship offer, which opens "I'm sorry things are hard" for a debtor who said nothing
    of money. Being away is not a hardship, so none is recorded (agents would see a
    financial difficulty nobody reported) and the hardship plan, for debtors who cannot
    pay, is not offered; the debtor may still propose something else."""
    policy = negotiation.load_policy(account.creditor)
    pause = negotiation.hardship_options(policy, account.terms(), _today(account, tracker))[0]
    utter(dispatcher, tracker, "utter_offer_pause_away",
          first_due=show_date(pause.resume_on, language_of(tracker)))
    return _cleared() + _on_table(pause)


def store_arrangement(account: AccountView, offer: Any) -> None:
    """Store the agreed offer once: the same terms agreed again are the same arrangement."""
    with session_scope() as s:
        outcomes.agree_arrangement(
            s,
            account_id=account.account_id,
            debt_id=account.debt_id,
            kind=offer.kind,
            total=offer.total,
            currency=offer.currency,
            installments=list(offer.installments),
        )


class ActionAcceptOffer(Action):
    """Yes to the offer on the table: store it with its schedule (or the pause)."""

    def name(self) -> str:
        return "action_accept_offer"

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        if only_thanks(_text(tracker)):
            # "谢谢" / "thanks" read as affirm: politeness, not consent; the offer stays open
            return restate_offer(dispatcher, tracker) + _turn_over()
        if names_other_terms(tracker):
            # "yeah 4 months is good" after "6 x $83.33 ... Reply YES": a yes in form, a new
            # proposal in substance; storing the 6-month plan would not be what they agreed to
            return evaluate_installment(dispatcher, tracker) + _turn_over()
        return accept_offer(dispatcher, tracker)


def restate_offer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Say the offer on the table again with its "reply YES" (nothing is stored)."""
    offer = offer_from_slot(tracker.get_slot("current_offer"))
    if offer is None:
        utter(dispatcher, tracker, "utter_no_offer")
        return []
    lang = language_of(tracker)
    if offer.kind == "plan":
        # not "That works: ...": the plan on the table may be our counter, not what they proposed
        utter(dispatcher, tracker, "utter_offer_hardship_one", options=locale.summary(offer, lang))
    elif offer.kind == "pause":
        # the pause alone, said again: "reply YES for the first option" had no second one
        utter(dispatcher, tracker, "utter_offer_hardship_one", options=locale.option(offer, lang))
    else:
        utter(dispatcher, tracker, "utter_promise_counter", total=money(offer.total, offer.currency),
              date=show_date(offer.first_due, lang))
    return []


def names_other_terms(tracker: Tracker) -> bool:
    """Does this message name a number of months (or, for a plan, an amount per month) that
    differs from the offer on the table? An amount beside a yes to a promise or settlement
    is too ambiguous to reopen the negotiation on, so it is left to mean yes."""
    offer = offer_from_slot(tracker.get_slot("current_offer"))
    if offer is None or offer.kind == "pause":
        return False
    months = parse_int(entity_value(tracker, "months"))
    amount = parse_decimal(entity_value(tracker, "amount")) if offer.kind == "plan" else None
    if months is None and amount is None:
        return False
    return not matches_offer(offer, months, amount)


def accept_offer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Store the offer on the table with its schedule (or the pause) and confirm it."""
    offer = offer_from_slot(tracker.get_slot("current_offer"))
    account = load_account(tracker)
    done = [SlotSet("current_offer", None), SlotSet("awaiting", None), SlotSet("negotiation_rounds", 0.0)]
    if offer is None or account is None or not account.has_debt:
        utter(dispatcher, tracker, "utter_no_offer")
        return done
    lang = language_of(tracker)
    if offer.kind == "pause":
        with session_scope() as s:
            repo.set_status(s, account.account_id, "hardship", note=f"paused until {offer.resume_on}")
        utter(dispatcher, tracker, "utter_pause_confirmed", first_due=show_date(offer.resume_on, lang))
        return done
    store_arrangement(account, offer)
    # a split promise is said part by part ("$200.00 on ... and $300.00 on ..."), not as
    # "2 payments of $200.00 (last $300.00)", which hides the second date
    said = parts_text(offer, lang) if is_split(offer) else locale.summary(offer, lang)
    summary = safe_text(said, tracker)
    if summary is None:
        return done + perform_handoff(dispatcher, tracker, "arrangement_review")
    link = PaymentLinks.from_settings().link_for(
        account.account_id, offer.installments[0][1], offer.currency
    )
    utter(dispatcher, tracker, "utter_arrangement_confirmed", summary=summary, link=link)
    return done + offer_by_text(tracker, link)


def matches_offer(offer: Any, months: Optional[int], amount: Optional[Decimal]) -> bool:
    """Does the debtor's proposal restate the offer on the table ("yes, 3 months is fine"
    after "3 x $400 ... Reply YES")? Then it is an acceptance, not a new proposal."""
    if offer is None or offer.kind == "pause" or (months is None and amount is None):
        return False
    if months is not None and months != offer.months:
        return False
    if amount is not None:
        first = Decimal(str(offer.installments[0][1]))
        if abs(amount - first) > Decimal("1") and abs(amount - Decimal(str(offer.total))) > Decimal("1"):
            return False
    return True


class ActionDeclineOffer(Action):
    def name(self) -> str:
        return "action_decline_offer"

    @policy_guard
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        utter(dispatcher, tracker, "utter_offer_declined")
        return [SlotSet("current_offer", None), SlotSet("awaiting", None)]
