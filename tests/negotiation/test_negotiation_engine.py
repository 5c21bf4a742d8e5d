from datetime import date, timedelta
from decimal import Decimal as D

import pytest

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

TODAY = date(2026, 12, 1)
START = date(2026, 12, 15)


@pytest.fixture(scope="module")
def default():
    return load_policy(None)


@pytest.fixture(scope="module")
def acme():
    return load_policy("ACME Bank")


@pytest.fixture(scope="module")
def huaxia():
    return load_policy("华夏消费金融")


# balance 1250 = 1000 principal + 200 interest + 50 late fees; plans waive the fees -> 1200
DEBT = DebtTerms(D("1000.00"), D("200.00"), D("50.00"), D("1250.00"), "USD")
EVEN = DebtTerms(D("1000.00"), D("0"), D("0"), D("1000.00"), "USD")


def amounts(offer):
    return [str(a) for _, a in offer.installments]


def dates(offer):
    return [d.isoformat() for d, _ in offer.installments]


# ---- pay in full -------------------------------------------------------------------------

def test_pay_in_full_waives_30_percent_of_interest(default):
    offer = pay_in_full_offer(default, DEBT, TODAY)
    assert offer.kind == "settlement"
    assert offer.total == D("1190.00")
    assert offer.waived_interest == D("60.00")
    assert offer.waived_fees == D("0.00")
    assert offer.installments == ((TODAY, D("1190.00")),)
    assert offer.months == 1
    assert offer.description_key == "settlement"


def test_pay_in_full_waiver_rounds_half_up_to_the_cent(default):
    debt = DebtTerms(D("500.00"), D("123.45"), D("0"), D("623.45"), "USD")  # 30% = 37.035
    offer = pay_in_full_offer(default, debt, TODAY)
    assert offer.waived_interest == D("37.04")
    assert offer.total == D("586.41")


def test_pay_in_full_creditor_policy_waives_fees_and_allows_a_week(acme):
    offer = pay_in_full_offer(acme, DEBT, TODAY)
    assert offer.total == D("1120.00")  # 1250 - 40% of 200 - 100% of 50
    assert offer.waived_interest == D("80.00")
    assert offer.waived_fees == D("50.00")
    assert offer.installments == ((date(2026, 12, 8), D("1120.00")),)


# ---- plans ------------------------------------------------------------------------------

def test_plan_offers_waive_late_fees_and_split_evenly(default):
    offers = plan_offers(default, DEBT, START)
    assert [o.description_key for o in offers] == ["plan_3", "plan_6", "plan_12"]
    assert [o.total for o in offers] == [D("1200.00")] * 3
    assert [o.waived_fees for o in offers] == [D("50.00")] * 3
    assert [o.waived_interest for o in offers] == [D("0.00")] * 3
    assert amounts(offers[0]) == ["400.00"] * 3
    assert amounts(offers[1]) == ["200.00"] * 6
    assert amounts(offers[2]) == ["100.00"] * 12
    assert dates(offers[0]) == ["2026-12-15", "2027-01-15", "2027-02-15"]


def test_plan_last_installment_absorbs_the_remainder(default):
    three, six, twelve = plan_offers(default, EVEN, START)
    assert amounts(three) == ["333.33", "333.33", "333.34"]
    assert amounts(six) == ["166.66"] * 5 + ["166.70"]
    assert amounts(twelve) == ["83.33"] * 11 + ["83.37"]
    for offer in (three, six, twelve):
        assert sum(a for _, a in offer.installments) == D("1000.00")


@pytest.mark.parametrize(
    "start, expected",
    [
        (date(2027, 1, 31), ["2027-01-31", "2027-02-28", "2027-03-31"]),
        (date(2028, 1, 31), ["2028-01-31", "2028-02-29", "2028-03-31"]),
        (date(2026, 11, 30), ["2026-11-30", "2026-12-30", "2027-01-30"]),
        (date(2027, 12, 29), ["2027-12-29", "2028-01-29", "2028-02-29"]),
    ],
)
def test_plan_dates_keep_the_day_of_month_across_month_ends(default, start, expected):
    assert dates(plan_offers(default, DEBT, start)[0]) == expected


def test_six_month_plan_from_august_31(default):
    six = plan_offers(default, DEBT, date(2026, 8, 31))[1]
    assert dates(six) == ["2026-08-31", "2026-09-30", "2026-10-31", "2026-11-30", "2026-12-31", "2027-01-31"]


