"""Third-party disclosure guard and the limited-content voicemail check.

Before the right party is verified, nothing may say there is a debt: no amount with a
currency, no creditor name, none of the words that give it away in either language.
A voicemail may be heard by anyone, so it is held to the limited-content message:
a name, the company (without "debt"/"collection"), a call-back number, a request to reply.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Optional

import phonenumbers

from compliance_filters.model import Decision, Reason
from compliance_filters.normalize import fast_simplified, fold_width

_EN_WORDS = re.compile(
    r"\b(?:debts?|indebted(?:ness)?|collections?|collectors?|collect(?:ing|ed)?|owes?|owed|owing|"
    r"balances?|overdue|past[ -]due|delinquen(?:t|cy)|arrears|outstanding amount|amount due|"
    r"payment due|unpaid|loans?|creditors?|charged[ -]off|charge-?off|repay(?:ment)?|"
    r"minimum payment|payoff)\b"
)
_ZH_WORDS = re.compile(
    r"欠款|债务|催收|还款|逾期|欠费|欠钱|贷款|借款|欠债|应还|待还|还钱|催缴|本金|罚息|滞纳金|"
    r"账单|分期|债权|欠|贷"
)
_AMOUNT = re.compile(
    r"[$¥￥€£]\s?\d"
    r"|\d[\d,]*(?:\.\d+)?\s?(?:usd|dollars?|bucks|rmb|cny|yuan|元|块|美元|人民币)"
    r"|\b(?:usd|rmb|cny)\s?\d|人民币\s?\d"
)
_URL = re.compile(r"https?://\S+|www\.\S+|\b[a-z0-9-]+\.(?:com|net|org|cn|io|co|pay|link)\b")
_DIGITS = re.compile(r"\d(?:[\s.-]?\d){3,}")


def _folded(text: str) -> str:
    return fast_simplified(fold_width(text)).lower()


def disclosure_hits(text: str, creditors: Iterable[str] = ()) -> List[str]:
    """The debt details in `text` (words, amounts, creditor names), in order found."""
    folded = _folded(text)
    hits = [m.group() for m in _AMOUNT.finditer(folded)]
    hits += [m.group() for m in _EN_WORDS.finditer(folded)]
    hits += [m.group() for m in _ZH_WORDS.finditer(folded)]
    for name in creditors:
        name = _folded(name).strip()
        if name and name in folded:
            hits.append(name)
    return hits


def check_disclosure(text: str, verified: bool, lang: Optional[str] = None,
                     creditors: Iterable[str] = ()) -> Decision:
    """Blocked ("disclosure") when an unverified party would learn about the debt.

    `lang` is accepted for symmetry with check_text; both languages are always checked,
    since a Chinese message can carry an English amount and vice versa.
    """
    if verified:
        return Decision.allow()
    hits = disclosure_hits(text, creditors)
    if not hits:
        return Decision.allow()
    return Decision.block(*(Reason("disclosure", h) for h in dict.fromkeys(hits)))


def check_voicemail(text: str, creditors: Iterable[str] = ()) -> Decision:
    """Blocked ("voicemail.*") unless `text` is a limited-content message."""
    reasons = [Reason("voicemail.disclosure", h) for h in dict.fromkeys(disclosure_hits(text, creditors))]
    folded = _folded(text)
    for m in _URL.finditer(folded):
        reasons.append(Reason("voicemail.link", m.group()))
    # digits other than a call-back phone number (account numbers, dates, amounts)
    rest = folded
    for match in phonenumbers.PhoneNumberMatcher(text, "US"):
        rest = rest.replace(_folded(match.raw_string), " ")
    for match in phonenumbers.PhoneNumberMatcher(text, "CN"):
        rest = rest.replace(_folded(match.raw_string), " ")
    for m in _DIGITS.finditer(rest):
        reasons.append(Reason("voicemail.number", m.group()))
    return Decision.block(*reasons) if reasons else Decision.allow()
