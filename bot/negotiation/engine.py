"""The negotiation rules: offers the assistant makes and how it answers a debtor's proposal.

Everything here is a pure function of (policy, debt, dates, proposal) so the dialogue's
actions, the tests and an auditor replaying a conversation all get the same numbers.
Dates are passed in (the caller asks `bot.clock`), never read from the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.negotiation.formatting import format_money, format_schedule
from bot.negotiation.money import percent_of, to_money
from bot.negotiation.offers import Evaluation, Offer
from bot.negotiation.policy import Policy
from bot.negotiation.schedule import monthly_dates, regular_installment, split_equal
from bot.negotiation.terms import DebtTerms

ZERO = Decimal("0.00")


class NothingToPay(ValueError):
    """The policy's waivers would cover the whole balance (e.g. a balance of fees only and a
    100% fee waiver). Writing off a debt is a person's decision: the dialogue hands off."""


@dataclass(frozen=True)
class _PlanBasis:
    """The amount a plan pays off and what it waives, for normal or hardship plans."""

    total: Decimal
    waived_interest: Decimal
    waived_fees: Decimal
    minimum: Decimal
    candidates: tuple[int, ...]  # month counts a proposal may use, before the minimum check
    offered: tuple[int, ...]  # month counts offered up front
    key_prefix: str
    hardship: bool


def _basis(policy: Policy, debt: DebtTerms, *, hardship: bool) -> _PlanBasis:
    rules = policy.hardship if hardship else policy.plans
    waived_fees = debt.fees if rules.waive_late_fees else ZERO
    waived_interest = percent_of(debt.interest, rules.interest_waiver_percent)
    low = policy.plans.min_months
    if hardship:
        high = policy.hardship.plan_max_months
        candidates = tuple(range(low, high + 1))
        offered = (high,)
    else:
        high = policy.plans.max_months
        candidates = tuple(range(low, high + 1)) if policy.plans.accept_any_months else policy.plans.months
        offered = policy.plans.months
    return _PlanBasis(
        total=debt.balance - waived_fees - waived_interest,
        waived_interest=waived_interest,
        waived_fees=waived_fees,
        minimum=policy.min_installment(debt.currency, hardship=hardship),
        candidates=candidates,
        offered=offered,
        key_prefix="hardship_plan" if hardship else "plan",
        hardship=hardship,
    )


def _regular(policy: Policy, basis: _PlanBasis, months: int) -> Decimal:
    return regular_installment(basis.total, months, policy.rounding_unit)


def _admissible(policy: Policy, basis: _PlanBasis) -> list[int]:
    """Month counts that are allowed AND keep every installment at or above the minimum."""
    if basis.total <= 0:
        return []
    return [n for n in basis.candidates if _regular(policy, basis, n) >= basis.minimum]


def _plan(policy: Policy, debt: DebtTerms, basis: _PlanBasis, months: int, start: date) -> Offer:
    amounts = split_equal(basis.total, months, policy.rounding_unit)
    return Offer(
        kind="plan",
        total=basis.total,
        currency=debt.currency,
        installments=tuple(zip(monthly_dates(start, months), amounts)),
        months=months,
        waived_interest=basis.waived_interest,
        waived_fees=basis.waived_fees,
        description_key=f"{basis.key_prefix}_{months}",
    )


def pay_in_full_offer(policy: Policy, debt: DebtTerms, today: date) -> Offer:
    """Settle now: balance minus the policy's interest (and fee) waiver, one payment.

    The payment is due `settlement.due_within_days` after `today` (0 = today).
    Raises NothingToPay if the waivers would cover the whole balance.
    """
    rules = policy.settlement
    waived_interest = percent_of(debt.interest, rules.interest_waiver_percent)
    waived_fees = percent_of(debt.fees, rules.fee_waiver_percent)
    return _settlement(debt, debt.balance - waived_interest - waived_fees, waived_fees,
                       today + timedelta(days=rules.due_within_days))


def _settlement(debt: DebtTerms, total: Decimal, waived_fees: Decimal, due: date) -> Offer:
    if total <= 0:
        raise NothingToPay(f"nothing left to pay on a balance of {debt.balance} after waivers")
    return Offer(
        kind="settlement",
        total=total,
        currency=debt.currency,
        installments=((due, total),),
        months=1,
        waived_interest=debt.balance - waived_fees - total,
        waived_fees=waived_fees,
        description_key="settlement",
    )


