"""The one door out: every text any sender wants to deliver is screened here first.

`screen` finds the debtor behind a phone number, adds what the rule pack requires
(opt-out line, disclosures), runs the combined compliance gate and records the decision
in the store and the evidence log. A blocked or deferred message is also recorded as a
contact row with its reasons, so an audit sees what was *not* said as well as what was.
Callers send `Screened.text` (never their original text) and only when `send` is true.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Optional, Tuple

from bot import clock
from bot.config import get_settings
from bot.store import repo
from compliance_filters import (
    ContactRecord,
    Decision,
    OutgoingMessage,
    Recipient,
    add_required_content,
    gate,
    load_pack,
    redact,
)

logger = logging.getLogger(__name__)

#: How long after the debtor's last message our texts still count as replies.
CONVERSATION_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Screened:
    """The outcome of screening one message: send `text` only if `send`."""

    send: bool
    text: str
    decision: Decision
    account_id: Optional[str] = None
    debt_id: Optional[str] = None
    language: str = "en"


def contact_channel(channel: str) -> str:
    """Voicemail is a voice contact in the contact log."""
    return "voice" if channel == "voicemail" else channel


def pack_for_phone(phone: str) -> str:
    """Pack for a number with no account on file: by country code."""
    return "cn" if phone.startswith("+86") else "us"


def pack_language(phone: str) -> str:
    """Best guess at the language of a number with no account on file."""
    return "zh" if phone.startswith("+86") else "en"


def reasons_of(decision: Decision) -> Tuple[str, ...]:
    """Reasons as `rule: match` strings, the form the contact log stores."""
    return tuple(f"{r.rule}: {r.match}" if r.match else r.rule for r in decision.reasons)


def _unknown_recipient(s: Any, phone: str) -> Recipient:
    """A number we know nothing about: never verified, so nothing can be disclosed."""
    opted = frozenset(
        ch for ch in ("sms", "voice", "all") if repo.is_opted_out(s, phone, ch)
    )
    language = pack_language(phone)
    return Recipient(
        account_id="",
        debt_id="",
        phones=(phone,),
        language=language,
        verified=False,
        opted_out=opted,
    )


def screen(
    s: Any,
    *,
    phone: str,
    text: str,
    channel: str,
    kind: str = "reply",
    sender: str = "bot",
    at: Optional[datetime] = None,
) -> Screened:
    """Decide whether `text` may go to `phone` on `channel` now, and record the decision."""
    at = at or clock.now()
    account = repo.find_account_by_phone(s, phone)
    if account is None:
        pack = load_pack(pack_for_phone(phone))
        recipient = _unknown_recipient(s, phone)
        history: list[ContactRecord] = []
    else:
        pack = load_pack(account.pack or pack_for_phone(phone))
        recipient = repo.recipient_for(s, account, phone)
        history = repo.contact_history(s, account.account_id, since=at - pack.history_horizon)
    message = OutgoingMessage(text=text, channel=channel, kind=kind, sender=sender)
    full_text = add_required_content(pack, message, recipient)
    message = replace(message, text=full_text)
    decision = gate(pack, message, recipient, history, at)
    account_id = account.account_id if account is not None else None
    debt_id = recipient.debt_id or None
    if account_id is not None:
        repo.record_decision(
            s, account_id=account_id, channel=contact_channel(channel), text=full_text,
            decision=decision,
        )
        if not decision.allowed:
            repo.record_contact(
                s,
                account_id=account_id,
                channel=contact_channel(channel),
                direction="outbound",
                to=phone,
                from_=get_settings().twilio_number,
                status=decision.status,
                text=full_text,
                reasons=reasons_of(decision),
                debt_id=debt_id,
                at=at,
            )
    if decision.allowed:
        logger.debug("allowed %s to %s: %s", channel, redact(phone), redact(full_text))
    else:
        logger.warning(
            "%s %s message to %s: %s (reasons: %s)",
            decision.status, channel, redact(phone), redact(full_text),
            ", ".join(reasons_of(decision)),
        )
    return Screened(
        send=decision.allowed,
        text=full_text,
        decision=decision,
        account_id=account_id,
        debt_id=debt_id,
        language=recipient.language,
    )
