"""Reading a monthly amount said in parts: "40 on the 1st and 40 on the 15th every month",
"每月1号和15号各还200".

The classifier sees a promise (one amount, two dates) and the assistant answered "We can
accept a payment of $40.00 by 2026-12-14": the first part alone, as a one-off. What the
debtor proposes is a monthly plan of 80 (400), paid in two parts. This reads the parts
from the text itself: two or more days of the month, said with "every month" / "每月",
and either one amount per day or one amount with "each" / "各".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import List, Optional

from bot.nlu.extract import extract
from bot.nlu.split import _PLAN, _items

_EN_DAY = re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", re.I)
_ZH_DAY = re.compile(r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[号日]")
_EACH = re.compile(r"\beach\b|\bapiece\b|各|分别|都还|都是", re.I)
_CENT = Decimal("0.01")
_ZH_DAY_VALUE = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _zh_day(raw: str) -> Optional[int]:
    if raw.isdigit():
        return int(raw)
    if raw.startswith("十"):
        return 10 + _ZH_DAY_VALUE.get(raw[1:], 0) if len(raw) > 1 else 10
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return _ZH_DAY_VALUE.get(tens, 0) * 10 + _ZH_DAY_VALUE.get(ones, 0)
    return _ZH_DAY_VALUE.get(raw)


def days_of_month(text: str) -> List[int]:
    """The days of the month named in `text`, in order, each once ("the 1st and the 15th")."""
    days: List[int] = []
    for m in list(_EN_DAY.finditer(text)) + list(_ZH_DAY.finditer(text)):
        day = int(m.group(1)) if m.re is _EN_DAY else _zh_day(m.group(1))
        if day is not None and 1 <= day <= 31 and day not in days:
            days.append(day)
    return days


def monthly_total(text: str, today: date, timezone_name: Optional[str] = None) -> Optional[Decimal]:
    """The amount per month of a monthly payment said in parts on two or more days of the
    month, or None when `text` is not one (a single day, no "every month", amounts that do
    not pair with the days)."""
    if not text or not _PLAN.search(text):
        return None
    days = days_of_month(text)
    if len(days) < 2:
        return None
    found = extract(text, datetime(today.year, today.month, today.day, 12), timezone_name)
    amounts = [(f.start, f.end, Decimal(f.value)) for f in found if f.entity == "amount"]
    taken = [(f.start, f.end, None) for f in found if f.entity != "amount"]
    taken += [(m.start(), m.end(), None) for m in list(_EN_DAY.finditer(text)) + list(_ZH_DAY.finditer(text))]
    said = [v for _, _, v in _items(text, amounts, taken) if isinstance(v, Decimal)]
    if len(said) == len(days):
        return sum(said, Decimal(0)).quantize(_CENT)
    if len(said) == 1 and _EACH.search(text):
        return (said[0] * len(days)).quantize(_CENT)
    return None
