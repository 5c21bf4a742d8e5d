"""Consent and status gates: the hard stops that no wording can get round.

Opt-out is per channel ("all" covers every channel; a voicemail is a voice contact).
An opt-out or a cease request lets exactly one kind of message through, the
"confirmation". Attorney, bankruptcy, deceased, dispute and wrong number stop new
automated contact attempts ("outbound"); replies inside a conversation the debtor
started still go out so the assistant can acknowledge and hand off.
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
    if message.kind == "outbound":
        for status in OUTREACH_STOPS:
            if status in recipient.statuses:
                reasons.append(Reason(f"status.{status}", f"{status} on file"))
    return Decision.block(*reasons) if reasons else Decision.allow()
