"""Idempotent conversation outcomes: an agreement or a handoff said twice is stored once.

Debtors repeat themselves ("ok I'll pay 100 Friday" ... "yes, 100 on Friday"), and Rasa
may run an action again after a retry; the collections team must still see one
arrangement per agreement and one open queue entry per conversation.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import List, Optional, Sequence, Tuple, Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store import evidence, repo
from bot.store.models import Arrangement, Handoff

OPEN_ARRANGEMENT = ("proposed", "accepted")
OPEN_HANDOFF = ("queued", "claimed")
REASON_WIDTH = 64  # handoffs.reason is String(64)


def _schedule(rows: Sequence[Tuple[date, Union[Decimal, str]]]) -> List[Tuple[date, Decimal]]:
    return [(due, Decimal(str(amount)).quantize(Decimal("0.01"))) for due, amount in rows]


def _same_terms(row: Arrangement, *, kind: str, total: Decimal, currency: str,
                schedule: List[Tuple[date, Decimal]]) -> bool:
    """`row` has this kind, total, currency and dated schedule."""
    return row.kind == kind and row.currency == currency and \
        Decimal(str(row.total)) == Decimal(str(total)) and \
        _schedule([(i.due_date, i.amount) for i in row.installments]) == schedule


def agree_arrangement(s: Session, *, account_id: str, debt_id: Union[int, str, None], kind: str,
                      total: Decimal, currency: str,
                      installments: List[Tuple[date, Decimal]]) -> Tuple[Arrangement, bool]:
    """The accepted arrangement for these terms, created only if it is not already on file.

    New terms replace the account's open ones: a debtor who promised $100 on Friday and
    then agreed "3 months instead" has one arrangement, the plan. Two open ones would send
    reminders for both and count the promise as broken when the plan is kept. The replaced
    one is kept as `cancelled`, with an evidence record naming what replaced it.

    Returns (arrangement, created)."""
    open_rows = list(s.execute(select(Arrangement).where(
        Arrangement.account_id == account_id, Arrangement.status.in_(OPEN_ARRANGEMENT))
        .order_by(Arrangement.id)).scalars())
    wanted = _schedule(installments)
    for row in open_rows:
        if _same_terms(row, kind=kind, total=total, currency=currency, schedule=wanted):
            return row, False
    created = repo.create_arrangement(s, account_id=account_id, debt_id=debt_id, kind=kind,
                                      total=total, currency=currency, installments=installments,
                                      status="accepted")
    for old in open_rows:
        old.status = "cancelled"
        evidence.append(s, "arrangement_cancelled", account_id, {
            "arrangement_id": old.id, "kind": old.kind, "replaced_by": created.id})
    s.flush()
    return created, True


def open_handoff(s: Session, conversation_id: str) -> Optional[Handoff]:
    """The conversation's handoff still waiting for (or with) an agent, if any."""
    return s.execute(select(Handoff).where(
        Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_HANDOFF))
        .order_by(Handoff.id)).scalars().first()


def request_handoff(s: Session, *, account_id: str, reason: str,
                    conversation_id: Optional[str]) -> Tuple[Handoff, bool]:
    """One open handoff per conversation: a new reason is added to the open one (comma
    separated, as the agent queue shows it) instead of queueing the debtor twice.

    Returns (handoff, created)."""
    existing = open_handoff(s, conversation_id) if conversation_id else None
    if existing is None:
        return repo.create_handoff(s, account_id=account_id, reason=reason,
                                   conversation_id=conversation_id), True
    reasons = existing.reason.split(",")
    if reason not in reasons:
        combined = ",".join(reasons + [reason])
        if len(combined) <= REASON_WIDTH:
            existing.reason = combined
            s.flush()
            evidence.append(s, "handoff_reason", account_id, {
                "handoff_id": existing.id, "reason": reason, "conversation_id": conversation_id})
    return existing, False
