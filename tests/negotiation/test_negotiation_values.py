"""Offer/Evaluation values, DebtTerms validation, formatting and the round counter."""

import json
from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from bot.negotiation import (
    DebtTerms,
    Evaluation,
    Negotiation,
    Offer,
    evaluate_installment,
    format_money,
    format_schedule,
    hardship_options,
    load_policy,
    next_round,
    pay_in_full_offer,
    plan_offers,
    should_hand_off,
)

DEBT = DebtTerms(D("1000.00"), D("200.00"), D("50.00"), D("1250.00"), "USD")
EVEN = DebtTerms(D("1000.00"), D("0"), D("0"), D("1000.00"), "USD")
CNY = DebtTerms(D("1200.00"), D("0"), D("0"), D("1200.00"), "CNY")
TODAY = date(2026, 12, 1)
START = date(2026, 12, 15)


@pytest.fixture(scope="module")
def default():
    return load_policy(None)


# ---- DebtTerms --------------------------------------------------------------------------

def test_debt_terms_normalise_amounts_and_currency():
    debt = DebtTerms(1000, "200.5", D("0"), "1200.50", " usd ")
    assert (debt.principal, debt.interest, debt.fees, debt.balance, debt.currency) == (
        D("1000.00"), D("200.50"), D("0.00"), D("1200.50"), "USD")


def test_balance_is_authoritative_principal_is_not_checked():
    # e.g. 300 already paid against principal: components no longer sum to the balance
    debt = DebtTerms(D("1000"), D("200"), D("50"), D("950"), "USD")
    assert debt.balance == D("950.00")


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((1000.0, 0, 0, 1000, "USD"), TypeError, "DebtTerms.principal must be a Decimal, int or numeric string, not float"),
        ((1000, "1.005", 0, 1001, "USD"), ValueError, "DebtTerms.interest has more than two decimal places: '1.005'"),
        ((1000, 0, -1, 1000, "USD"), ValueError, "DebtTerms.fees must not be negative, got -1.00"),
        ((0, 0, 0, 0, "USD"), ValueError, "DebtTerms.balance must be positive, got 0.00"),
        ((1000, 0, 0, 1000, "US"), ValueError, "DebtTerms.currency must be a 3-letter code, got 'US'"),
        ((1000, 0, 0, "NaN", "USD"), ValueError, "DebtTerms.balance must be a finite number, got 'NaN'"),
        ((100, 80, 40, 100, "USD"), ValueError, "DebtTerms: interest 80.00 + fees 40.00 exceed the balance 100.00"),
    ],
)
def test_debt_terms_reject_bad_amounts(args, error, message):
    with pytest.raises(error) as info:
        DebtTerms(*args)
    assert str(info.value) == message


def test_debt_terms_from_record():
    row = SimpleNamespace(principal=D("900.00"), interest=D("100.00"), fees=None, balance=D("1000.00"), currency="CNY")
    assert DebtTerms.from_record(row) == DebtTerms(D("900"), D("100"), D("0"), D("1000"), "CNY")


# ---- Offer --------------------------------------------------------------------------------

def test_offer_as_dict_is_json_and_round_trips(default):
    offers = [pay_in_full_offer(default, DEBT, TODAY), *plan_offers(default, EVEN, date(2027, 1, 31)),
              *hardship_options(default, DEBT, TODAY)]
    for offer in offers:
        data = json.loads(json.dumps(offer.as_dict()))
        assert Offer.from_dict(data) == offer


def test_offer_as_dict_exact(default):
    plan = plan_offers(default, EVEN, date(2027, 1, 31))[0]
    assert plan.as_dict() == {
        "kind": "plan",
        "total": "1000.00",
        "currency": "USD",
        "installments": [
            {"due_date": "2027-01-31", "amount": "333.33"},
            {"due_date": "2027-02-28", "amount": "333.33"},
            {"due_date": "2027-03-31", "amount": "333.34"},
        ],
        "months": 3,
        "waived_interest": "0.00",
        "waived_fees": "0.00",
        "description_key": "plan_3",
        "resume_on": None,
    }
    pause = hardship_options(default, DEBT, TODAY)[0].as_dict()
    assert (pause["installments"], pause["resume_on"], pause["total"]) == ([], "2026-12-31", "1250.00")


