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


# Thanks is politeness, not consent: "谢谢" after "回复“是”一次性还清" once confirmed a
# ¥3,000 pay-in-full arrangement. An offer is accepted only by a clear yes, so a message
# that is nothing but thanks (and filler) leaves the offer open and is asked again.
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|k|oh|well|alright|cool|great|nice|sure thing)\s*,?\s*)?"
    r"(?:thanks?(?:\s+(?:you|u|ya|so much|a lot|again))*|thank\s*(?:you|u)(?:\s+(?:so much|very much|a lot))?"
    r"|thx|ty|tks|cheers|appreciate it|i appreciate it)"
    r"|^(?:好的?|嗯+|哦+)?[，,\s]*(?:谢谢(?:你|您|啦|了)?|多谢|感谢(?:你|您)?|谢了|辛苦(?:了|你了)?)(?:啊|哈|哦)?$")


def only_thanks(text: str) -> bool:
    """Is `text` thanks and nothing more (no yes, no terms)?"""
    core = re.sub(r"[\s!！。.~～,，?？:)(❤🙏👍😊]+$", "", (text or "").strip().lower())
    core = re.sub(r"^[\s!！。.,，]+", "", core)
    return bool(core) and _THANKS.fullmatch(core) is not None


# "能不能缓一缓", "can you give me some time", "can it wait a bit": a request for time, which
# after a hardship offer is the pause, never the pay-in-full offer a discount reading gave.
_PAY_IN_FULL = re.compile(
    r"\b(?:in full|the full (?:amount|balance)|full amount|whole (?:amount|balance|thing)|all of it"
    r"|the (?:whole|entire) (?:amount|balance|thing)|pay (?:it|this|everything) off|everything i owe)\b"
    r"|还清|全部还|全额|一次性还|一次还完|都还了|全还")


def says_pay_in_full(text: str) -> bool:
    """Does the debtor say the whole balance ("the full amount", "还清") rather than a sum?"""
    return bool(_PAY_IN_FULL.search((text or "").lower()))


_MORE_TIME = re.compile(
    r"\b(?:give|get|have|need|want)\s+(?:me\s+)?(?:some|more|a (?:little|bit|few)(?: more)?|a little more)\s+"
    r"(?:time|days|weeks|while)\b|\b(?:wait|hold off|hold on)\s+(?:a\s+)?(?:bit|little|while|few)\b"
    r"|\bmore time\b|\bpostpone\b|\bput (?:it|this) off\b"
    r"|缓一缓|缓缓|缓几天|缓一段|缓一下|宽限|晚点再还|晚些再还|等一等再还|过段时间再还|推迟|延期")


def asks_for_time(text: str) -> bool:
    """Does the debtor ask for time (a pause) rather than a discount or a plan?"""
    return bool(_MORE_TIME.search((text or "").lower()))


# "我下周出差 回来再说吧", "im travelling for work till the 10th, lets talk after": away for
# a while and asking to talk once back. It names no time of day to avoid (so no span can be
# stored) and is no request for a person: it asks for time, answered like "give me some time"
# (the pause). Either being away and a later talk together, or "once I'm back" said outright.
# "when i'm back", "once im back", "when i return": the time the debtor will be reachable.
# "when i get home" only beside being away: alone it is later today ("call me when i get home")
_I_AM = r"\s+i(?:'m|’m|m|\s+am|\s+get|\s+got|\s+come)?\s+"
_WHEN_BACK = rf"\b(?:when|once|after|till|until){_I_AM}back\b|\b(?:when|once|after)\s+i\s+return\b"
_WHEN_HOME = rf"\b(?:when|once|after|till|until){_I_AM}(?:back\s+)?home\b"
_AWAY = re.compile(
    r"\b(?:travel+(?:ing|ling)?|on (?:a )?(?:trip|vacation|holiday|business)|out of (?:town|the country|state)"
    r"|away (?:on|for|till|until)|abroad|overseas)\b|出差|出门|旅游|旅行|在外地|回老家|出国|国外|不在国内")
_TALK_LATER = re.compile(
    r"\b(?:talk|text|call|contact|speak|chat|reach|message|msg|ping|hit me up|get in touch|deal with (?:it|this)"
    r"|sort (?:it|this) out|get back to (?:you|u|me))\b"
    rf"[^.?!]*(?:\b(?:after|later|next week|next month)\b|{_WHEN_BACK}|{_WHEN_HOME})"
    r"|再(?:跟|和|与)?(?:你们|您|你)?(?:说|联系|谈|聊|处理|还|找)|以后说|后联系")
_BACK = re.compile(_WHEN_BACK + r"|(?:回来|回国)(?:了|后|以后|之后)?再|等我回来|等我回国")


def asks_to_talk_later(text: str) -> bool:
    """Does the debtor put the talk off until they are back ("回来再说", "lets talk after"
    said with being away)? A request for time, like `asks_for_time`."""
    lowered = (text or "").lower()
    return bool(_BACK.search(lowered) or (_AWAY.search(lowered) and _TALK_LATER.search(lowered)))