def plan_offers(policy: Policy, debt: DebtTerms, start: date) -> list[Offer]:
    """One plan per month count in `plans.months` (ascending), first payment on `start`.

    Plans whose regular installment would fall below the policy minimum for the debt's
    currency are left out, so a small balance may get fewer plans, or none.
    """
    basis = _basis(policy, debt, hardship=False)
    allowed = set(_admissible(policy, basis))
    return [_plan(policy, debt, basis, n, start) for n in basis.offered if n in allowed]


def hardship_options(policy: Policy, debt: DebtTerms, start: date) -> list[Offer]:
    """For a debtor who cannot pay now: a pause, then the longest (smallest) hardship plan if one fits.

    The pause has no installments; collection resumes `hardship.pause_days` after `start`.
    The plan is the largest month count up to `hardship.plan_max_months` whose installment
    stays at or above `hardship.min_installment`.
    """
    days = policy.hardship.pause_days
    options = [
        Offer(
            kind="pause",
            total=debt.balance,
            currency=debt.currency,
            installments=(),
            months=0,
            waived_interest=ZERO,
            waived_fees=ZERO,
            description_key=f"pause_{days}",
            resume_on=start + timedelta(days=days),
        )
    ]
    basis = _basis(policy, debt, hardship=True)
    admissible = _admissible(policy, basis)
    if admissible:
        options.append(_plan(policy, debt, basis, max(admissible), start))
    return options


def evaluate_installment(
    policy: Policy,
    debt: DebtTerms,
    *,
    monthly_amount: Decimal | int | str | None = None,
    months: int | None = None,
    start: date,
    hardship: bool = False,
) -> Evaluation:
    """Answer a debtor's plan proposal ("$60 a month", "6 months", "6 months of $200").

    Plans are always equal installments (the last absorbs the rounding remainder). A
    monthly amount is read as "no more than this per month"; a month count must be
    matched exactly. Accepted when a plan meets both: a month count is admissible if it
    lies in the policy's set (any whole number between the shortest listed plan and
    `plans.max_months` when `plans.accept_any_months`) and its installment is at or
    above the minimum; a monthly amount is met by the fewest admissible months whose
    installment does not exceed it (so "$500 a month" on $1,200 is 3 x $400).
    Otherwise the counter-offer is the closest admissible plan: with an amount, the
    month count nearest the proposal among plans the debtor can afford, else the
    longest (cheapest) plan; with only months, the nearest admissible count (ties go to
    the longer, cheaper plan). If no plan fits at all (a balance too small for the
    minimum) the counter is the pay-in-full offer (which raises NothingToPay if the
    waivers cover everything). `hardship=True` uses the hardship bounds and minimum.
    """
    if monthly_amount is None and months is None:
        raise ValueError("evaluate_installment needs monthly_amount or months")
    amount = None
    if monthly_amount is not None:
        amount = to_money(monthly_amount, "monthly_amount")
        if amount < 0:
            raise ValueError(f"monthly_amount must not be negative, got {amount}")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
        raise ValueError(f"months must be a positive integer, got {months!r}")

    basis = _basis(policy, debt, hardship=hardship)
    admissible = _admissible(policy, basis)
    if not admissible:
        offer = pay_in_full_offer(policy, debt, start)
        minimum = format_money(basis.minimum, debt.currency)
        return Evaluation(False, offer, f"the balance is too small for a plan with payments of at least "
                          f"{minimum}; offered to settle in full", "no_plan_possible")

    regular = {n: _regular(policy, basis, n) for n in admissible}
    affordable = [n for n in admissible if amount is None or regular[n] <= amount]

    def accept(n: int) -> Evaluation:
        offer = _plan(policy, debt, basis, n, start)
        return Evaluation(True, offer, f"accepted: {format_schedule(offer)}", "accepted")

    def counter(n: int, code: str, why: str) -> Evaluation:
        offer = _plan(policy, debt, basis, n, start)
        return Evaluation(False, offer, f"{why}; counter-offer: {format_schedule(offer)}", code)

    money = lambda value: format_money(value, debt.currency)  # noqa: E731
    minimum = money(basis.minimum)
    low, high = basis.candidates[0], basis.candidates[-1]
    if months is None:
        if affordable:
            return accept(min(affordable))
        longest = max(admissible)
        if amount < basis.minimum:
            return counter(longest, "below_minimum",
                           f"{money(amount)} a month is below the minimum payment of {minimum}")
        return counter(longest, "too_many_months",
                       f"{money(amount)} a month would take more than {longest} months")

    if months in regular and (amount is None or regular[months] <= amount):
        return accept(months)
    pool = affordable or [max(admissible)]
    nearest = min(pool, key=lambda n: (abs(n - months), -n))
    if amount is not None and amount < basis.minimum:
        code, why = "below_minimum", f"{money(amount)} a month is below the minimum payment of {minimum}"
    elif months > high:
        code, why = "too_many_months", f"{months} months is longer than the longest plan ({high} months)"
    elif months < low:
        code, why = "too_few_months", f"{months} months is shorter than the shortest plan ({low} months)"
    elif months not in basis.candidates:
        listed = ", ".join(str(n) for n in basis.candidates)
        code, why = "months_not_offered", f"plans are {listed} months, not {months}"
    elif months not in regular:
        code, why = "below_minimum", f"{months} months would make payments below the minimum of {minimum}"
    else:
        code, why = "not_covering", (f"{months} payments of {money(amount)} do not cover "
                                     f"{money(basis.total)}")
    return counter(nearest, code, why)


