"""Consent and status gates: the hard stops that no wording can get round.

Opt-out is per channel ("all" covers every channel; a voicemail is a voice contact).
An opt-out or a cease request lets exactly one kind of message through, the
"confirmation". Attorney, bankruptcy, deceased, dispute and wrong number stop new
automated contact attempts ("outbound"); replies inside a conversation the debtor
started still go out so the assistant can acknowledge and hand off. In the us pack a
revocation on SMS or voice also stops outbound robotexts and artificial-voice calls on the
other channel (FCC 24-18), and an artificial-voice call needs consent on file.
"""

from __future__ import annotations

from typing import List

from compliance_filters.model import Decision, OutgoingMessage, Reason, Recipient
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
    if message.kind == "outbound" and pack.name == "us":
        reasons += _tcpa(message, recipient, channel)
    if message.kind == "outbound":
        for status in OUTREACH_STOPS:
            if status in recipient.statuses:
                reasons.append(Reason(f"status.{status}", f"{status} on file"))
    return Decision.block(*reasons) if reasons else Decision.allow()


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
