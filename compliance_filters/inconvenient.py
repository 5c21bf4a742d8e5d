"""What the debtor said is an inconvenient time, as a span the window check respects.

Issue 13 item 1: "don't call before noon", "not after 6pm", "between 1 and 3", "不要在上午打电话"
become the stated span (Reg F 1006.6(b)(1)(i): a time the consumer says is inconvenient),
not "the current hour + 2 h". `inconvenient_span` returns None when no span can be read:
the caller then confirms back or hands off instead of guessing. "At work" is a place, not a
time: `mentions_work` tells the caller to set the work-phone / employer-prohibits flags.
Chinese numerals are read with cn2an (六点 -> 6点).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Optional, Tuple

from compliance_filters.model import InconvenientTime
from compliance_filters.normalize import fast_simplified, fold_width

_CLOCK = r"(noon|midday|midnight|\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?|o'?clock)?)"
_EN = [
    (re.compile(r"\b(?:before|until|till|earlier than)\s+" + _CLOCK), "before"),
    (re.compile(r"\b(?:after|past|later than)\s+" + _CLOCK), "after"),
    (re.compile(r"\bbetween\s+" + _CLOCK + r"\s+(?:and|-|to)\s+" + _CLOCK), "between"),
    (re.compile(r"\b(?:in the )?(morning|afternoon|evening|at night)s?\b"), "part"),
]
_EN_PARTS = {"morning": (time(0), time(12)), "afternoon": (time(12), time(18)),
             "evening": (time(18), time(0)), "at night": (time(20), time(0))}
_ZH_PARTS = {"早上": (time(0), time(9)), "上午": (time(0), time(12)), "中午": (time(11), time(14)),
             "下午": (time(12), time(18)), "傍晚": (time(17), time(19)), "晚上": (time(18), time(0)),
             "夜里": (time(20), time(0)), "半夜": (time(0), time(6))}
_ZH_CLOCK = r"(早上|上午|中午|下午|晚上)?(\d{1,2})[点:：](?:(\d{1,2})分?|(半))?"
_ZH = [
    (re.compile(_ZH_CLOCK + r"(?:之前|以前|前)"), "before"),
    (re.compile(_ZH_CLOCK + r"(?:之后|以后|后)"), "after"),
    (re.compile(r"(早上|上午|中午|下午|傍晚|晚上|夜里|半夜)"), "part"),
]
# "Working hours" / "上班时间" / "during the day" / "白天" are a time, not a place: the usual
# working day, 09:00-18:00 local, said back as such so the debtor can correct it. They are
# read before the parts of the day ("上班时间别打，晚上可以" is not the evening) and are taken
# out before looking for work as a place, so only "at work" / "在上班" sets that flag.
WORKING_DAY = (time(9), time(18))
_WORK_HOURS = re.compile(
    r"\b(?:during\s+|in\s+|within\s+)?(?:my\s+|the\s+)?(?:working|work|business|office)[\s-]*hours\b"
    r"|上班时间|上班的时间|工作时间|上班期间|工作期间|办公时间|工作日白天")
_DAYTIME = re.compile(r"\bduring\s+the\s+day\b|\bin\s+the\s+daytime\b|\bdaytime\b|\bdaytimes\b|白天|日间")
_ZH_LATER = re.compile(r"\s*(?:再说|再打|再联系|再聊|再找|打给我|联系我|可以|方便|有空)")
_WORK = re.compile(r"\b(?:at work|at my job|my work|workplace|my office|my employer|my boss)\b|上班|单位|公司")


def _en_clock(raw: str, hint_pm: bool = False) -> Optional[time]:
    raw = raw.strip().replace(".", "")
    if raw in ("noon", "midday"):
        return time(12)
    if raw == "midnight":
        return time(0)
    m = re.match(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|o'?clock)?", raw)
    if not m:
        return None
    hour, minute, suffix = int(m.group(1)), int(m.group(2) or 0), m.group(3) or ""
    if hour > 23 or minute > 59:
        return None
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    elif not suffix and hint_pm and 1 <= hour <= 7:  # "after 6" said of a call: 6 pm
        hour += 12
    return time(hour, minute)


def _zh_clock(part: Optional[str], hour: str, minute: Optional[str], half: bool) -> Optional[time]:
    h, m = int(hour), (30 if half else int(minute or 0))
    if part in ("下午", "晚上") and h < 12:
        h += 12
    if h > 23 or m > 59:
        return None
    return time(h, m)


def working_day_kind(text: str) -> Optional[str]:
    """"work" for working hours ("上班时间别打电话"), "day" for the daytime ("白天别打"),
    None otherwise: the caller says the assumed 09:00-18:00 back in those words."""
    folded = fast_simplified(fold_width(text)).lower()
    if _WORK_HOURS.search(folded):
        return "work"
    if _DAYTIME.search(folded):
        return "day"
    return None


def inconvenient_span(text: str) -> Optional[InconvenientTime]:
    """The local time span `text` says not to call in, or None if none can be read."""
    folded = fast_simplified(fold_width(text)).lower()
    if working_day_kind(folded) is not None:
        return InconvenientTime(start=WORKING_DAY[0], end=WORKING_DAY[1], note=text.strip()[:200])
    span = _zh_span(folded) if re.search(r"[\u3400-\u9fff]", folded) else None
    span = span or _en_span(folded)
    if span is None:
        return None
    start, end = span
    if start == end:
        return None
    return InconvenientTime(start=start, end=end, note=text.strip()[:200])


def _en_span(folded: str) -> Optional[Tuple[time, time]]:
    for pattern, kind in _EN:
        m = pattern.search(folded)
        if not m:
            continue
        if kind == "before":
            t = _en_clock(m.group(1))
            return (time(0), t) if t else None
        if kind == "after":
            t = _en_clock(m.group(1), hint_pm=True)
            return (t, time(0)) if t else None
        if kind == "between":
            # "between 1 and 3" said of calls: the afternoon
            a, b = _en_clock(m.group(1), hint_pm=True), _en_clock(m.group(2), hint_pm=True)
            return (a, b) if a and b else None
        return _EN_PARTS[m.group(1)]
    return None


def _zh_span(folded: str) -> Optional[Tuple[time, time]]:
    import cn2an

    try:
        digits = cn2an.transform(folded, "cn2an")
    except (ValueError, KeyError):
        digits = folded
    for pattern, kind in _ZH:
        m = pattern.search(digits)
        if not m:
            continue
        if _ZH_LATER.match(digits, m.end()):
            # "晚上再说" / "3点之后再打" name when to call back, not a time to avoid: no span
            # is read from it (at work, the place flag still applies; else a person asks)
            return None
        if kind == "part":
            return _ZH_PARTS[m.group(1)]
        t = _zh_clock(m.group(1), m.group(2), m.group(3), m.group(4) is not None)
        if t is None:
            return None
        return (time(0), t) if kind == "before" else (t, time(0))
    return None


_THIS_IS_WORK = re.compile(
    r"\b(?:this is|this's|it's|that's|you'?re (?:calling|texting)|you (?:called|texted|are calling|are texting))"
    r"\s+(?:my\s+)?(?:work|office|company|business)\s*(?:phone|number|line|cell|mobile)"
    r"|\bthis (?:phone|number|line) is (?:my )?(?:work|office|company)"
    r"|(?:这是|这个是|这个号码是|这个电话是|这个号是|你打的是|你们打的是)(?:我的?)?(?:单位|公司|办公室|工作)的?(?:电话|号码|手机|座机)")


def says_work_number(text: str) -> bool:
    """Does `text` say the number it came on is a work number ("this is my work phone",
    "你打的是我单位的电话")? The caller then flags that number as a work phone."""
    return _THIS_IS_WORK.search(fast_simplified(fold_width(text)).lower()) is not None


def mentions_work(text: str) -> bool:
    """Does `text` say the debtor is at work / may not be called at work? Working hours
    ("上班时间", "during work hours") are a time, not the place, and do not count."""
    folded = _WORK_HOURS.sub(" ", fast_simplified(fold_width(text)).lower())
    return _WORK.search(folded) is not None


# A time the debtor says SUITS them ("after 5 is best", "evenings are better",
# "下午五点以后比较方便"): read as a span by `inconvenient_span` it would be stored as the
# very time not to call. What is inconvenient is the rest of the day, so the complement
# is returned. Kept apart from `inconvenient_span` so a "don't call ..." reading is unchanged.
_PREFERS = re.compile(
    r"\b(?:is|are|would be|'s)\s+(?:best|better|good|fine|ok|okay|easier|great)\b"
    r"|\bworks?\s+(?:best|better)\b|\bprefer\b|\bbetter for me\b|\bbest for me\b"
    # a message that opens by asking to be called ("call me after 6", "pls text me in the
    # evening"); anchored at the start, so "why do you call me after 9pm?" is not one
    r"|^\W*(?:(?:please|pls|plz|just|ok|okay|yes|yeah|you can|u can|only)\W+)*"
    r"(?:call|text|ring|phone|contact|reach|message|msg)\s+(?:me|us)\b"
    r"|比较方便|更方便|最方便|方便|比较好|最好|可以打|再打|再联系")
_REFUSES = re.compile(r"\b(?:don'?t|do not|never|not|no|stop)\b|不要|别|不能|不方便|勿")


def says_preferred_time(text: str) -> bool:
    """Does `text` name a time that suits the debtor (not one to avoid)?"""
    folded = fast_simplified(fold_width(text)).lower()
    return bool(_PREFERS.search(folded)) and not _REFUSES.search(folded)


def preferred_time_complement(text: str) -> Optional[InconvenientTime]:
    """The span NOT to call in when `text` names a time that suits the debtor, else None.

    "after 5 is best" -> 00:00-17:00; "mornings are better" -> 12:00-24:00. A preferred
    span in the middle of the day ("between 1 and 3 works best") leaves two inconvenient
    spans, which one InconvenientTime cannot hold: None, so the caller asks instead."""
    if not says_preferred_time(text):
        return None
    span = inconvenient_span(text)
    if span is None:
        return None
    if span.end == time(0) and span.start != time(0):
        start, end = time(0), span.start
    elif span.start == time(0) and span.end != time(0):
        start, end = span.end, time(0)
    else:
        return None
    return InconvenientTime(start=start, end=end, note=text.strip()[:200])
