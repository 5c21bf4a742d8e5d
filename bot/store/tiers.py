"""Risk tiers that move: a transparent score, re-computed from what the store knows.

The score is a sum of named points so that an agent (or a regulator) can see exactly why an
account is where it is; every tier change is written to the evidence log with the points.

| factor | points |
|---|---|
| days past due: < 30 / 30-89 / >= 90 | 0 / 30 / 60 |
| large balance (>= 5,000 USD, >= 35,000 CNY, else >= 5,000) | +30 |
| each broken promise or plan (at most 2 counted) | +15 |
| failed deliveries in the last 30 days (at most 3 counted) | +5 each |
| a phone flagged as a wrong number | +20 |
| a dispute in force | +20 |
| 3+ outbound attempts in 60 days and no reply or answered call | +10 |
| the debtor wrote or answered in the last 30 days | -10 |
| a kept promise or plan | -10 |

Tier: score < 30 low, 30-59 medium, >= 60 high. `tiers recompute` re-scores on demand; the
campaign worker re-scores every account once a week (`recompute_if_due`). Without history this is exactly the rule the
portfolio importer applies (days past due and a large balance), so an import followed by a
recompute moves nobody.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.store import evidence
from bot.store.models import (
    Account,
    AccountStatus,
    Arrangement,
    ContactAttempt,
    Debt,
    EvidenceRecord,
    Phone,
)
from bot.store.portfolio import LARGE_BALANCE

TIERS = ("low", "medium", "high")
MEDIUM_AT, HIGH_AT = 30, 60
BATCH = 2000
RESCORE_EVERY = timedelta(days=7)
RUN_KIND = "risk_tier.recompute"


@dataclass(frozen=True)
class Facts:
    """What the score is computed from, for one account."""

    days_past_due: int = 0
    balance: float = 0.0
    currency: str = "USD"
    broken: int = 0
    kept: int = 0
    failed_recent: int = 0
    wrong_number: bool = False
    dispute: bool = False
    attempts_60d: int = 0
    engaged_60d: bool = False
    engaged_30d: bool = False


def score(f: Facts) -> Tuple[int, Dict[str, int]]:
    """(total, points by factor): only factors that contributed are listed."""
    points: Dict[str, int] = {}
    if f.days_past_due >= 90:
        points["days_past_due>=90"] = 60
    elif f.days_past_due >= 30:
        points["days_past_due>=30"] = 30
    if f.balance >= float(LARGE_BALANCE.get(f.currency, 5000)):
        points["large_balance"] = 30
    if f.broken:
        points["broken_arrangements"] = 15 * min(f.broken, 2)
    if f.failed_recent:
        points["failed_deliveries_30d"] = 5 * min(f.failed_recent, 3)
    if f.wrong_number:
        points["wrong_number"] = 20
    if f.dispute:
        points["dispute"] = 20
    if f.attempts_60d >= 3 and not f.engaged_60d:
        points["no_response_60d"] = 10
    if f.engaged_30d:
        points["engaged_30d"] = -10
    if f.kept:
        points["kept_arrangement"] = -10
    return sum(points.values()), points


def tier_for(total: int) -> str:
    return "high" if total >= HIGH_AT else "medium" if total >= MEDIUM_AT else "low"


def days_past_due(due: Optional[date], stored: int, today: date) -> int:
    """Counted from the due date when there is one (it moves with time), else as imported."""
    if due is None:
        return int(stored or 0)
    return max(0, (today - due).days)


@dataclass(frozen=True)
class Change:
    account_id: str
    old: str
    new: str
    score: int
    points: Dict[str, int]


def _counts(s: Session, query, ids: List[str]) -> Dict[str, int]:
    return {a: int(n) for a, n in s.execute(query.where(query.selected_columns[0].in_(ids)))}


def _facts(s: Session, ids: List[str], now: datetime) -> Dict[str, Facts]:
    """Facts for a batch of accounts with one grouped query per factor."""
    today = now.date()
    debts: Dict[str, Tuple[int, float, str]] = {}
    for d in s.execute(select(Debt.account_id, Debt.due_date, Debt.days_past_due, Debt.balance,
                              Debt.currency, Debt.status).where(Debt.account_id.in_(ids))
                       .order_by(Debt.account_id, Debt.id)):
        if d.status != "open":
            continue
        dpd = days_past_due(d.due_date, d.days_past_due, today)
        prev = debts.get(d.account_id)
        bal = float(d.balance) + (prev[1] if prev else 0.0)
        debts[d.account_id] = (max(dpd, prev[0] if prev else 0), bal, d.currency)
    arr = defaultdict(lambda: defaultdict(int))
    for a, status, n in s.execute(select(Arrangement.account_id, Arrangement.status, func.count())
                                  .where(Arrangement.account_id.in_(ids))
                                  .group_by(Arrangement.account_id, Arrangement.status)):
        arr[a][status] = int(n)
    failed = _counts(s, select(ContactAttempt.account_id, func.count()).where(
        ContactAttempt.status == "failed", ContactAttempt.at >= now - timedelta(days=30))
        .group_by(ContactAttempt.account_id), ids)
    attempts = _counts(s, select(ContactAttempt.account_id, func.count()).where(
        ContactAttempt.direction == "outbound",
        ContactAttempt.status.in_(("sent", "delivered", "failed", "answered", "voicemail",
                                   "no_answer")),
        ContactAttempt.at >= now - timedelta(days=60)).group_by(ContactAttempt.account_id), ids)
    engaged: Dict[str, datetime] = {a: at for a, at in s.execute(
        select(ContactAttempt.account_id, func.max(ContactAttempt.at)).where(
            ContactAttempt.account_id.in_(ids), ContactAttempt.status.in_(("received", "answered")),
            ContactAttempt.at >= now - timedelta(days=60)).group_by(ContactAttempt.account_id))}
    wrong = set(s.execute(select(Phone.account_id).where(
        Phone.account_id.in_(ids), Phone.wrong_number.is_(True))).scalars())
    disputes = set(s.execute(select(AccountStatus.account_id).where(
        AccountStatus.account_id.in_(ids), AccountStatus.status == "dispute",
        AccountStatus.active.is_(True))).scalars())
    out = {}
    for a in ids:
        dpd, bal, cur = debts.get(a, (0, 0.0, "USD"))
        last = engaged.get(a)
        out[a] = Facts(days_past_due=dpd, balance=bal, currency=cur, broken=arr[a]["broken"],
                       kept=arr[a]["kept"], failed_recent=failed.get(a, 0),
                       wrong_number=a in wrong, dispute=a in disputes,
                       attempts_60d=attempts.get(a, 0), engaged_60d=last is not None,
                       engaged_30d=last is not None and last >= now - timedelta(days=30))
    return out


def recompute(s: Session, now: Optional[datetime] = None, *,
              account_ids: Optional[Iterable[str]] = None) -> List[Change]:
    """Re-score every account (or those given); store new tiers, one evidence record each."""
    now = now or clock.now()
    query = select(Account.account_id, Account.risk_tier).order_by(Account.account_id)
    if account_ids is not None:
        query = query.where(Account.account_id.in_(list(account_ids)))
    current = list(s.execute(query))
    changes: List[Change] = []
    for start in range(0, len(current), BATCH):
        batch = current[start:start + BATCH]
        facts = _facts(s, [a for a, _ in batch], now)
        for account_id, old in batch:
            total, points = score(facts[account_id])
            new = tier_for(total)
            if new == old:
                continue
            account = s.get(Account, account_id)
            account.risk_tier, account.updated_at = new, now
            evidence.append(s, "risk_tier", account_id,
                            {"from": old, "to": new, "score": total, "points": points}, at=now)
            changes.append(Change(account_id, old, new, total, points))
        s.flush()
    if account_ids is None:
        evidence.append(s, RUN_KIND, None, {"accounts": len(current), "changes": len(changes)},
                        at=now)
    return changes


def recompute_if_due(s: Session, now: Optional[datetime] = None) -> Optional[List[Change]]:
    """Re-score everyone when the last full re-score is `RESCORE_EVERY` old (or never ran);
    None when it was not due. The worker calls this on every tick."""
    now = now or clock.now()
    last = s.execute(select(func.max(EvidenceRecord.at)).where(
        EvidenceRecord.kind == RUN_KIND)).scalar_one()
    if last is not None and now - last < RESCORE_EVERY:
        return None
    return recompute(s, now)
