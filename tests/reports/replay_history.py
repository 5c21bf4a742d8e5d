"""A 30-day collections history made by running the product, for the KPI agreement test.

The real dispatcher runs hour by hour with `--now` (`run_once(now=...)`) over an imported
portfolio, sending through the real gate (the campaigns tests' `GatedSender`, which records
blocks and deferrals as the gate decides them). Around it the test plays the outside world,
each through the product's own entry point:
- the provider's status callbacks (`repo.update_contact_status`): delivered, failed,
  answered, voicemail, no answer;
- debtors' replies (`repo.record_contact` inbound), identity checks (`repo.mark_verified`),
  STOP keywords (`repo.record_optout`), promises and plans (`repo.create_arrangement`, some
  only proposed), handoffs (`bot.console.routing.queue_handoff`, a second reason joining
  the conversation's open handoff: "dispute,distress");
- payments arriving as files through `bot.store.payments.import_payments` (the dispatcher's
  reconcile then marks promises kept or broken);
- an agent claiming, answering (`bot.console.work.reply`, screened by the gate) and
  resolving handoffs, some late, some never (SLA breaches).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Set, Tuple

from sqlalchemy import select

from bot import clock
from bot.campaigns.dispatcher import Claim, run_once
from bot.campaigns.ratelimit import RateLimiter
from bot.console import work
from bot.console.agents import get_agent
from bot.console.routing import queue_handoff
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Debt, Handoff
from bot.store.payments import import_payments
from tests.campaigns.helpers import GatedSender
from tests.console.conftest import add_agents
from tests.reports.history import write_portfolio

START = datetime(2026, 10, 1, tzinfo=timezone.utc)
DAYS = 30
REASONS = ("complaint", "dispute", "distress", "human_request", "negative_emotion")
SMS_OUTCOMES = (("delivered", 0.7), ("failed", 0.15), ("sent", 0.15))
VOICE_OUTCOMES = (("answered", 0.4), ("voicemail", 0.25), ("no_answer", 0.2), ("failed", 0.15))


@dataclass
class Replay:
    accounts: List[Dict[str, str]]
    sends: int = 0
    payments: List[Tuple[datetime, str, Decimal, str]] = field(default_factory=list)
    reasons: Set[str] = field(default_factory=set)  # the reasons queued together


def _pick(rng: random.Random, outcomes: Tuple[Tuple[str, float], ...]) -> str:
    x, total = rng.random(), 0.0
    for name, p in outcomes:
        total += p
        if x < total:
            return name
    return outcomes[-1][0]


class WorldSender(GatedSender):
    """The gated test sender, then the provider's callback and the debtor's response."""

    def __init__(self, rng: random.Random, replay: Replay,
                 phones: Dict[str, str], currencies: Dict[str, str]) -> None:
        super().__init__(provider_sids=True)
        self.rng, self.replay, self.phones, self.currencies = rng, replay, phones, currencies
        self.turn = 0

    async def __call__(self, claim: Claim, at: datetime):
        result = await super().__call__(claim, at)
        if result.status != "sent":
            return result
        self.replay.sends += 1
        rng = self.rng
        status = _pick(rng, VOICE_OUTCOMES if claim.channel == "voice" else SMS_OUTCOMES)
        with session_scope() as s:
            if status != "sent":
                repo.update_contact_status(s, self.last_sid, status,
                                           error_code="30003" if status == "failed" else None)
            if status in ("delivered", "answered") and rng.random() < 0.6:
                self._respond(s, claim.account_id, at)
        return result

    def _respond(self, s, aid: str, at: datetime) -> None:
        rng, phone, cur = self.rng, self.phones[aid], self.currencies[aid]
        repo.record_contact(s, account_id=aid, channel="sms", direction="inbound",
                            to="+15005550006", from_=phone, status="received", text="ok",
                            at=at + timedelta(minutes=10))
        if rng.random() < 0.06:
            repo.record_optout(s, account_id=aid, phone=phone, channel="sms", source="keyword",
                               at=at + timedelta(minutes=11))
            return
        if rng.random() < 0.6:
            repo.mark_verified(s, aid, phone, at=at + timedelta(minutes=12))
            if rng.random() < 0.45:
                self._arrange(s, aid, cur, at)
        if rng.random() < 0.3:  # the reasons in turn, so each shows up; every third a pair
            self.turn += 1
            reasons = [REASONS[self.turn % len(REASONS)]]
            if self.turn % 3 == 0:
                reasons.append(REASONS[(self.turn + 2) % len(REASONS)])
            for reason in reasons:  # a second reason joins the conversation's open handoff
                queue_handoff(s, account_id=aid, reason=reason, conversation_id=phone)
            self.replay.reasons.add(",".join(reasons))

    def _arrange(self, s, aid: str, cur: str, at: datetime) -> None:
        rng = self.rng
        kind = rng.choice(("promise", "plan", "plan"))
        count = 1 if kind == "promise" else 3
        part = Decimal(rng.randrange(2000, 20000)) / 100
        dues = [at.date() + timedelta(days=2 + 7 * i) for i in range(count)]
        status = "proposed" if rng.random() < 0.15 else "accepted"
        repo.create_arrangement(s, account_id=aid, debt_id=None, kind=kind, total=part * count,
                                currency=cur, installments=[(d, part) for d in dues],
                                status=status)
        for due in dues:  # most installments are paid on their day; the rest break the plan
            if status == "accepted" and rng.random() < 0.7:
                paid = datetime(due.year, due.month, due.day, 16, tzinfo=timezone.utc)
                self.replay.payments.append((paid, aid, part, cur))


def _import_payments(tmp: Path, due: List[Tuple[datetime, str, Decimal, str]], now: datetime,
                     serial: int) -> None:
    lines = ["account_id,amount,currency,paid_at,reference"]
    lines += [f"{aid},{amount},{cur},{paid.isoformat()},R{serial:04d}-{i}"
              for i, (paid, aid, amount, cur) in enumerate(due)]
    path = tmp / f"payments_{serial:04d}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with session_scope() as s:
        import_payments(s, path, now=now)


def _agents_work(rng: random.Random, now: datetime) -> None:
    """The supervisor answers some queued handoffs this hour, and resolves some answered."""
    with session_scope() as s:
        sam = get_agent(s, "sam")
        rows = s.execute(select(Handoff.id, Handoff.status).where(
            Handoff.status.in_(("queued", "claimed"))).order_by(Handoff.id)).all()
    for hid, status in rows:
        if status == "queued" and rng.random() < 0.25:
            with session_scope() as s:
                work.claim(s, sam, hid)
            asyncio.run(work.reply(sam, hid, "Thank you, we are looking into your account."))
        elif status == "claimed" and rng.random() < 0.3:
            with session_scope() as s:
                work.close(s, sam, hid, "resolved")


def replay(tmp: Path, accounts: int = 50, seed: int = 14, days: int = DAYS) -> Replay:
    rng = random.Random(seed)
    _, rows = write_portfolio(tmp, accounts, seed, rng)
    add_agents()
    result = Replay(rows)
    phones = {r["account_id"]: r["phone"] for r in rows}
    currencies = {r["account_id"]: r["currency"] for r in rows}
    with session_scope() as s:  # the store's normalised numbers (E.164), as inbound carries
        for r in rows:
            account = repo.get_account(s, r["account_id"])
            phones[r["account_id"]] = repo.recipient_for(s, account).phones[0]
        assert s.execute(select(Debt.id)).first() is not None
    sender = WorldSender(rng, result, phones, currencies)
    previous = clock.set_clock(clock.FixedClock(START))
    serial = 0
    try:
        for hour in range(days * 24):
            now = START + timedelta(hours=hour)
            clock.get_clock().instant = now
            due = [p for p in result.payments if p[0] <= now]
            if due:
                serial += 1
                _import_payments(tmp, due, now, serial)
                result.payments = [p for p in result.payments if p[0] > now]
            asyncio.run(run_once(now=now, sender=sender, limiter=RateLimiter(0)))
            _agents_work(rng, now)
    finally:
        clock.set_clock(previous)
    return result


def enrolments(sends: List[Dict[str, str]]) -> Tuple[Dict[str, Set[str]],
                                                       Dict[str, Set[Tuple[str, str]]]]:
    """From `export campaign_sends`: campaign -> accounts, account -> (campaign, step_key)."""
    campaigns: Dict[str, Set[str]] = {}
    ledger: Dict[str, Set[Tuple[str, str]]] = {}
    for row in sends:
        campaigns.setdefault(row["campaign"], set()).add(row["account_id"])
        ledger.setdefault(row["account_id"], set()).add((row["campaign"], row["step_key"]))
    return campaigns, ledger
