"""Which listed plan a debtor means when they name it by position or by size.

After the plan list ("3 x $166.66; 6 x $83.33. Which suits you?") people answer "the
longest one", "first option", "the one with the smallest payments", "最长的那个",
"选第二个". Those carry no month count, so without this the assistant asked again how many
months they wanted, the answer they had just given. The words are matched here, in the
negotiation package, because what "longest" means depends on the list the engine made.
"""

from __future__ import annotations

import re
from typing import List, Optional, Sequence

# (pattern, pick): pick is "longest" / "shortest" or a 0-based index (-1 = last).
# More specific wordings first: "每期最少" (smallest payment, so the longest plan) must win
# over a bare "最少"; "fewest months" over "smallest".
_PICKS: List[tuple] = [
    (r"(?:smallest|lowest|cheapest|tiniest)\s+(?:monthly\s+)?(?:payments?|amount|installments?|one|option|plan)"
     r"|(?:most|max(?:imum)?)\s+(?:months|payments|installments)|longest|longer one"
     r"|每期最少|月供最少|每月最少|每个月最少|期数最多|最多期|分最多|最长|最久|最便宜|金额最小", "longest"),
    (r"(?:biggest|highest|largest)\s+(?:monthly\s+)?(?:payments?|amount|installments?|one|option|plan)"
     r"|(?:fewest|least|min(?:imum)?)\s+(?:months|payments|installments)|shortest|shorter one|quickest|fastest"
     r"|每期最多|月供最多|期数最少|最少期|分最少|最短|最快", "shortest"),
    # an ordinal names a plan only with its noun: "first payment" and "第一期" are not picks
    (r"\b(?:first|1st|top)\s+(?:one|option|plan|choice)\b|\boption\s*(?:1|one)\b|第[一1](?:个|种|项|档)|头一个", 0),
    (r"\b(?:second|2nd|middle)\s+(?:one|option|plan|choice)\b|\boption\s*(?:2|two)\b|第[二2](?:个|种|项|档)|中间(?:那|的)", 1),
    (r"\b(?:third|3rd)\s+(?:one|option|plan|choice)\b|\boption\s*(?:3|three)\b|第[三3](?:个|种|项|档)", 2),
    (r"\b(?:last|bottom)\s+(?:one|option|plan|choice)\b|最后(?:一个|那个|一种|的那)", -1),
]
_COMPILED = [(re.compile(pattern, re.I), pick) for pattern, pick in _PICKS]


def listed_choice(text: str, months_listed: Sequence[int]) -> Optional[int]:
    """The month count of the listed plan `text` names by position or size, else None.

    `months_listed` is the plans in the order they were said (the engine lists them
    ascending). An ordinal beyond the list ("the third one" of two) names nothing, so the
    caller asks again instead of guessing.
    """
    if not months_listed or not text:
        return None
    for pattern, pick in _COMPILED:
        if not pattern.search(text):
            continue
        if pick == "longest":
            return max(months_listed)
        if pick == "shortest":
            return min(months_listed)
        index = int(pick)
        if -len(months_listed) <= index < len(months_listed):
            return list(months_listed)[index]
        return None
    return None