def evaluate_settlement(
    policy: Policy, debt: DebtTerms, *, amount: Decimal | int | str, today: date, on: date | None = None
) -> Evaluation:
    """Answer a debtor's lump-sum offer to settle ("I can pay $900 to close this").

    Accepted when the amount is at least the floor (balance minus the policy's maximum
    interest waiver `settlement.max_interest_waiver_percent` and the fee waiver) and the
    payment date is between `today` and the settlement deadline. An amount above the
    standard settlement is held to the standard settlement (the debtor never pays more
    than offered). Otherwise the counter is the floor amount and/or the deadline.
    """
    lump = to_money(amount, "amount")
    if lump <= 0:
        raise ValueError(f"amount must be positive, got {lump}")
    standard = pay_in_full_offer(policy, debt, today)
    deadline = standard.installments[0][0]
    waived_fees = standard.waived_fees
    floor = debt.balance - waived_fees - percent_of(debt.interest, policy.settlement.max_interest_waiver_percent)
    due = on if on is not None else deadline
    problems: list[tuple[str, str]] = []
    if lump < floor:
        problems.append(("below_floor", f"{format_money(lump, debt.currency)} is below the lowest settlement "
                                        f"{format_money(floor, debt.currency)}"))
    if due < today:
        problems.append(("in_past", f"{due.isoformat()} is in the past"))
    elif due > deadline:
        problems.append(("after_deadline", f"{due.isoformat()} is after the settlement deadline {deadline.isoformat()}"))
    total = min(max(lump, floor), standard.total)
    offer = _settlement(debt, total, waived_fees, min(max(due, today), deadline))
    if problems:
        code = problems[0][0]
        why = "; ".join(p[1] for p in problems)
        return Evaluation(False, offer, f"{why}; counter-offer: {format_schedule(offer)}", code)
    return Evaluation(True, offer, f"accepted: {format_schedule(offer)}", "accepted")


def evaluate_promise(
    policy: Policy, debt: DebtTerms, *, amount: Decimal | int | str, on: date, today: date
) -> Evaluation:
    """Answer a promise to pay `amount` on `on`.

    Accepted when today <= on <= today + promise.horizon_days and 0 < amount <= balance;
    a partial amount is a valid promise ("promise_partial"). A date past the horizon is
    countered with the horizon date, a past date with today, an amount over the balance
    with the balance. A non-positive amount is a caller error (ValueError).
    """
    promised = to_money(amount, "amount")
    if promised <= 0:
        raise ValueError(f"amount must be positive, got {promised}")
    horizon = today + timedelta(days=policy.promise_horizon_days)
    problems: list[tuple[str, str]] = []
    if promised > debt.balance:
        problems.append(("over_balance", f"{format_money(promised, debt.currency)} is more than the balance "
                                         f"{format_money(debt.balance, debt.currency)}"))
    if on < today:
        problems.append(("in_past", f"{on.isoformat()} is in the past"))
    elif on > horizon:
        problems.append(("past_horizon", f"{on.isoformat()} is more than {policy.promise_horizon_days} days away"))
    total = min(promised, debt.balance)
    offer = Offer(
        kind="promise",
        total=total,
        currency=debt.currency,
        installments=((min(max(on, today), horizon), total),),
        months=1,
        waived_interest=ZERO,
        waived_fees=ZERO,
        description_key="promise" if total == debt.balance else "promise_partial",
    )
    if problems:
        why = "; ".join(p[1] for p in problems)
        return Evaluation(False, offer, f"{why}; counter-offer: {format_schedule(offer)}", problems[0][0])
    return Evaluation(True, offer, f"accepted: {format_schedule(offer)}", "accepted")
