"""Planning: which campaign steps fall on each debtor's local today.

Planning reads the store in batches (accounts with an open debt, their arrangements, open
high-tier handoffs) and does the calendar arithmetic in Python with one zone conversion per
distinct zone, so it runs in flat memory and at thousands of accounts per second. It never
asks the gate: whether a planned message may go out, and when, is decided at send time.

High-tier accounts get no automated contact; one handoff per account is planned instead
(none while an earlier one is still queued or claimed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, Iterator, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.campaigns.definitions import Campaign, Step
from bot.locale import PACK_ZONE
from bot.store.models import Account, Arrangement, Debt, Handoff, Installment

BATCH = 2000
HANDOFF_REASON = "high_risk_tier"
#: after a person resolves a high-tier handoff, the account is not queued again for this
#: long (the weekly re-score decides whether it is still high risk)
HANDOFF_COOLDOWN = timedelta(days=7)
HANDOFF_STEP = "tier/high-handoff"


@dataclass(frozen=True)
class Planned:
    """One message (or handoff) due today for one account; the ledger key is
    (account_id, step_key, local_day)."""

    account_id: str
    campaign: str
    step_key: str
    channel: str          # sms | voice | handoff
    local_day: date
    expires_at: datetime
    language: str
    name: str
    step: Optional[Step] = None


@dataclass
class _Zones:
    """Local today (and each day's end) per zone, computed once per zone per run."""

    now: datetime
    cache: Dict[str, Tuple[date, ZoneInfo]]

    def today(self, zone: str) -> Tuple[date, ZoneInfo]:
        found = self.cache.get(zone)
        if found is None:
            try:
                info = ZoneInfo(zone)
            except (KeyError, ValueError):
                info = ZoneInfo("UTC")
            found = self.cache[zone] = (self.now.astimezone(info).date(), info)
        return found


def _end_of(day: date, zone: ZoneInfo, extra_days: int) -> datetime:
    local = datetime.combine(day + timedelta(days=extra_days + 1), time(0), tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC"))


def step_today(step: Step, today: date, due: Optional[date],
               installments: Sequence[Tuple[int, int, date, str]],
               broken: Sequence[Tuple[int, date]], grace_days: int) -> List[str]:
    """Ledger step keys of `step` that fall on `today` (several for several installments)."""
    if step.kind == "due":
        return [step.key] if due is not None and today == due + timedelta(days=step.days) else []
    if step.kind == "past_due_every":
        if due is None:
            return []
        late = (today - due).days
        return [step.key] if late >= step.start and (late - step.start) % step.days == 0 else []
    if step.kind == "installment":
        return [f"{step.key}/{arr}.{seq}" for arr, seq, when, status in installments
                if status == "due" and today == when + timedelta(days=step.days)]
    return [f"{step.key}/{arr}" for arr, missed in broken
            if today == missed + timedelta(days=grace_days + step.days)]


@dataclass(frozen=True)
class _Row:
    account_id: str
    risk_tier: str
    pack: str
    timezone: Optional[str]
    language: str
    name: str
    due: Optional[date]


def _handed_over(s: Session, accounts: List[str], now: datetime) -> set:
    """High-tier accounts a person already has: any open handoff (whatever its reasons: one
    open handoff per conversation gathers them), or a high-tier handoff of the last week,
    even resolved, so a resolved account is not queued again every day."""
    recent = and_(Handoff.reason.contains(HANDOFF_REASON),
                  Handoff.created_at >= now - HANDOFF_COOLDOWN)
    return set(s.execute(select(Handoff.account_id).where(
        Handoff.account_id.in_(accounts),
        or_(Handoff.status.in_(("queued", "claimed")), recent))).scalars())


def _accounts(s: Session, after: str, limit: int) -> Tuple[str, List[_Row]]:
    """A page of accounts after `after` (keyset on the primary key: every page costs the
    same), keeping those with an open debt, with their earliest open due date. Returns the
    page's last id (to continue from) and the rows."""
    page = s.execute(
        select(Account.account_id, Account.risk_tier, Account.pack, Account.timezone,
               Account.language, Account.name)
        .where(Account.account_id > after).order_by(Account.account_id).limit(limit)).all()
    if not page:
        return "", []
    ids = [r.account_id for r in page]
    due = dict(s.execute(
        select(Debt.account_id, func.min(Debt.due_date))
        .where(Debt.account_id.in_(ids), Debt.status == "open", Debt.balance > 0)
        .group_by(Debt.account_id)).all())
    # every account with an open debt is a key (its value is None when no debt has a date)
    return page[-1].account_id, [_Row(*r, due[r.account_id]) for r in page
                                 if r.account_id in due]


def _arrangements(s: Session, ids: List[str]):
    """(installments by account, broken arrangements' first missed due date by account)."""
    installments: Dict[str, List[Tuple[int, int, date, str]]] = defaultdict(list)
    broken: Dict[str, Dict[int, date]] = defaultdict(dict)
    rows = s.execute(
        select(Arrangement.account_id, Arrangement.id, Arrangement.status, Installment.seq,
               Installment.due_date, Installment.status)
        .join(Installment, Installment.arrangement_id == Arrangement.id)
        .where(Arrangement.account_id.in_(ids), Arrangement.status.in_(("accepted", "broken")))
        .order_by(Arrangement.id, Installment.seq))
    for account_id, arr_id, arr_status, seq, due, inst_status in rows:
        if arr_status == "accepted":
            installments[account_id].append((arr_id, seq, due, inst_status))
        elif inst_status == "missed" and arr_id not in broken[account_id]:
            broken[account_id][arr_id] = due
    return installments, {a: list(d.items()) for a, d in broken.items()}


def plan(s: Session, campaigns: Sequence[Campaign], now: datetime, grace_days: int,
         batch: int = BATCH) -> Iterator[Planned]:
    """Everything due on each account's local today, streamed batch by batch."""
    zones = _Zones(now, {})
    by_target: Dict[Tuple[str, str], List[Tuple[Campaign, Step]]] = defaultdict(list)
    for c in campaigns:
        for tier in c.tiers:
            for pack in c.packs:
                by_target[(tier, pack)].extend((c, st) for st in c.steps)
    after = ""
    while True:
        after, page = _accounts(s, after, batch)
        if not after:
            return
        if not page:
            continue
        ids = [r.account_id for r in page]
        installments, broken = _arrangements(s, ids)
        high = [r.account_id for r in page if r.risk_tier == "high"]
        handed = _handed_over(s, high, now) if high else set()
        for r in page:
            today, info = zones.today(r.timezone or PACK_ZONE.get(r.pack, "UTC"))
            if r.risk_tier == "high":
                if r.account_id not in handed:
                    yield Planned(r.account_id, "tiers", HANDOFF_STEP, "handoff", today,
                                  _end_of(today, info, 0), r.language, r.name)
                continue
            for campaign, step in by_target.get((r.risk_tier, r.pack), ()):
                for key in step_today(step, today, r.due, installments.get(r.account_id, ()),
                                      broken.get(r.account_id, ()), grace_days):
                    yield Planned(r.account_id, campaign.name, key, step.channel, today,
                                  _end_of(today, info, campaign.retry_days), r.language, r.name,
                                  step)
