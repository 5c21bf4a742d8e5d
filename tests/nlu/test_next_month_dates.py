"""Days of NEXT month, said as debtors say them when promising a payment (found playing a
debtor: "i'll pay on the 1st of next month" lost its date; read as "the 1st" it is the next
1st on or after today, which on the 10th is right by luck and on the 1st is today)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.nlu.extract import extract

NY, SHANGHAI = "America/New_York", "Asia/Shanghai"
MID_MONTH = datetime(2026, 11, 10, 10, 0, tzinfo=ZoneInfo(NY))
FIRST_OF_MONTH = datetime(2026, 11, 1, 10, 0, tzinfo=ZoneInfo(NY))


def dates(text: str, at: datetime, zone: str = NY) -> list[str]:
    return [f.value for f in extract(text, at, zone) if f.entity == "date"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("i'll pay on the 1st of next month", "2026-12-01"),
        ("first of next month", "2026-12-01"),
        ("the first of next month", "2026-12-01"),
        ("next month on the 1st", "2026-12-01"),
        ("the 15th of next month", "2026-12-15"),
        ("beginning of next month", "2026-12-01"),
        ("end of next month", "2026-12-31"),
        ("the 31st of next month", "2026-12-31"),
    ],
)
def test_english_days_of_next_month(text: str, value: str) -> None:
    assert dates(text, MID_MONTH) == [value]
    assert dates(text, FIRST_OF_MONTH) == [value]


@pytest.mark.parametrize(
    ("text", "value"),
    [("我下个月初还清", "2026-12-01"), ("下个月1号", "2026-12-01"), ("下个月一号还", "2026-12-01"),
     ("月底", "2026-11-30"), ("下个月底", "2026-12-31")],
)
def test_chinese_days_of_next_month(text: str, value: str) -> None:
    assert dates(text, MID_MONTH.astimezone(ZoneInfo(SHANGHAI)), SHANGHAI) == [value]


def test_the_1st_alone_is_still_the_next_1st() -> None:
    assert dates("on the 1st", MID_MONTH) == ["2026-12-01"]
    assert dates("on the 1st", FIRST_OF_MONTH) == ["2026-11-01"]
