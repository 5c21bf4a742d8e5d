"""Split promises: "200 next friday and the rest in january", "先还一半 月底还剩下的".

A collector records such a promise as it was made, two dated amounts, not only its first
half. It is a `promise` offer with two installments (`description_key="promise_split"`),
stored like any arrangement (one row, two installments), and each part is held to the
same rules as a single promise (`evaluate_promise`): every date between today and
today + `promise.horizon_days`, every amount positive, the two together no more than the
balance. Pure functions, like the rest of the engine: dates are passed in.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Optional, Sequence, Tuple

from bot.locale import money, show_date
from bot.negotiation.money import to_money
from bot.negotiation.offers import Evaluation, Offer
from bot.negotiation.policy import Policy
from bot.negotiation.terms import DebtTerms

ZERO = Decimal("0.00")
SPLIT_KEY = "promise_split"

#: a part of a split promise: amount (None = "the rest" of the balance) and its date
Part = Tuple[Optional[Decimal], date]


def resolve_parts(parts: Sequence[Part], balance: Decimal) -> list[tuple[Decimal, date]]:
    """Fill "the rest" in: the balance minus the other parts (ValueError when nothing is
    left for it, or more than one part is "the rest", or a stated amount is not positive)."""
    if sum(1 for amount, _ in parts if amount is None) > 1:
        raise ValueError("only one part of a split promise can be the rest")
    stated = sum((to_money(a, "amount") for a, _ in parts if a is not None), ZERO)
    resolved = []
    for amount, on in parts:
        value = balance - stated if amount is None else to_money(amount, "amount")
        if value <= 0:
            raise ValueError(f"a part of a split promise must be positive, got {value}")
        resolved.append((value, on))
    return resolved


def evaluate_split_promise(policy: Policy, debt: DebtTerms, parts: Sequence[Part], today: date) -> Evaluation:
    """Answer a promise made of two dated amounts.

    Accepted when each date is within [today, today + horizon], the dates strictly
    increase and the amounts sum to at most the balance. Otherwise the counter keeps the
    debtor's shape where the rules allow it: a past date becomes today, a late one the
    horizon date, a second part that would take the total over the balance shrinks to
    what is left. When the two dates then fall on the same day (both past the horizon),
    or the first part alone covers the balance, the counter is one promise of the total.
    """
    if len(parts) != 2:
        raise ValueError(f"a split promise has two parts, got {len(parts)}")
    balance = debt.balance
    horizon = today + timedelta(days=policy.promise_horizon_days)
    problems: list[str] = []
    stated_first = parts[0][0]
    if stated_first is not None and to_money(stated_first, "amount") >= balance:
        # the first part alone pays it all: one promise, the rest has nothing left to be
        on = min(max(parts[0][1], today), horizon)
        offer = _offer(debt, ((on, balance),), "promise")
        over = to_money(stated_first, "amount") > balance or parts[1][0] is not None
        code = "over_balance" if over else ("accepted" if on == parts[0][1] else "past_horizon")
        return Evaluation(code == "accepted", offer, f"{code}: {parts_text(offer, 'en')}", code)
    (first, first_on), (second, second_on) = resolve_parts(parts, balance)
    if first + second > balance:
        problems.append("over_balance")
        second = balance - first
    for on in (first_on, second_on):
        if on < today:
            problems.append("in_past")
        elif on > horizon:
            problems.append("past_horizon")
    first_on, second_on = (min(max(on, today), horizon) for on in (first_on, second_on))
    if second_on <= first_on and not problems:
        problems.append("not_after")
    total = first + max(second, ZERO)
    if second <= 0 or second_on <= first_on:
        on = max(first_on, second_on)
        offer = _offer(debt, ((on, total),), "promise" if total == balance else "promise_partial")
    else:
        offer = _offer(debt, ((first_on, first), (second_on, second)), SPLIT_KEY)
    shown = parts_text(offer, "en")
    if problems:
        return Evaluation(False, offer, f"{', '.join(dict.fromkeys(problems))}; counter-offer: {shown}",
                          problems[0])
    return Evaluation(True, offer, f"accepted: {shown}", "accepted")


def _offer(debt: DebtTerms, rows: tuple[tuple[date, Decimal], ...], key: str) -> Offer:
    total = sum((amount for _, amount in rows), ZERO)
    return Offer(kind="promise", total=total, currency=debt.currency, installments=rows, months=len(rows),
                 waived_interest=ZERO, waived_fees=ZERO, description_key=key)


def parts_text(offer: Offer, lang: str) -> str:
    """Every dated amount of a promise, as the debtor is asked to confirm it:
    `$200.00 on 2026-12-11 and $300.00 on 2026-12-30` / `2026年12月11日还款¥200.00，2026年12月30日还款¥300.00`."""
    if lang == "zh":
        return "，".join(f"{show_date(on, lang)}还款{money(amount, offer.currency)}"
                        for on, amount in offer.installments)
    return " and ".join(f"{money(amount, offer.currency)} on {show_date(on, lang)}"
                        for on, amount in offer.installments)


def is_split(offer: Optional[Offer]) -> bool:
    """A promise of more than one dated amount (said back part by part, not as a plan)."""
    return offer is not None and offer.kind == "promise" and len(offer.installments) > 1
