"""Reading the two parts of a split promise from the words (bot/nlu/split.py)."""

from datetime import date
from decimal import Decimal as D

import pytest

from bot.nlu.split import HALF, parse_split_promise

TODAY = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize("text, amounts, dates", [
    ("200 next friday and the rest in january", (D("200"), None), (date(2026, 12, 11), date(2027, 1, 1))),
    ("100 now and 150 on the 15th", (D("100"), D("150")), (TODAY, date(2026, 12, 15))),
    ("100 today 400 on dec 20", (D("100"), D("400")), (TODAY, date(2026, 12, 20))),
    ("200 on friday and the balance on the 30th", (D("200"), None), (date(2026, 12, 4), date(2026, 12, 30))),
    ("half now, the other half on the 1st of next month", (HALF, None), (TODAY, date(2027, 1, 1))),
    ("这周五先还200，剩下的一月份还清", (D("200"), None), (date(2026, 12, 4), date(2027, 1, 1))),
    ("先还一半 月底还剩下的", (HALF, None), (TODAY, date(2026, 12, 31))),
    ("先还一半月底还剩下的", (HALF, None), (TODAY, date(2026, 12, 31))),
    ("今天先还1000 下个月初把剩下的还了", (D("1000"), None), (TODAY, date(2027, 1, 1))),
    ("ok so i can do 300 on the 10th and the remaining 200 on the 20th", (D("300"), D("200")),
     (date(2026, 12, 10), date(2026, 12, 20))),
    ("周五先还500 剩下的2500下个月15号还", (D("500.00"), D("2500")), (date(2026, 12, 4), date(2027, 1, 15))),
])
def test_two_parts_are_read(text, amounts, dates) -> None:
    said = parse_split_promise(text, TODAY)
    assert said is not None and said.complete
    assert (said.amounts, said.dates) == (amounts, dates)


def test_a_rest_without_a_date_is_incomplete() -> None:
    said = parse_split_promise("200 friday and the rest later", TODAY)
    assert said is not None and not said.complete


@pytest.mark.parametrize("text", [
    "i can pay 100 on friday", "我12月8号还800", "下周五还五百块", "i can pay 75 monthly", "i can do 3 months",
    "what is my balance", "i paid 200 today, whats the balance", "dob 3/12/1985 whats my balance",
    "last 4 is 1234", "200 a month and the rest in january",
])
def test_other_messages_are_not_split_promises(text) -> None:
    assert parse_split_promise(text, TODAY) is None
