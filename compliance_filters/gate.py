"""The gate: every check combined, in a fixed order, into one Decision.

Order: consent and status -> third-party disclosure (and the voicemail limit) -> banned
phrases -> required content -> for new contact attempts (or replies, when the pack keeps
them inside the window) the contact window and the frequency caps. Anything blocked wins
over anything deferred; a deferred message gets the earliest whole minute at which both
the window and every cap allow it.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Iterable, List, Optional

from compliance_filters.caps import cap_channel, check_caps
from compliance_filters.disclosure import check_disclosure, check_voicemail
from compliance_filters.model import (
    CHANNELS,
    KINDS,
    ContactRecord,
    Decision,
    OutgoingMessage,
    Reason,
    Recipient,
)
from compliance_filters.packs import Pack
from compliance_filters.phrases import check_text
from compliance_filters.required import check_required_content
from compliance_filters.status import check_status
from compliance_filters.validation import check_time_barred
from compliance_filters.windows import check_window
from compliance_filters.zones import ZoneError

#: how many window/cap hand-offs to try before giving up on a common allowed time
_MAX_ROUNDS = 32


def _ceil_minute(at: datetime) -> datetime:
    epoch = at.timestamp()
    return datetime.fromtimestamp(math.ceil(epoch / 60) * 60, timezone.utc)


def timing(pack: Pack, message: OutgoingMessage, recipient: Recipient,
           history: Iterable[ContactRecord], at: datetime) -> Decision:
    """Window and caps only: allowed, or deferred to the first minute both allow."""
    history = tuple(history)
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    channel = cap_channel(message.channel)
    try:
        window = check_window(pack, recipient.phones, recipient.address_zones, at, recipient.inconvenient)
    except ZoneError as exc:  # no zone can be known: never guess a time for an attempt
        return Decision.block(Reason("window.zone", str(exc)))
    caps = check_caps(pack, channel, recipient, history, at)
    if caps.status == "blocked":
        return caps
    if window.allowed and caps.allowed:
        return Decision.allow()
    reasons: List[Reason] = list(window.reasons) + list(caps.reasons)
    t: Optional[datetime] = at
    for _ in range(_MAX_ROUNDS):
        w = check_window(pack, recipient.phones, recipient.address_zones, t, recipient.inconvenient)
        if not w.allowed:
            t = w.next_allowed_at
            if t is None:
                break
            continue
        c = check_caps(pack, channel, recipient, history, t)
        if c.allowed:
            break
        t = _ceil_minute(c.next_allowed_at) if c.next_allowed_at else None
        if t is None:
            break
    else:
        t = None
    if t is not None and t == at:  # cannot happen: at itself was not allowed
        t = None
    return Decision.defer(t, *reasons)


def _without_name(text: str, name: str) -> str:
    """`text` with the recipient's own full name blanked: addressing "Bob Late" by name
    tells a third party nothing about a debt, though "late" alone would."""
    name = name.strip()
    if not name:
        return text
    return re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)


def gate(pack: Pack, message: OutgoingMessage, recipient: Recipient,
         history: Iterable[ContactRecord], at: datetime) -> Decision:
    """May `message` go to `recipient` at `at`? One Decision naming every rule that objects.

    Raises ValueError for a channel or kind the gate does not know (a caller bug that must
    not be mistaken for "allowed").
    """
    if message.channel not in CHANNELS:
        raise ValueError(f"unknown channel {message.channel!r}: expected one of {', '.join(CHANNELS)}")
    if message.kind not in KINDS:
        raise ValueError(f"unknown message kind {message.kind!r}: expected one of {', '.join(KINDS)}")
    blocked: List[Reason] = []
    missing: tuple = ()
    blocked += check_status(pack, message, recipient).reasons
    addressed = _without_name(message.text, recipient.display_name)
    if message.channel == "voicemail":
        blocked += check_voicemail(addressed, recipient.creditors,
                                   (message.caller_name,) if message.caller_name else ()).reasons
    else:
        blocked += check_disclosure(addressed, recipient.verified, recipient.language,
                                    recipient.creditors).reasons
    blocked += check_text(pack, message.text, recipient.language).reasons
    blocked += check_time_barred(pack, message.text, recipient).reasons
    required = check_required_content(pack, message, recipient)
    blocked += required.reasons
    missing = required.missing
    if blocked:
        return Decision("blocked", tuple(blocked), None, missing)
    timed = message.kind == "outbound" or (
        message.kind == "reply" and not pack.replies_outside_window)
    if timed:
        return timing(pack, message, recipient, history, at)
    return Decision.allow()
