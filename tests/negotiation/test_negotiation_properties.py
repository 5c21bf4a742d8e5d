"""Property tests: every schedule the engine produces is exact, ordered and itself acceptable."""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.negotiation import (
    DebtTerms,
    NothingToPay,
    evaluate_installment,
    evaluate_promise,
    evaluate_settlement,
    hardship_options,
    load_policy,
    pay_in_full_offer,
    plan_offers,
)

POLICIES = {
    "default-USD": (load_policy(None), "USD"),
    "default-CNY": (load_policy(None), "CNY"),
    "acme-USD": (load_policy("ACME Bank"), "USD"),
    "huaxia-CNY": (load_policy("Huaxia Consumer Finance"), "CNY"),
}
CENT = Decimal("0.01")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def debts(draw, currency):
    balance = draw(st.integers(min_value=1, max_value=5_000_000))  # cents: up to 50,000.00
    interest = draw(st.integers(min_value=0, max_value=balance))
    fees = draw(st.integers(min_value=0, max_value=balance - interest))
    principal = draw(st.integers(min_value=0, max_value=5_000_000))
    return DebtTerms(principal * CENT, interest * CENT, fees * CENT, balance * CENT, currency)


@st.composite
def cases(draw):
    policy, currency = POLICIES[draw(st.sampled_from(sorted(POLICIES)))]
    start = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
    return policy, draw(debts(currency)), start


def settles_to_nothing(policy, debt):
    """Independent check of the one case where no settlement exists: waivers cover the balance."""
    rules = policy.settlement
    waived = (debt.interest * rules.interest_waiver_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    waived += (debt.fees * rules.fee_waiver_percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return waived >= debt.balance


money = st.integers(min_value=0, max_value=1_000_000).map(lambda c: c * CENT)


def check_schedule(offer, policy, debt, start, *, hardship=False):
    """The invariants every plan must hold, checked independently of Offer's own checks."""
    rows = offer.installments
    if offer.kind == "pause":
        assert (rows, offer.months, offer.total) == ((), 0, debt.balance)
        assert offer.resume_on == start + timedelta(days=policy.hardship.pause_days)
        return
    assert sum(a for _, a in rows) == offer.total
    assert len(rows) == offer.months
    assert all(a > 0 for _, a in rows)
    assert all(later > earlier for (earlier, _), (later, _) in zip(rows, rows[1:]))
    if offer.kind != "plan":
        return
    minimum = policy.min_installment(debt.currency, hardship=hardship)
    assert all(a >= minimum for _, a in rows[:-1])
    assert len({a for _, a in rows[:-1]}) <= 1  # equal regular payments
    assert rows[-1][1] >= rows[0][1]
    assert offer.total == debt.balance - offer.waived_interest - offer.waived_fees
    for i, (due, _) in enumerate(rows):
        month_index = start.month - 1 + i
        year, month = start.year + month_index // 12, month_index % 12 + 1
        assert due == date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@SETTINGS
@given(cases())
def test_offers_are_exact(case):
    policy, debt, start = case
    for offer in plan_offers(policy, debt, start):
        check_schedule(offer, policy, debt, start)
    for offer in hardship_options(policy, debt, start):
        check_schedule(offer, policy, debt, start, hardship=True)
    try:
        settle = pay_in_full_offer(policy, debt, start)
    except NothingToPay:
        assert settles_to_nothing(policy, debt)
        return
    check_schedule(settle, policy, debt, start)
    assert settle.total + settle.waived_interest + settle.waived_fees == debt.balance


@SETTINGS
@given(
    cases(),
    st.one_of(st.none(), money),
    st.one_of(st.none(), st.integers(min_value=1, max_value=40)),
    st.booleans(),
)
def test_installment_answers_are_exact_and_counters_are_acceptable(case, monthly, months, hardship):
    policy, debt, start = case
    if monthly is None and months is None:
        months = 6
    try:
        result = evaluate_installment(policy, debt, monthly_amount=monthly, months=months, start=start,
                                      hardship=hardship)
    except NothingToPay:
        assert settles_to_nothing(policy, debt)
        return
    offer = result.offer
    assert offer is not None and result.reason
    if offer.kind == "settlement":  # only when no plan can reach the minimum payment
        assert not result.accepted and result.code == "no_plan_possible"
        assert evaluate_settlement(policy, debt, amount=offer.total, today=start).accepted
        return
    check_schedule(offer, policy, debt, start, hardship=hardship)
    if result.accepted:
        if months is not None:
            assert offer.months == months
        if monthly is not None:
            assert offer.monthly_amount <= monthly
    again = evaluate_installment(policy, debt, monthly_amount=offer.monthly_amount, months=offer.months,
                                 start=start, hardship=hardship)
    assert again.accepted and again.offer == offer
    by_months = evaluate_installment(policy, debt, months=offer.months, start=start, hardship=hardship)
    assert by_months.accepted and by_months.offer == offer


@SETTINGS
@given(cases(), money, st.integers(min_value=-40, max_value=400))
def test_promise_counters_are_acceptable(case, amount, days):
    policy, debt, today = case
    amount = max(amount, CENT)
    result = evaluate_promise(policy, debt, amount=amount, on=today + timedelta(days=days), today=today)
    offer = result.offer
    check_schedule(offer, policy, debt, today)
    due = offer.first_due
    assert today <= due <= today + timedelta(days=policy.promise_horizon_days)
    assert offer.total <= debt.balance
    assert result.accepted == (amount <= debt.balance and 0 <= days <= policy.promise_horizon_days)
    again = evaluate_promise(policy, debt, amount=offer.total, on=due, today=today)
    assert again.accepted and again.offer == offer


@SETTINGS
@given(cases(), money, st.integers(min_value=-5, max_value=20))
def test_settlement_counters_are_acceptable(case, amount, days):
    policy, debt, today = case
    amount = max(amount, CENT)
    if settles_to_nothing(policy, debt):
        return
    result = evaluate_settlement(policy, debt, amount=amount, today=today, on=today + timedelta(days=days))
    offer = result.offer
    check_schedule(offer, policy, debt, today)
    assert offer.total <= pay_in_full_offer(policy, debt, today).total
    again = evaluate_settlement(policy, debt, amount=offer.total, today=today, on=offer.first_due)
    assert again.accepted and again.offer == offer
