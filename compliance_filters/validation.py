"""Validation period (Reg F 12 CFR 1006.34) and time-barred debt rules (1006.26).

The validation period ends 30 days after the consumer receives the validation notice; a
collector may assume receipt on any date at least five days (not counting legal public
holidays, Saturdays and Sundays) after sending it (1006.34(b)(5)). A dispute inside the
period pauses collection until verification is sent (1006.34(c)(4), FDCPA 809(b)): the
store records the dispute status, which stops outbound contact (status.py).

A time-barred debt (past the statute of limitations) may not be sued on nor threatened
with suit (1006.26(b)); several states require a disclosure saying so, and in states
where a partial payment revives the debt, an offer to take one must say it will not.
The word lists live in the pack (`time_barred:`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, List, Optional

from compliance_filters.model import Decision, Reason, Recipient
from compliance_filters.normalize import fast_simplified, fold_width
from compliance_filters.packs import Pack

RECEIPT_BUSINESS_DAYS = 5
VALIDATION_DAYS = 30
_NEGATION = re.compile(r"\b(?:not|never|no|won't|cannot|can't|will not|do not|don't)\b|不会|不能|无法|不再|不")
_CLAUSE = re.compile(r"[.!?;,，。！？；\n]")


@lru_cache(maxsize=16)
def _us_holidays(year: int) -> Any:
    import holidays

    return holidays.US(years=year)


def assumed_receipt(sent_on: date) -> date:
    """The first day receipt may be assumed: 5 days after sending, not counting Saturdays,
    Sundays and US legal public holidays (1006.34(b)(5))."""
    day, counted = sent_on, 0
    while counted < RECEIPT_BUSINESS_DAYS:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in _us_holidays(day.year):
            counted += 1
    return day


def validation_period_end(sent_on: date) -> date:
    """The last day of the validation period for a notice sent on `sent_on`."""
    return assumed_receipt(sent_on) + timedelta(days=VALIDATION_DAYS)


def dispute_prompt(period_end: date, language: str = "en") -> str:
    """The dispute prompt a message in the validation period carries (end date included)."""
    if language == "zh":
        return (f"如您对这笔债务全部或部分有异议，请在{period_end.year}年{period_end.month}月"
                f"{period_end.day}日前提出：回复“异议”即可。")
    return (f"You may dispute all or part of this debt until {period_end:%B} {period_end.day}, "
            f"{period_end.year}. Reply DISPUTE to dispute it.")


def collection_paused(disputed_on: Optional[date], period_end: date, verification_sent: bool) -> bool:
    """True while a dispute made inside the validation period waits for verification."""
    return disputed_on is not None and disputed_on <= period_end and not verification_sent


def _clause_negated(text: str, start: int) -> bool:
    begin = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    return _NEGATION.search(text, begin, start) is not None


def check_time_barred(pack: Pack, text: str, recipient: Recipient) -> Decision:
    """Blocked ("time_barred.suit_threat" / "time_barred.revival_offer") for a time-barred
    debt: any un-negated mention of suit, court or judgment; in a revival state, a payment
    offer that does not say a payment will not restart the limitations period."""
    rules = pack.time_barred
    if not recipient.time_barred or not rules:
        return Decision.allow()
    folded = fast_simplified(fold_width(text)).lower()
    for item in pack.required:  # the pack's own required wording (the disclosure) is compliant
        for wording in item.text.values():
            folded = folded.replace(fast_simplified(fold_width(wording)).lower(), " ")
    reasons: List[Reason] = []
    for word in rules.get("suit_words") or []:
        pattern = re.escape(word.lower()) if not word.isascii() else r"\b" + re.escape(word.lower()) + r"\b"
        hit = next((m for m in re.finditer(pattern, folded) if not _clause_negated(folded, m.start())), None)
        if hit is not None:
            reasons.append(Reason("time_barred.suit_threat", hit.group()))
            break
    revival = {s.upper() for s in rules.get("revival_states") or []}
    if recipient.state.upper() in revival:
        safe = any(w.lower() in folded for w in rules.get("safe_wording") or [])
        offers = [w for w in rules.get("offer_words") or [] if w.lower() in folded]
        if offers and not safe:
            reasons.append(Reason("time_barred.revival_offer", offers[0]))
    return Decision.block(*reasons) if reasons else Decision.allow()
