"""Reading a split promise: an amount on one date and the rest (or another amount) on another.

"200 next friday and the rest in january", "100 now and 150 on the 15th",
"这周五先还200，剩下的一月份还清", "先还一半 月底还剩下的". The intent classifier sees a
promise; the entities alone (one amount, two dates) lose the second part. This reads the
two parts from the text itself: the amounts (a number, "half"/"一半", or "the rest"/"剩下的")
in order, the message cut into two clauses between them, and each clause's date.

A first part without a date is due today ("先还一半", "100 now"); a second part without one
cannot be guessed, so the result is marked incomplete and the caller hands off with the
text. A month alone ("in january", "一月份", "下个月") is its first day, the earliest
reading, which the debtor sees and confirms before anything is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import List, Optional, Tuple, Union

from bot.nlu.dates import _add_months
from bot.nlu.extract import extract
from bot.nlu.language import detect_language

HALF = "half"
#: an amount as said: a Decimal, None for "the rest", HALF for "half"
Said = Union[Decimal, str, None]

_REST = re.compile(
    r"\b(?:the\s+)?(?:rest|remainder|remaining(?:\s+(?:balance|amount))?|other\s+half)\b"
    r"|\bthe\s+balance\s+(?=on|by|in|at|next|before)"
    r"|剩下|剩余|余下|其余|余款|尾款|另一半|另外一半", re.IGNORECASE)
_HALF = re.compile(r"\bhalf\b|一半", re.IGNORECASE)
_NOW = re.compile(r"\b(?:now|right now|rn|today|tonight|right away|immediately|asap)\b|现在|马上|立刻|今天|先", re.I)
_PLAN = re.compile(r"\b(?:a|per|each|every)\s+month\b|\bmonthly\b|每月|每个月|每期", re.IGNORECASE)
_BARE = re.compile(r"(?<![\d/.:,A-Za-z])\d[\d,]*(?:\.\d{1,2})?(?![\d/:]|\s*(?:st|nd|rd|th|am|pm|a\.m|p\.m|号|日|月|期|个|点|%))")
_STRONG_SEP = re.compile(r"[,，;；。]|\band\b|\bthen\b|\bplus\b|然后|之后再|再", re.IGNORECASE)
_EN_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_EN_MONTH_ONLY = re.compile(
    r"\b(?P<m>jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b(?!\s*\d)|\b(?P<next>next\s+month)\b", re.IGNORECASE)
_ZH_MONTH_NUM = r"(?P<m>1[0-2]|[1-9]|十[一二]?|[一二两三四五六七八九])"
_ZH_MONTH_ONLY = re.compile(rf"{_ZH_MONTH_NUM}\s*月份|{_ZH_MONTH_NUM.replace('?P<m>', '?P<m2>')}\s*月(?![\d零〇一二两三四五六七八九十]*\s*[号日])"
                            r"|(?P<next>下(?:个)?月)(?![\d零〇一二两三四五六七八九十初底末]*\s*[号日初底末])")
_ZH_MONTH_VALUE = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
                   "十": 10, "十一": 11, "十二": 12}


@dataclass(frozen=True)
class SplitPromise:
    """Two parts, in the order said; `dates[1]` is None when the second date could not be read."""

    amounts: Tuple[Said, Said]
    dates: Tuple[date, Optional[date]]

    @property
    def complete(self) -> bool:
        return self.dates[1] is not None


def _month_start(month: int, today: date) -> date:
    """The first day of `month`: this year's if that month has not ended, else next year's."""
    year = today.year if month >= today.month else today.year + 1
    return date(year, month, 1) if (year, month) != (today.year, today.month) else today


def _month_only(clause: str, today: date) -> Optional[date]:
    for m in _EN_MONTH_ONLY.finditer(clause):
        if m.group("next"):
            return _add_months(today, 1, 1)
        return _month_start(_EN_MONTHS.index(m.group("m").lower()[:3]) + 1, today)
    for m in _ZH_MONTH_ONLY.finditer(clause):
        if m.group("next"):
            return _add_months(today, 1, 1)
        raw = m.group("m") or m.group("m2")
        month = int(raw) if raw.isdigit() else _ZH_MONTH_VALUE.get(raw)
        if month:
            return _month_start(month, today)
    return None


def _items(text: str, amounts: List[Tuple[int, int, Decimal]],
           taken: List[Tuple[int, int, object]]) -> List[Tuple[int, int, Said]]:
    """The amount-like words in order: amounts, bare numbers ("200 next friday": said of a
    payment), "half", "the rest"; never two on one span, never inside a date."""
    items: List[Tuple[int, int, Said]] = [(s, e, v) for s, e, v in amounts]
    for m in _BARE.finditer(text):
        if not any(m.start() < e and s < m.end() for s, e, _ in items + taken):
            value = Decimal(m.group(0).replace(",", ""))
            if value > 0:
                items.append((m.start(), m.end(), value))
    for regex, value in ((_REST, None), (_HALF, HALF)):
        for m in regex.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _ in items):
                continue
            # "the remaining 200" / "剩下的2800": the amount names the rest, one part not two
            if value is None and any(0 <= s - m.end() <= 4 and not text[m.end():s].strip(" 的") for s, _, _ in items):
                continue
            items.append((m.start(), m.end(), value))
    return sorted(items, key=lambda i: i[0])


def _cut(text: str, first_end: int, second_start: int, date_starts: List[int], lang: str) -> int:
    """Where the first clause ends. English: the first separator between the two amounts,
    else the last space (English says the date after the amount). Chinese puts the date
    before its verb: the first separator or date (a month alone counts) between them,
    whichever comes first, else the first space."""
    gap = text[first_end:second_start]
    strong = _STRONG_SEP.search(gap)
    if lang == "zh":
        # Chinese says the date before its verb, and a separator may follow the date:
        # in "先还一半 下个月再还另一半" the "再" comes after "下个月", which is the second
        # part's; cut at whichever comes first, the date or the separator
        inside = [d for d in date_starts if first_end <= d < second_start]
        inside += [first_end + m.start() for m in _ZH_MONTH_ONLY.finditer(gap)]
        cuts = inside + ([first_end + strong.start()] if strong else [])
        if cuts:
            return min(cuts)
        space = re.search(r"\s", gap)
        return first_end + space.start() if space else second_start
    if strong:
        return first_end + strong.start()
    # English says the date after its amount: "100 today 400 on dec 20"
    spaces = [m.start() for m in re.finditer(r"\s", gap)]
    return first_end + spaces[-1] if spaces else second_start


def parse_split_promise(text: str, today: date, timezone_name: Optional[str] = None) -> Optional[SplitPromise]:
    """The two parts of a split promise in `text`, or None when it is not one."""
    if not text or _PLAN.search(text):
        return None
    found = extract(text, datetime(today.year, today.month, today.day, 12), timezone_name)
    if any(f.entity == "months" for f in found):
        return None
    amounts = [(f.start, f.end, Decimal(f.value)) for f in found if f.entity == "amount"]
    dates = [(f.start, date.fromisoformat(f.value)) for f in found if f.entity == "date"]
    taken = [(f.start, f.end, None) for f in found if f.entity != "amount"]
    items = _items(text, amounts, taken)
    if len(items) != 2 or all(isinstance(v, str) for _, _, v in items) or items[0][2] is None:
        return None
    (s1, e1, first), (s2, e2, second) = items
    if first == HALF and second == HALF:
        return None
    lang = detect_language(text)
    cut = _cut(text, e1, s2, [d for d, _ in dates], lang)

    def clause_date(lo: int, hi: int) -> Optional[date]:
        inside = [d for start, d in dates if lo <= start < hi]
        return inside[0] if inside else _month_only(text[lo:hi], today)

    first_on = clause_date(0, cut)
    second_on = clause_date(cut, len(text))
    if isinstance(second, Decimal) and isinstance(first, Decimal):
        # two plain amounts are a split promise only when both are placed in time
        if second_on is None or (first_on is None and not _NOW.search(text[:cut])):
            return None
    if first_on is None and second_on is None and not _NOW.search(text[:cut]):
        return None
    return SplitPromise((first, second), (first_on or today, second_on))
