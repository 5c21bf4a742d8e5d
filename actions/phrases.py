"""Short bilingual fragments that actions assemble into a response variable.

These are built by code (a list of plans, a summary), not reviewed templates, so every
assembled string goes through `common.safe_text` before it is sent.
"""

from __future__ import annotations

from datetime import time
from typing import Any, Iterable

from actions.common import money, show_date


def installment_amount(offer: Any, lang: str) -> str:
    """The installment amount; when cents do not divide evenly the last one differs, and
    a debtor (and an auditor reading the transcript) must see the amount actually due."""
    first, last = offer.installments[0][1], offer.installments[-1][1]
    amount = money(first, offer.currency)
    if last == first:
        return amount
    last_text = money(last, offer.currency)
    return f"{amount}（末期{last_text}）" if lang == "zh" else f"{amount} (last {last_text})"


def plan_option(offer: Any, lang: str) -> str:
    monthly = installment_amount(offer, lang)
    return f"{offer.months}期，每期{monthly}" if lang == "zh" else f"{offer.months} x {monthly}"


def option(offer: Any, lang: str) -> str:
    """One hardship or plan option in a list."""
    if offer.kind == "pause":
        until = show_date(offer.resume_on, lang)
        return f"暂停还款至{until}" if lang == "zh" else f"a pause until {until}"
    return plan_option(offer, lang)


def join(items: Iterable[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(items)


def summary(offer: Any, lang: str) -> str:
    """What the debtor agreed to, in one line."""
    total = money(offer.total, offer.currency)
    first = show_date(offer.first_due, lang)
    if offer.months <= 1:
        return f"{first}还款{total}" if lang == "zh" else f"{total} on {first}"
    monthly = installment_amount(offer, lang)
    if lang == "zh":
        return f"自{first}起分{offer.months}期，每期{monthly}，共{total}"
    return f"{offer.months} payments of {monthly} from {first}, {total} in total"


def window(start: time, end: time, lang: str) -> str:
    """The span as the debtor would say it: "before 12:00", "after 18:00", "between ..."."""
    a, b = start.strftime("%H:%M"), end.strftime("%H:%M")
    if start == time(0) and end != time(0):
        return f"{b}之前" if lang == "zh" else f"before {b}"
    if end == time(0) and start != time(0):
        return f"{a}之后" if lang == "zh" else f"after {a}"
    return f"{a}至{b}之间" if lang == "zh" else f"between {a} and {b}"
