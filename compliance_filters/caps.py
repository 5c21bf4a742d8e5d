"""Frequency caps over a contact history the caller passes in.

Each cap in the pack says: at most `limit` contacts of some kind in any rolling
`period_hours`, counted per debt, per debtor or per number. A new contact at `at` is
allowed when fewer than `limit` counted contacts fall in (at - period, at]; otherwise it
is deferred until the oldest of the last `limit` of them leaves the window. Contacts the
debtor started do not count unless the cap says `initiated_by: any` (Reg F's 7 days after
a telephone conversation: whoever called); records after `at` never count. A cap with
`limit: 0` blocks the channel outright; a cap with `states` applies only to recipients
whose `state` is listed (the MA / NYC 2-calls-in-7-days rules).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable, List, Optional, Tuple

from compliance_filters.model import ContactRecord, Decision, Reason, Recipient
from compliance_filters.packs import CapRule, Pack


def cap_channel(channel: str) -> str:
    """A voicemail is left on a call attempt: it is a voice contact."""
    return "voice" if channel == "voicemail" else channel


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at


def applies(rule: CapRule, recipient: Recipient) -> bool:
    """State caps (MA, NYC ...) apply only to recipients in those states."""
    return not rule.states or recipient.state.upper() in rule.states


def _counts(rule: CapRule, record: ContactRecord, recipient: Recipient) -> bool:
    if rule.initiated_by is not None and record.initiated_by not in rule.initiated_by:
        return False
    if cap_channel(record.channel) != rule.channel:
        return False
    if rule.outcomes is not None and record.outcome not in rule.outcomes:
        return False
    if rule.scope == "debt":
        return record.debt_id == recipient.debt_id
    if rule.scope == "number":
        return bool(recipient.phones) and record.number == recipient.phones[0]
    return True  # per debtor: the history passed in is the debtor's


def blocked_until(rule: CapRule, recipient: Recipient, history: Iterable[ContactRecord],
                  at: datetime) -> Optional[datetime]:
    """When `rule` stops blocking a new contact at `at` (None: it does not block)."""
    at = _aware(at)
    period = timedelta(hours=rule.period_hours)
    since = at - period
    times: List[datetime] = sorted(
        t for t in (_aware(r.at) for r in history if _counts(rule, r, recipient))
        if since < t <= at
    )
    if len(times) < rule.limit:
        return None
    if rule.limit <= 0:
        return datetime.max.replace(tzinfo=timezone.utc)  # never (check_caps blocks)
    return times[len(times) - rule.limit] + period


def check_caps(pack: Pack, channel: str, recipient: Recipient, history: Iterable[ContactRecord],
               at: datetime) -> Decision:
    """Allowed, or deferred until every cap on `channel` allows a new contact."""
    channel = cap_channel(channel)
    history = tuple(history)
    reasons: List[Reason] = []
    latest: Optional[datetime] = None
    closed = [Reason(f"cap.{rule.name}", "limit 0: no contact on this channel")
              for rule in pack.caps if rule.channel == channel and rule.limit <= 0 and applies(rule, recipient)]
    if closed:  # an overlay's `limit: 0` closes the channel: blocked, not deferred
        return Decision.block(*closed)
    for rule in pack.caps:
        if rule.channel != channel or not applies(rule, recipient):
            continue
        until = blocked_until(rule, recipient, history, at)
        if until is not None:
            reasons.append(Reason(f"cap.{rule.name}", f"until {until.astimezone(timezone.utc).isoformat()}"))
            latest = until if latest is None or until > latest else latest
    if not reasons:
        return Decision.allow()
    return Decision.defer(_settled(pack, channel, recipient, history, latest), *reasons)


def _settled(pack: Pack, channel: str, recipient: Recipient, history: Tuple[ContactRecord, ...],
             start: Optional[datetime]) -> Optional[datetime]:
    """From `start`, move forward until no cap blocks (caps can chain), to the minute."""
    t = start
    for _ in range(64):
        if t is None:
            return None
        later = [u for rule in pack.caps if rule.channel == channel and applies(rule, recipient)
                 if (u := blocked_until(rule, recipient, history, t)) is not None]
        if not later:
            return t
        t = max(later)
    return t
