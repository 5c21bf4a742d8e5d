"""Third-party disclosure guard and the limited-content voicemail check.

Before the right party is verified, nothing may say there is a debt: no amount with a
currency, no creditor name, none of the words that give it away in either language.
A voicemail may be heard by anyone, so it is held to the limited-content message
(12 CFR 1006.2(j)): a person's name, a call-back number, a request to reply, and
nothing else (a company name that says "Recovery"/"Collections" is refused too).
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
    r"minimum payment|payoff|"
    # issue 13 item 5: what a third party reads as "this person owes": the account, the
    # card, a payment, lateness, a link to pay ("the account holder" names the person only)
    r"accounts?(?! holder)|acct|(?:credit |debit |store )?cards?|payments?|pay(?: now| here| online| today)|"
    r"late|lateness|past-due|statement|installments?|settle(?:ment)?)\b"
)
_ZH_WORDS = re.compile(
    r"欠款|债务|催收|还款|逾期|欠费|欠钱|贷款|借款|欠债|应还|待还|还钱|催缴|本金|罚息|滞纳金|"
    r"账单|分期|债权|欠|贷|"
    r"信用卡|账户(?!本人|持有人)|帐户(?!本人|持有人)|卡号|尾号|付款|缴费|支付|结清|额度|透支|银行卡"
)
# company names that say "debt collector" aloud (12 CFR 1006.2(j): a limited-content
# message may not say what the call is about; the name alone can)
_COLLECTOR_NAME = re.compile(
    # ("collection", "debt", 催收, 债务 are already disclosure words)
    r"\b(?:recover(?:y|ies)|receivables?|asset (?:management|recovery|acquisitions?)|"
    r"credit (?:recovery|control)|judgments?)\b"
    r"|资产管理|清收|追偿|不良资产|追债"
)
# a natural person's name introducing themselves, and the request to reply
# ("This is Acme Services." names a company, not a person: the intro needs "my name is",
# or "this is <Name> from/at/with/calling", or 我叫 / 我姓 / 我是…的<name> / 我是客服<name>)
_NAME_INTRO = re.compile(
    r"\b[Mm]y name is\s+[A-Z][a-z]+"
    r"|\b(?:[Tt]his is|[Ii]t's|[Ii]t is)\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s+(?:from|at|with|calling)\b"
    r"|我(?:叫|姓)[^\s，。,.\d]|我是[^\s，。,.]{1,12}的[^\s，。,.\d]{1,4}|我是(?:客服|专员|经理)[^\s，。,.\d]{1,3}"
)
_REPLY_REQUEST = re.compile(
    r"call (?:me|us) back|call me|call us|(?:^|[.!,;:]\s*)call\b|return (?:my|this|our) call|give (?:me|us) a call|"
    r"reach (?:me|us)|please call|reply|text (?:me|us) back|回电|回复|致电|给我回|联系我|拨打"
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


def check_voicemail(text: str, creditors: Iterable[str] = (), caller_names: Iterable[str] = ()
                    ) -> Decision:
    """Blocked ("voicemail.*") unless `text` is a limited-content message (12 CFR 1006.2(j)):
    a natural person's name (one of `caller_names`, or "this is <Name>" / 我是…), a request
    to reply, a call-back number, and nothing else: no debt detail, no link, no other
    number, no company name that says debt collection ("... Recovery", "... Receivables")."""
    reasons = [Reason("voicemail.disclosure", h) for h in dict.fromkeys(disclosure_hits(text, creditors))]
    folded = _folded(text)
    for m in _COLLECTOR_NAME.finditer(folded):
        reasons.append(Reason("voicemail.company", m.group()))
    names = [n for n in (str(n).strip() for n in caller_names) if n]
    if not (any(_folded(n) in folded for n in names) or _NAME_INTRO.search(fold_width(text))):
        reasons.append(Reason("voicemail.missing_name", "a person's name to call back"))
    if not _REPLY_REQUEST.search(folded):
        reasons.append(Reason("voicemail.missing_request", "a request to call back"))
    has_number = any(True for _ in phonenumbers.PhoneNumberMatcher(text, "US")) or \
        any(True for _ in phonenumbers.PhoneNumberMatcher(text, "CN"))
    if not has_number:
        reasons.append(Reason("voicemail.missing_number", "a call-back number"))
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
