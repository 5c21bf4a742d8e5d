"""Consent and status gates: the hard stops that no wording can get round.

Opt-out is per channel ("all" covers every channel; a voicemail is a voice contact).
An opt-out or a cease request lets exactly one kind of message through, the
"confirmation". Attorney, bankruptcy, deceased, dispute and wrong number stop new
automated contact attempts ("outbound"); replies inside a conversation the debtor
started still go out so the assistant can acknowledge and hand off. A work number is not
contacted once contact at work is known to be prohibited. In the us pack a
revocation on SMS or voice also stops outbound robotexts and artificial-voice calls on the
other channel (FCC 24-18), and an artificial-voice call needs consent on file.
"""

from __future__ import annotations

import re
from typing import List

from compliance_filters.model import Decision, OutgoingMessage, Reason, Recipient
from compliance_filters.normalize import fast_simplified, fold_width
from compliance_filters.packs import Pack

#: statuses after which no new contact attempt may be made
OUTREACH_STOPS = ("attorney", "bankruptcy", "deceased", "dispute", "wrong_number")


def optout_channel(channel: str) -> str:
    return "voice" if channel == "voicemail" else channel


def check_status(pack: Pack, message: OutgoingMessage, recipient: Recipient) -> Decision:
    """Blocked with a `status.*` / `optout.*` reason, or allowed."""
    reasons: List[Reason] = []
    confirmation = message.kind == "confirmation"
    channel = optout_channel(message.channel)
    if not confirmation:
        if "cease" in recipient.statuses:
            reasons.append(Reason("status.cease", "cease communication requested"))
        if channel in recipient.opted_out or "all" in recipient.opted_out:
            which = channel if channel in recipient.opted_out else "all"
            reasons.append(Reason(f"optout.{channel}", f"opted out of {which}"))
        reasons += _workplace(recipient)
    if message.kind == "outbound" and pack.name == "us":
        reasons += _tcpa(message, recipient, channel)
    if message.kind == "outbound":
        for status in OUTREACH_STOPS:
            if status in recipient.statuses:
                reasons.append(Reason(f"status.{status}", f"{status} on file"))
    elif message.kind == "reply":
        reasons += _restricted_reply(message.text, recipient)
    return Decision.block(*reasons) if reasons else Decision.allow()


# collection content: an amount, a payment link, an offer or a demand to pay
_COLLECTION = re.compile(
    r"[$¥￥€£]\s?\d|\d[\d,]*(?:\.\d+)?\s?(?:usd|dollars?|rmb|yuan|元|块)|https?://\S+|www\.\S+|"
    r"\b(?:balance|pay(?:ment)?s?|payment plan|installments?|settle(?:ment)?|discount|offer|owe[sd]?|due)\b|"
    r"还款|付款|欠款|余额|分期|减免|结清|优惠|方案|应还|逾期"
)
#: statuses during which a reply may acknowledge and hand off but not collect
RESTRICTED_REPLIES = ("dispute", "attorney", "bankruptcy")


def _restricted_reply(text: str, recipient: Recipient) -> List[Reason]:
    """Issue 13 item 2: while a dispute (until verified), an attorney or a bankruptcy is on
    file, replies in a conversation the debtor started carry no collection content (FDCPA
    805(a)(2), 809(b); the bankruptcy stay): they acknowledge and route to a person."""
    active = [s for s in RESTRICTED_REPLIES if s in recipient.statuses]
    if not active:
        return []
    hit = _COLLECTION.search(fast_simplified(fold_width(text)).lower())
    if hit is None:
        return []
    return [Reason(f"status.{active[0]}.collection_content", hit.group())]


def _workplace(recipient: Recipient) -> List[Reason]:
    """Issue 13 item 1: no text or call to a work number once contact at work is known to be
    prohibited (the employer forbids it, FDCPA 805(a)(3) / Reg F 1006.6(b)(3), or the
    debtor said work is inconvenient, 1006.6(b)(1)). The contacted number is `phones[0]`."""
    if recipient.employer_prohibits and recipient.phones and recipient.phones[0] in recipient.work_phones:
        return [Reason("place.work", f"{recipient.phones[0]} is a work number; contact at work is prohibited")]
    return []


def _tcpa(message: OutgoingMessage, recipient: Recipient, channel: str) -> List[Reason]:
    """TCPA for new automated contact attempts (FCC 24-18, 2024): a revocation on either
    channel covers robocalls and robotexts alike, and an artificial-voice call needs prior
    express consent (`Recipient.consents` holding "artificial_voice")."""
    reasons: List[Reason] = []
    robo = (channel == "sms" and message.sender == "bot") or (channel == "voice" and message.artificial_voice)
    if robo and channel not in recipient.opted_out and "all" not in recipient.opted_out:
        other = sorted({"sms", "voice"} & set(recipient.opted_out))
        if other:
            reasons.append(Reason("optout.robo", f"revoked on {other[0]}: covers robocalls and robotexts"))
    if channel == "voice" and message.artificial_voice and "artificial_voice" not in recipient.consents:
        reasons.append(Reason("consent.artificial_voice", "no prior express consent on file"))
    return reasons
