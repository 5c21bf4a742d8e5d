"""Payment cadences in a debtor's words (bot/nlu/cadence.py): "50 every 2 weeks" is an
instalment at another cadence, not a promise with no date."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.nlu.cadence import (
    BIWEEKLY,
    SEMIMONTHLY,
    WEEKLY,
    amount_before_cadence,
    monthly_equivalent,
    payment_cadence,
)


@pytest.mark.parametrize("text, cadence", [
    ("50 every 2 weeks", BIWEEKLY), ("$60 every other week", BIWEEKLY), ("100 biweekly", BIWEEKLY),
    ("i could do 80 bi-weekly", BIWEEKLY), ("75 fortnightly", BIWEEKLY), ("i can do 40 a week", WEEKLY),
    ("30 bucks every week", WEEKLY), ("200 twice a month", SEMIMONTHLY),
    ("每两周还50", BIWEEKLY), ("每2周还100", BIWEEKLY), ("两周还一百", BIWEEKLY), ("每隔一周还80", WEEKLY),
    ("每周还100", WEEKLY), ("每个星期还80", WEEKLY), ("每半个月还200", SEMIMONTHLY),
])
def test_cadences(text: str, cadence) -> None:
    assert payment_cadence(text) == cadence


@pytest.mark.parametrize("text", [
    "i can pay 100 a month", "pay 200 next week", "i'll pay it off in two weeks", "下周还500",
    "两周还清", "一周内还清", "每周五还500", "我每个月只能还一百", "this week i can pay 100",
])
def test_not_a_cadence(text: str) -> None:
    assert payment_cadence(text) is None


def test_amount_before_the_cadence() -> None:
    assert amount_before_cadence("50 every 2 weeks") == Decimal("50")
    assert amount_before_cadence("$40 a week") == Decimal("40")
    assert amount_before_cadence("every week") is None


def test_monthly_equivalent_rounds_down() -> None:
    assert monthly_equivalent(Decimal("50"), BIWEEKLY) == Decimal("108.33")
    assert monthly_equivalent(Decimal("100"), WEEKLY) == Decimal("433.33")
    assert monthly_equivalent(Decimal("200"), SEMIMONTHLY) == Decimal("400.00")