def test_offer_from_dict_rejects_tampering(default):
    data = plan_offers(default, EVEN, START)[0].as_dict()
    data["installments"][2]["amount"] = "300.00"
    with pytest.raises(ValueError, match=r"^Offer installments sum to 966\.66, not the total 1000\.00$"):
        Offer.from_dict(data)
    del data["total"]
    with pytest.raises(ValueError, match=r"^offer dict is missing 'total'$"):
        Offer.from_dict(data)
    with pytest.raises(ValueError, match=r"^offer must be a mapping, got str$"):
        Offer.from_dict("plan_3")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"kind": "gift"}, "Offer.kind must be one of settlement, plan, promise, pause, got 'gift'"),
        ({"months": 2}, "Offer.months is 2 but there are 1 installments"),
        ({"installments": ((TODAY, D("60")), (TODAY, D("40")))}, None),
        ({"installments": ((TODAY, D("0")),), "total": D("0")}, "Offer.installments[0] amount must be positive, got 0.00"),
        ({"description_key": ""}, "Offer.description_key must be a non-empty string"),
    ],
)
def test_offer_invariants(changes, message):
    fields = dict(kind="promise", total=D("100"), currency="USD", installments=((TODAY, D("100")),), months=1,
                  waived_interest=D("0"), waived_fees=D("0"), description_key="promise_partial")
    fields.update(changes)
    if "installments" in changes and message is None:
        fields["months"] = 2
        message = "Offer.installments[1] is not after the previous due date"
    with pytest.raises(ValueError) as info:
        Offer(**fields)
    assert str(info.value) == message


def test_offer_and_evaluation_are_frozen(default):
    result = evaluate_installment(default, DEBT, months=6, start=START)
    assert isinstance(result, Evaluation)
    with pytest.raises(AttributeError):
        result.accepted = False
    with pytest.raises(AttributeError):
        result.offer.total = D("1")


# ---- formatting ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "amount, currency, lang, expected",
    [
        (D("1250"), "USD", "en", "$1,250.00"),
        (D("1250"), "CNY", "zh", "1,250.00元"),
        (D("1250"), "CNY", "en", "¥1,250.00"),
        (D("1250"), "USD", "zh", "1,250.00美元"),
        (D("1234567.891"), "USD", "en", "$1,234,567.89"),
        (D("0.5"), "EUR", "en", "0.50 EUR"),
        (D("-5"), "USD", "en", "-$5.00"),
    ],
)
def test_format_money(amount, currency, lang, expected):
    assert format_money(amount, currency, lang) == expected


def test_format_money_rejects_unknown_language():
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh', got 'fr'"):
        format_money(D("1"), "USD", "fr")


def test_format_schedule(default):
    six = plan_offers(default, DEBT, START)[1]
    assert format_schedule(six, "en") == "6 monthly payments of $200.00 starting 2026-12-15"
    assert format_schedule(six, "zh") == "分6期，每期200.00美元，2026-12-15起每月还款"
    cny12 = plan_offers(default, CNY, START)[2]
    assert format_schedule(plan_offers(default, EVEN, START)[0]) == (
        "3 monthly payments of $333.33 (last $333.34) starting 2026-12-15")
    assert format_schedule(cny12, "zh") == "分12期，每期100.00元，2026-12-15起每月还款"
    settle = pay_in_full_offer(default, DEBT, TODAY)
    assert format_schedule(settle, "en") == "one payment of $1,190.00 by 2026-12-01 ($60.00 waived)"
    assert format_schedule(settle, "zh") == "2026-12-01前一次性还款1,190.00美元（减免60.00美元）"
    pause, _ = hardship_options(default, DEBT, TODAY)
    assert format_schedule(pause, "en") == "payments paused for 30 days, resuming 2026-12-31"
    assert format_schedule(pause, "zh") == "暂停还款30天，2026-12-31恢复"
    promise = Offer("promise", D("80"), "CNY", ((TODAY, D("80")),), 1, D("0"), D("0"), "promise_partial")
    assert format_schedule(promise, "en") == "¥80.00 on 2026-12-01"
    assert format_schedule(promise, "zh") == "2026-12-01还款80.00元"


def test_format_schedule_stays_sms_short(default):
    for offer in [*plan_offers(default, DEBT, START), pay_in_full_offer(default, DEBT, TODAY),
                  *hardship_options(default, DEBT, TODAY)]:
        for lang in ("en", "zh"):
            assert len(format_schedule(offer, lang)) <= 80


# ---- rounds -----------------------------------------------------------------------------

def test_next_round_and_hand_off(default):
    acme = load_policy("ACME Bank")
    assert [next_round(n, default) for n in range(5)] == [True, True, True, False, False]
    assert [should_hand_off(n, acme) for n in range(4)] == [False, False, True, True]
    with pytest.raises(ValueError, match="rounds_so_far must not be negative, got -1"):
        next_round(-1, default)


def test_negotiation_counts_only_counter_offers(default):
    state = Negotiation.for_policy(default)
    accepted = evaluate_installment(default, DEBT, months=6, start=START)
    countered = evaluate_installment(default, DEBT, months=24, start=START)
    assert state.after(accepted).rounds == 0
    for _ in range(3):
        assert state.can_counter
        state = state.after(countered)
    assert (state.rounds, state.can_counter, state.hand_off) == (3, False, True)