def test_whole_yuan_rounding(huaxia):
    debt = DebtTerms(D("10000"), D("1000.50"), D("300"), D("11300.50"), "CNY")
    offers = plan_offers(huaxia, debt, START)
    assert [o.months for o in offers] == [3, 6, 12, 24]
    assert amounts(offers[0]) == ["3666.00", "3666.00", "3668.50"]
    assert amounts(offers[3]) == ["458.00"] * 23 + ["466.50"]
    assert offers[3].total == D("11000.50")
    settle = pay_in_full_offer(huaxia, debt, TODAY)
    assert settle.total == D("10950.40")  # 11300.50 - 20% of 1000.50 - 50% of 300
    assert settle.installments[0][0] == date(2026, 12, 4)


def test_small_balance_gets_only_plans_above_the_minimum(default):
    debt = DebtTerms(D("80"), D("0"), D("0"), D("80"), "USD")
    assert [o.description_key for o in plan_offers(default, debt, START)] == ["plan_3"]
    tiny = DebtTerms(D("60"), D("0"), D("0"), D("60"), "USD")
    assert plan_offers(default, tiny, START) == []


# ---- evaluate_installment ----------------------------------------------------------------

@pytest.mark.parametrize(
    "proposal, accepted, code, key, monthly",
    [
        ({"monthly_amount": D("500")}, True, "accepted", "plan_3", "400.00"),
        ({"monthly_amount": D("400")}, True, "accepted", "plan_3", "400.00"),
        ({"monthly_amount": D("150")}, True, "accepted", "plan_8", "150.00"),
        ({"monthly_amount": D("20")}, False, "below_minimum", "plan_12", "100.00"),
        ({"monthly_amount": D("0")}, False, "below_minimum", "plan_12", "100.00"),
        ({"monthly_amount": D("99.99")}, False, "too_many_months", "plan_12", "100.00"),
        ({"months": 24}, False, "too_many_months", "plan_12", "100.00"),
        ({"months": 1}, False, "too_few_months", "plan_3", "400.00"),
        ({"months": 8}, True, "accepted", "plan_8", "150.00"),
        ({"months": 6, "monthly_amount": "200"}, True, "accepted", "plan_6", "200.00"),
        ({"months": 6, "monthly_amount": "1000"}, True, "accepted", "plan_6", "200.00"),
        ({"months": 6, "monthly_amount": "100"}, False, "not_covering", "plan_12", "100.00"),
        ({"months": 6, "monthly_amount": "130"}, False, "not_covering", "plan_10", "120.00"),
        ({"months": 24, "monthly_amount": "300"}, False, "too_many_months", "plan_12", "100.00"),
        ({"months": 2, "monthly_amount": "700"}, False, "too_few_months", "plan_3", "400.00"),
        ({"months": 10, "monthly_amount": "10"}, False, "below_minimum", "plan_12", "100.00"),
    ],
)
def test_evaluate_installment_default(default, proposal, accepted, code, key, monthly):
    result = evaluate_installment(default, DEBT, start=START, **proposal)
    assert (result.accepted, result.code, result.offer.description_key) == (accepted, code, key)
    assert result.offer.monthly_amount == D(monthly)
    assert result.offer.total == D("1200.00")
    assert result.offer.first_due == START


def test_evaluate_installment_reasons_name_why(default):
    low = evaluate_installment(default, DEBT, monthly_amount=D("20"), start=START)
    assert low.reason == ("$20.00 a month is below the minimum payment of $25.00; "
                          "counter-offer: 12 monthly payments of $100.00 starting 2026-12-15")
    long = evaluate_installment(default, DEBT, months=24, start=START)
    assert long.reason == ("24 months is longer than the longest plan (12 months); "
                           "counter-offer: 12 monthly payments of $100.00 starting 2026-12-15")
    ok = evaluate_installment(default, DEBT, monthly_amount=D("500"), start=START)
    assert ok.reason == "accepted: 3 monthly payments of $400.00 starting 2026-12-15"


