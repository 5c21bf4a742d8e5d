"""Relative and absolute dates resolved against the message time in the debtor's zone.

English phrases go to dateparser (PREFER_DATES_FROM=future, RELATIVE_BASE=local message
time) except the few it gets wrong or misses ("next Friday" -> None, "the 15th" -> a past
date); Chinese relative phrases (下月5号, 月底, 下周三, 明天, 后天, 15号) are resolved here.

Conventions (documented because debtors' promises depend on them):
- "Friday" / "周五" alone: the next such day strictly after today.
- "next Friday" / "下周五": that weekday in the next Monday-based calendar week.
- "this Friday" / "这周五" / "本周五": that weekday in the current week.
- "the 15th" / "15号": the next 15th on or after today (this month, else next month).
- "the 15th of next month" / "下月15号": the 15th of next month; "the start of next month" /
  "下个月初": its 1st.
- "end of the month" / "月底": the last day of this month.
- "the 1st of next month" / "next month on the 1st" / "下个月1号": that day of next month;
  "beginning of next month" / "下个月初": the 1st of next month.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

import dateparser

from bot.nlu.numbers import NumberError, parse_number

EN_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int, dom: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(dom, calendar.monthrange(year, month)[1]))


def next_weekday(today: date, weekday: int) -> date:
    """The next `weekday` strictly after today."""
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def weekday_in_week(today: date, weekday: int, weeks_ahead: int) -> date:
    """`weekday` in the Monday-based week `weeks_ahead` weeks from this one."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks_ahead + weekday)


def day_of_month_on_or_after(today: date, dom: int) -> date:
    """The next date whose day is `dom`, today included (15号 on the 28th -> next month)."""
    if dom >= today.day and dom <= calendar.monthrange(today.year, today.month)[1]:
        return today.replace(day=dom)
    return _add_months(today, 1, dom)


def _num(text: str) -> int:
    return int(parse_number(text))


_ZH_NUM = r"[0-9零〇一二两三四五六七八九十]{1,3}"

# Order matters: longer phrases first.
ZH_DATE_PATTERNS: list[tuple[str, str]] = [
    ("ymd", rf"(?P<y>\d{{4}})\s*年\s*(?P<m>{_ZH_NUM})\s*月\s*(?P<d>{_ZH_NUM})\s*[日号]"),
    ("next_month_day", rf"下(?:个)?月\s*(?P<d>{_ZH_NUM})\s*[号日]"),
    ("this_month_day", rf"(?:这个|本)月\s*(?P<d>{_ZH_NUM})\s*[号日]"),
    ("md", rf"(?P<m>{_ZH_NUM})\s*月\s*(?P<d>{_ZH_NUM})\s*[日号]"),
    ("next_month_end", r"下(?:个)?月(?:底|末)"),
    ("month_end", r"(?:这个月|本月)?(?:月底|月末)"),
    ("next_month_start", r"下(?:个)?月初"),
    ("next_week_day", r"下(?:个)?(?:周|星期|礼拜)(?P<w>[一二三四五六日天末])"),
    ("this_week_day", r"(?:这|本)(?:个)?(?:周|星期|礼拜)(?P<w>[一二三四五六日天末])"),
    ("week_day", r"(?:周|星期|礼拜)(?P<w>[一二三四五六日天末])"),
    ("day_after_2", r"大后天"),
    ("day_after", r"后天"),
    ("tomorrow", r"明天|明日|明儿"),
    ("today", r"今天|今日|今晚"),
    ("next_week", r"下(?:个)?(?:周|星期|礼拜)"),
    ("dom", rf"(?<![月\d])(?P<d>{_ZH_NUM})\s*[号](?!码)"),
]
ZH_DATE_RE = [(kind, re.compile(p)) for kind, p in ZH_DATE_PATTERNS]


def resolve_zh(kind: str, groups: dict[str, str | None], today: date) -> date | None:
    """Turn one matched Chinese date phrase into a date, or None if it is not a real date."""
    try:
        if kind == "ymd":
            return date(int(groups["y"]), _num(groups["m"]), _num(groups["d"]))
        if kind == "md":
            month, dom = _num(groups["m"]), _num(groups["d"])
            candidate = date(today.year, month, dom)
            return candidate if candidate >= today else date(today.year + 1, month, dom)
        if kind == "next_month_day":
            return _add_months(today, 1, _num(groups["d"]))
        if kind == "this_month_day":
            return today.replace(day=_num(groups["d"]))
        if kind == "dom":
            dom = _num(groups["d"])
            return day_of_month_on_or_after(today, dom) if 1 <= dom <= 31 else None
    except (ValueError, NumberError):
        return None
    if kind == "next_month_end":
        return _month_end(_add_months(today, 1, 1))
    if kind == "month_end":
        return _month_end(today)
    if kind == "next_month_start":
        return _add_months(today, 1, 1)
    if kind in ("next_week_day", "this_week_day", "week_day"):
        weekday = ZH_WEEKDAYS[groups["w"]]
        if kind == "next_week_day":
            return weekday_in_week(today, weekday, 1)
        if kind == "this_week_day":
            return weekday_in_week(today, weekday, 0)
        return next_weekday(today, weekday)
    offsets = {"today": 0, "tomorrow": 1, "day_after": 2, "day_after_2": 3}
    if kind in offsets:
        return today + timedelta(days=offsets[kind])
    if kind == "next_week":
        return weekday_in_week(today, 0, 1)
    return None


