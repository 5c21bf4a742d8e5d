"""Split promises: two dated amounts, each held to the promise rules (bot/negotiation/split.py)."""

from datetime import date
from decimal import Decimal as D

import pytest

from bot.negotiation import DebtTerms, Offer, load_policy
from bot.negotiation.split import evaluate_split_promise, is_split, parts_text, resolve_parts

TODAY = date(2026, 11, 30)  # default policy: promises up to 30 days -> 2026-12-30
DEBT = DebtTerms(D("1000.00"), D("200.00"), D("50.00"), D("1250.00"), "USD")


@pytest.fixture(scope="module")
def default():
    return load_policy(None)


def rows(offer: Offer):
    return [(d.isoformat(), str(a)) for d, a in offer.installments]


def test_the_rest_is_the_balance_less_the_first_part(default) -> None:
    result = evaluate_split_promise(default, DEBT, [(D("200"), date(2026, 12, 11)), (None, date(2026, 12, 28))], TODAY)
    assert (result.accepted, result.code) == (True, "accepted")
    assert rows(result.offer) == [("2026-12-11", "200.00"), ("2026-12-28", "1050.00")]
    assert (result.offer.kind, result.offer.months, result.offer.description_key) == ("promise", 2, "promise_split")
    assert is_split(result.offer) and Offer.from_dict(result.offer.as_dict()) == result.offer


def test_a_late_second_part_is_countered_with_the_horizon(default) -> None:
    result = evaluate_split_promise(default, DEBT, [(D("200"), date(2026, 12, 11)), (None, date(2027, 1, 1))], TODAY)
    assert (result.accepted, result.code) == (False, "past_horizon")
    assert rows(result.offer) == [("2026-12-11", "200.00"), ("2026-12-30", "1050.00")]


def test_a_past_first_part_becomes_today(default) -> None:
    result = evaluate_split_promise(default, DEBT, [(D("100"), date(2026, 11, 1)), (D("100"), date(2026, 12, 5))], TODAY)
    assert (result.accepted, result.code) == (False, "in_past")
    assert rows(result.offer) == [("2026-11-30", "100.00"), ("2026-12-05", "100.00")]


def test_parts_over_the_balance_shrink_the_second(default) -> None:
    result = evaluate_split_promise(default, DEBT, [(D("1000"), date(2026, 12, 1)), (D("500"), date(2026, 12, 5))], TODAY)
    assert (result.accepted, result.code) == (False, "over_balance")
    assert rows(result.offer) == [("2026-12-01", "1000.00"), ("2026-12-05", "250.00")]


def test_both_parts_past_the_horizon_become_one_promise_of_the_total(default) -> None:
    result = evaluate_split_promise(default, DEBT, [(D("200"), date(2027, 2, 1)), (None, date(2027, 3, 1))], TODAY)
    assert not result.accepted
    assert rows(result.offer) == [("2026-12-30", "1250.00")]
    assert result.offer.description_key == "promise"


def test_a_first_part_covering_the_balance_is_one_promise(default) -> None:
    result = evaluate_split_promise(default, DEBT, [(D("2000"), date(2026, 12, 1)), (None, date(2026, 12, 5))], TODAY)
    assert (result.accepted, result.code) == (False, "over_balance")
    assert rows(result.offer) == [("2026-12-01", "1250.00")]


def test_the_rest_twice_is_not_a_promise() -> None:
    with pytest.raises(ValueError):
        resolve_parts([(None, TODAY), (None, TODAY)], D("100.00"))


def test_parts_are_said_with_both_dates() -> None:
    offer = Offer("promise", D("500.00"), "CNY", ((date(2026, 12, 4), D("200.00")), (date(2026, 12, 14), D("300.00"))),
                  2, D("0"), D("0"), "promise_split")
    assert parts_text(offer, "en") == "¥200.00 on 2026-12-04 and ¥300.00 on 2026-12-14"
    assert parts_text(offer, "zh") == "2026年12月4日还款¥200.00，2026年12月14日还款¥300.00"
