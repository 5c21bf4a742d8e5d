"""How often a debtor proposes to pay: "50 every 2 weeks", "biweekly", "每两周还50", "每周100".

Plans are monthly (bot/negotiation): an amount said per week or per two weeks is an
instalment proposal at another cadence, not a promise with no date ("50 every 2 weeks" was
read as a promise to pay and asked for a date). `payment_cadence` finds the cadence;
`monthly_equivalent` turns the amount into what it comes to per month, so the negotiation
engine can weigh it like any plan proposal and the reply can say the monthly figure.
`amount_before_cadence` finds the bare amount in "50 every 2 weeks", which the money
patterns leave alone (a bare number with no currency or pay verb).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from bot.nlu.numbers import CN_DIGITS, NumberError, parse_number


@dataclass(frozen=True)
class Cadence:
    """A payment frequency other than monthly."""

    per_year: int  # 52 weekly, 26 every two weeks, 24 twice a month
    weeks: int     # weeks between payments (0: twice a month, not a whole number of weeks)

    def words(self, lang: str) -> str:
        """The cadence as a reply says it: "every 2 weeks" / "每2周"."""
        if self.weeks == 0:
            return "每半个月" if lang == "zh" else "twice a month"
        if self.weeks == 1:
            return "每周" if lang == "zh" else "a week"
        return f"每{self.weeks}周" if lang == "zh" else f"every {self.weeks} weeks"


WEEKLY, BIWEEKLY, SEMIMONTHLY = Cadence(52, 1), Cadence(26, 2), Cadence(24, 0)

_EN_NUM_WORD = {"one": 1, "two": 2, "three": 3, "a": 1, "other": 2}
_ZH_NUM = {"一": 1, "两": 2, "二": 2, "三": 3, "1": 1, "2": 2, "3": 3}

# English: "every 2 weeks", "every two weeks", "every other week", "biweekly", "bi-weekly",
# "fortnightly", "a fortnight", "weekly", "a week", "per week", "each week", "every week",
# "twice a month", "semi-monthly"
_EN = re.compile(
    r"\b(?:every|each|per|a|an)\s+(?P<n>\d|one|two|three|other)\s+weeks?\b"
    r"|\b(?P<bi>bi-?weekly|fortnightly|(?:every|each|per|a)\s+fortnight)\b"
    r"|\b(?P<semi>semi-?monthly|twice\s+(?:a|per|every)\s+month|2x\s+(?:a|per)\s+month)\b"
    r"|\b(?P<w>weekly|(?:every|each|per|a)\s+week|/\s?(?:wk|week))\b",
    re.IGNORECASE,
)
# Chinese: 每两周 / 每2周 / 两周一次 / 每隔一周 / 每半个月 / 半月一次 / 每周 / 每个星期 / 一周还
_ZH = re.compile(
    r"每\s*隔?\s*(?P<n>[一两二三123])\s*(?:个)?(?:周|星期|礼拜)"
    r"|(?P<n2>[两二三23])\s*(?:个)?(?:周|星期|礼拜)\s*(?:还(?![清完])|付|交|一次|1次)"
    r"|(?P<semi>每\s*半\s*个?\s*月|半\s*个?\s*月\s*(?:还(?![清完])|付|交|一次|1次)|一个月\s*[两2]\s*次)"
    r"|(?P<w>每\s*(?:个)?(?:周|星期|礼拜)(?![一二三四五六日天1-7])|一\s*(?:个)?(?:周|星期|礼拜)\s*(?:还(?![清完])|付|交|一次|1次))"
)

_AMOUNT = rf"(?P<amount>\$?\s?\d[\d,]*(?:\.\d+)?|[{CN_DIGITS}]+)"
# "50 every 2 weeks", "$40 a week", "100 biweekly": the number right before the cadence
_EN_AMOUNT_BEFORE = re.compile(
    _AMOUNT + r"\s*(?:dollars?|bucks|usd)?\s+(?=(?:every|each|per|a|an)\s+(?:\d|one|two|three|other)\s+weeks?\b"
    r"|bi-?weekly|fortnightly|semi-?monthly|twice\s+a\s+month|weekly|(?:every|each|per|a)\s+(?:week|fortnight)\b)",
    re.IGNORECASE,
)


def payment_cadence(text: str) -> Cadence | None:
    """The non-monthly cadence `text` proposes, or None (monthly, or none said)."""
    match = _EN.search(text or "")
    if match:
        if match.group("bi"):
            return BIWEEKLY
        if match.group("semi"):
            return SEMIMONTHLY
        if match.group("w"):
            return WEEKLY
        return _every_n_weeks(_EN_NUM_WORD.get(match.group("n").lower()) or int(match.group("n")))
    match = _ZH.search(text or "")
    if match:
        if match.group("semi"):
            return SEMIMONTHLY
        if match.group("w"):
            return WEEKLY
        return _every_n_weeks(_ZH_NUM[match.group("n") or match.group("n2")])
    return None


def _every_n_weeks(n: int) -> Cadence | None:
    if n == 1:
        return WEEKLY
    if n == 2:
        return BIWEEKLY
    if n == 3:
        return Cadence(17, 3)  # 52 / 3, rounded down: never more than was offered
    return None


def amount_before_cadence(text: str) -> Decimal | None:
    """The bare amount in "50 every 2 weeks" / "$40 a week" (None when there is none)."""
    match = _EN_AMOUNT_BEFORE.search(text or "")
    if not match:
        return None
    try:
        value = parse_number(match.group("amount").replace("$", "").strip())
    except NumberError:
        return None
    return value if value > 0 else None


def monthly_equivalent(amount: Decimal, cadence: Cadence) -> Decimal:
    """What `amount` paid at `cadence` comes to per month, rounded down to the cent (a
    debtor offering $50 every two weeks can afford $108.33 a month, not a cent more)."""
    return (amount * cadence.per_year / 12).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
