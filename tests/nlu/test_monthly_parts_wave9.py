"""Wave 9 (played): a monthly amount said in parts is read as its monthly total, and a
request to move a promised date is told apart from a new promise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional

import pytest

from bot.negotiation.reschedule import asks_to_move_date
from bot.nlu.monthly_parts import days_of_month, monthly_total

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("text,total", [
    ("could i do 40 on the 1st and 40 on the 15th every month", "80.00"),
    ("i could pay 30 on the 10th and 30 on the 25th every month", "60.00"),
    ("50 on the 1st and 30 on the 15th each month", "80.00"),
    ("每月1号和15号各还200", "400.00"),
    ("每个月5号和20号各还150", "300.00"),
    ("每个月1号还100 15号还200", "300.00"),
    ("每月十号和二十号各还五百", "1000.00"),
])
def test_a_monthly_amount_in_parts_is_read_as_its_total(text: str, total: str) -> None:
    assert monthly_total(text, TODAY) == Decimal(total)


@pytest.mark.parametrize("text", [
    "i can pay 100 on friday", "能不能每个月15号还三百", "i can do 50 a month", "200 next friday and the rest in january",
    "i can pay 40 on the 1st and 40 on the 15th",  # two dated parts, not every month: a split promise
    "can i do 50 every 2 weeks", "40 on the 1st and 15th every month",  # one amount, no "each": not guessed
])
def test_other_messages_are_not_monthly_parts(text: str) -> None:
    assert monthly_total(text, TODAY) is None


def test_days_of_month() -> None:
    assert days_of_month("40 on the 1st and 40 on the 15th, or the 1st") == [1, 15]
    assert days_of_month("每月十五号和三十号") == [15, 30]


@pytest.mark.parametrize("text,expected", [
    ("actually can we make it monday instead", True), ("can i push it to the 10th", True),
    ("能改到下周一吗", True), ("推迟到月底", True), ("i'll pay 100 on friday", False), ("这周五还一千", False),
])
def test_asks_to_move_date(text: str, expected: Optional[bool]) -> None:
    assert asks_to_move_date(text) is expected