@pytest.mark.parametrize(
    "proposal, accepted, code, key",
    [
        ({"months": 6}, True, "accepted", "plan_6"),
        ({"months": 8}, False, "months_not_offered", "plan_6"),
        ({"months": 9}, False, "months_not_offered", "plan_12"),  # tie -> the longer, cheaper plan
        ({"months": 4}, False, "months_not_offered", "plan_3"),
        ({"monthly_amount": "150"}, True, "accepted", "plan_12"),  # 6 x 200 is over budget
        ({"monthly_amount": "40"}, False, "below_minimum", "plan_12"),
        ({"months": 8, "monthly_amount": "250"}, False, "months_not_offered", "plan_6"),
    ],
)
def test_evaluate_installment_listed_months_only(acme, proposal, accepted, code, key):
    result = evaluate_installment(acme, DEBT, start=START, **proposal)
    assert (result.accepted, result.code, result.offer.description_key) == (accepted, code, key)


def test_months_too_long_for_the_minimum_on_a_small_balance(default):
    debt = DebtTerms(D("80"), D("0"), D("0"), D("80"), "USD")
    result = evaluate_installment(default, debt, months=6, start=START)
    assert (result.accepted, result.code, result.offer.description_key) == (False, "below_minimum", "plan_3")
    assert amounts(result.offer) == ["26.66", "26.66", "26.68"]


def test_no_plan_possible_counters_with_settlement(default):
    tiny = DebtTerms(D("60"), D("0"), D("0"), D("60"), "USD")
    result = evaluate_installment(default, tiny, monthly_amount=D("30"), start=START)
    assert (result.accepted, result.code, result.offer.kind) == (False, "no_plan_possible", "settlement")
    assert result.offer.total == D("60.00")


def test_hardship_bounds(default):
    accepted = evaluate_installment(default, DEBT, months=18, start=START, hardship=True)
    assert (accepted.accepted, accepted.offer.description_key) == (True, "hardship_plan_18")
    assert accepted.offer.monthly_amount == D("66.66")
    countered = evaluate_installment(default, DEBT, months=24, start=START, hardship=True)
    assert (countered.accepted, countered.code, countered.offer.description_key) == (
        False, "too_many_months", "hardship_plan_18")
    cheap = evaluate_installment(default, DEBT, monthly_amount="70", start=START, hardship=True)
    assert (cheap.accepted, cheap.offer.description_key, cheap.offer.monthly_amount) == (
        True, "hardship_plan_18", D("66.66"))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({}, ValueError, "evaluate_installment needs monthly_amount or months"),
        ({"months": 0}, ValueError, "months must be a positive integer, got 0"),
        ({"months": True}, ValueError, "months must be a positive integer, got True"),
        ({"months": "6"}, ValueError, "months must be a positive integer, got '6'"),
        ({"monthly_amount": D("-1")}, ValueError, "monthly_amount must not be negative, got -1.00"),
        ({"monthly_amount": 20.5}, TypeError, "monthly_amount must be a Decimal, int or numeric string, not float"),
        ({"monthly_amount": "abc"}, ValueError, "monthly_amount is not a number: 'abc'"),
    ],
)
def test_evaluate_installment_bad_input(default, kwargs, error, message):
    with pytest.raises(error) as info:
        evaluate_installment(default, DEBT, start=START, **kwargs)
    assert str(info.value) == message


# ---- hardship --------------------------------------------------------------------------

def test_hardship_options(default):
    pause, plan = hardship_options(default, DEBT, TODAY)
    assert (pause.kind, pause.description_key, pause.months, pause.installments) == ("pause", "pause_30", 0, ())
    assert pause.resume_on == date(2026, 12, 31)
    assert pause.total == D("1250.00")
    assert (plan.kind, plan.description_key, plan.months) == ("plan", "hardship_plan_18", 18)
    assert amounts(plan) == ["66.66"] * 17 + ["66.78"]


def test_hardship_options_creditor(acme, huaxia):
    pause, plan = hardship_options(acme, DEBT, TODAY)
    assert pause.description_key == "pause_60"
    assert pause.resume_on == TODAY + timedelta(days=60)
    assert plan.total == D("1100.00")  # 1250 - 50 fees - 50% of 200 interest
    assert plan.description_key == "hardship_plan_24"
    assert amounts(plan) == ["45.83"] * 23 + ["45.91"]  # 1100 / 24 = 45.83, above the 25.00 minimum
    debt = DebtTerms(D("10000"), D("1000.50"), D("300"), D("11300.50"), "CNY")
    _, cny = hardship_options(huaxia, debt, TODAY)
    assert cny.description_key == "hardship_plan_36"
    assert cny.total == D("10900.45")
    assert amounts(cny) == ["302.00"] * 35 + ["330.45"]