_WD = "|".join(sorted(EN_WEEKDAYS, key=len, reverse=True))
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                  "eighth": 8, "ninth": 9, "tenth": 10, "fifteenth": 15, "twentieth": 20}
_ORDINALS = "|".join(_ORDINAL_WORDS)
EN_DATE_PATTERNS: list[tuple[str, str]] = [
    ("next_weekday", rf"\b(?:next|nxt)\s+(?P<w>{_WD})\b"),
    ("this_weekday", rf"\b(?:this|coming|this coming)\s+(?P<w>{_WD})\b"),
    ("parse", rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})(?:,?\s+\d{{4}})?)\b"),
    ("parse", r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"),
    ("parse", r"\b\d{4}-\d{2}-\d{2}\b"),
    # "the 15th of next month" / "the start of next month": before "dom", which would read
    # "the 15th" alone as the next 15th (this month's, when it is still ahead); dateparser
    # reads "1st of next month" as a month from today and misses "the first of next month"
    ("next_month_start", r"\b(?:the\s+)?(?:start|beginning|begining|begin|first\s+day)\s+of\s+(?:next|nxt)\s+month\b"
                         r"|\bearly\s+(?:next|nxt)\s+month\b"),
    ("next_month_dom", rf"\b(?:the\s+)?(?P<d>\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINALS})\s+(?:day\s+)?of\s+(?:next|nxt)\s+month\b"
                       rf"|\b(?:next|nxt)\s+month\s+on\s+the\s+(?P<d2>\d{{1,2}}(?:st|nd|rd|th)?|{_ORDINALS})\b"),
    ("month_end", r"\b(?:the\s+)?end\s+of\s+(?:the|this)\s+month\b|\bmonth[- ]end\b"),
    ("next_month_end", r"\b(?:the\s+)?end\s+of\s+next\s+month\b"),
    ("dom", r"\b(?:the\s+)?(?P<d>\d{1,2})(?:st|nd|rd|th)\b"),
    ("weekday", rf"\b(?P<w>{_WD})\b"),
    ("parse", r"\b(?:tomorrow|tmrw|tmr|today|tonight|day after tomorrow)\b"),
    ("parse", r"\bin\s+(?:\d+|a|one|two|three|four|a couple of)\s+(?:days?|weeks?)\b"),
    ("next_week", r"\b(?:next|nxt)\s+week\b"),
]
EN_DATE_RE = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in EN_DATE_PATTERNS]

_EN_ALIASES = {"tmrw": "tomorrow", "tmr": "tomorrow", "tonight": "today"}


def resolve_en(kind: str, text: str, groups: dict[str, str | None], today: date) -> date | None:
    """Turn one matched English date phrase into a date, or None."""
    if kind == "next_weekday":
        return weekday_in_week(today, EN_WEEKDAYS[groups["w"].lower()], 1)
    if kind == "this_weekday":
        weekday = EN_WEEKDAYS[groups["w"].lower()]
        return today if today.weekday() == weekday else next_weekday(today, weekday)
    if kind == "weekday":
        return next_weekday(today, EN_WEEKDAYS[groups["w"].lower()])
    if kind == "month_end":
        return _month_end(today)
    if kind == "next_month_end":
        return _month_end(_add_months(today, 1, 1))
    if kind == "next_month_start":
        return _add_months(today, 1, 1)
    if kind == "next_month_dom":
        raw = (groups.get("d") or groups.get("d2") or "").lower()
        dom = _ORDINAL_WORDS.get(raw) or int(re.sub(r"\D", "", raw) or 0)
        return _add_months(today, 1, dom) if 1 <= dom <= 31 else None
    if kind == "next_week":
        return weekday_in_week(today, 0, 1)
    if kind == "dom":
        dom = int(groups["d"])
        return day_of_month_on_or_after(today, dom) if 1 <= dom <= 31 else None
    phrase = _EN_ALIASES.get(text.lower(), text)
    base = datetime(today.year, today.month, today.day, 12, 0)
    parsed = dateparser.parse(
        phrase,
        languages=["en"],
        settings={
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": base,
            "DATE_ORDER": "MDY",
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
    return parsed.date() if parsed else None