def test_hardship_on_a_tiny_balance_offers_only_the_pause(default):
    tiny = DebtTerms(D("40"), D("0"), D("0"), D("40"), "USD")
    assert [o.description_key for o in hardship_options(default, tiny, TODAY)] == ["pause_30"]


# ---- settlement proposals --------------------------------------------------------------

def test_evaluate_settlement(acme):
    low = evaluate_settlement(acme, DEBT, amount="1000", today=TODAY)
    assert (low.accepted, low.code, low.offer.total) == (False, "below_floor", D("1080.00"))
    assert low.offer.waived_interest == D("120.00")
    mid = evaluate_settlement(acme, DEBT, amount="1100", today=TODAY, on=date(2026, 12, 4))
    assert (mid.accepted, mid.offer.total, mid.offer.waived_interest, mid.offer.waived_fees) == (
        True, D("1100.00"), D("100.00"), D("50.00"))
    assert mid.offer.installments[0][0] == date(2026, 12, 4)
    high = evaluate_settlement(acme, DEBT, amount="1300", today=TODAY)
    assert (high.accepted, high.offer.total) == (True, D("1120.00"))
    late = evaluate_settlement(acme, DEBT, amount="1100", today=TODAY, on=date(2026, 12, 20))
    assert (late.accepted, late.code, late.offer.installments[0]) == (
        False, "after_deadline", (date(2026, 12, 8), D("1100.00")))


def test_default_settlement_floor_equals_the_offer(default):
    result = evaluate_settlement(default, DEBT, amount="1189.99", today=TODAY)
    assert (result.accepted, result.code, result.offer.total) == (False, "below_floor", D("1190.00"))
    assert result.reason == ("$1,189.99 is below the lowest settlement $1,190.00; "
                             "counter-offer: one payment of $1,190.00 by 2026-12-01 ($60.00 waived)")


# ---- promises ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "amount, on, accepted, code, key, due, total",
    [
        ("100", date(2026, 12, 10), True, "accepted", "promise_partial", date(2026, 12, 10), "100.00"),
        ("1250", date(2026, 12, 31), True, "accepted", "promise", date(2026, 12, 31), "1250.00"),
        ("100", TODAY, True, "accepted", "promise_partial", TODAY, "100.00"),
        ("100", date(2027, 1, 1), False, "past_horizon", "promise_partial", date(2026, 12, 31), "100.00"),
        ("100", date(2026, 11, 30), False, "in_past", "promise_partial", TODAY, "100.00"),
        ("2000", date(2026, 12, 10), False, "over_balance", "promise", date(2026, 12, 10), "1250.00"),
    ],
)
def test_evaluate_promise(default, amount, on, accepted, code, key, due, total):
    result = evaluate_promise(default, DEBT, amount=amount, on=on, today=TODAY)
    assert (result.accepted, result.code, result.offer.description_key) == (accepted, code, key)
    assert result.offer.kind == "promise"
    assert result.offer.installments == ((due, D(total)),)


def test_promise_horizon_comes_from_the_policy(acme):
    result = evaluate_promise(acme, DEBT, amount="50", on=date(2026, 12, 20), today=TODAY)
    assert (result.accepted, result.offer.first_due) == (False, date(2026, 12, 15))
    assert result.reason == "2026-12-20 is more than 14 days away; counter-offer: $50.00 on 2026-12-15"


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_promise_needs_a_positive_amount(default, amount):
    with pytest.raises(ValueError, match="amount must be positive"):
        evaluate_promise(default, DEBT, amount=amount, on=TODAY, today=TODAY)


def test_waivers_covering_the_whole_balance_need_a_person(acme, default):
    fees_only = DebtTerms(D("0"), D("0"), D("35.00"), D("35.00"), "USD")  # acme waives 100% of fees
    with pytest.raises(NothingToPay, match=r"^nothing left to pay on a balance of 35\.00 after waivers$"):
        pay_in_full_offer(acme, fees_only, TODAY)
    with pytest.raises(NothingToPay):
        evaluate_installment(acme, fees_only, months=3, start=TODAY)
    # the default policy keeps fees on settlement, so the same debt settles for 35.00
    assert pay_in_full_offer(default, fees_only, TODAY).total == D("35.00")
