"""A generated 30-day collections history for the report tests and the dashboard tests.

The portfolio goes in through the real import (`import_portfolio` of a `demo-data` file with
every risk tier filled in); contacts, verifications, arrangements, payments, opt-outs,
handoffs with routing and agents' reply evidence are written as the product writes them,
with instants on day boundaries on purpose.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Set, Tuple

from bot.demo_data import write_csv
from bot.store import evidence
from bot.store.db import session_scope
from bot.store.models import (
    Arrangement,
    CampaignSend,
    ContactAttempt,
    Handoff,
    HandoffRouting,
    OptOut,
    Payment,
    Verification,
)
from bot.store.portfolio import import_portfolio

START = date(2026, 10, 1)
DAYS = 30
AS_OF = datetime(2026, 11, 5, tzinfo=timezone.utc)
REASONS = ("complaint", "dispute", "distress", "human_request", "attorney", "negative_emotion")
RULES = ("quiet_hours", "frequency_cap", "opt_out", "threat", "time_barred")
OUT_STATUSES = ("sent", "delivered", "failed", "blocked", "deferred", "answered", "voicemail",
                "no_answer")


CAMPAIGNS = ("low_reminders", "medium_negotiation")


@dataclass
class History:
    csv_path: Path
    accounts: List[Dict[str, str]]
    campaigns: Dict[str, Set[str]] = field(default_factory=dict)  # campaign -> account ids
    ledger: Dict[str, Set[Tuple[str, str]]] = field(default_factory=dict)  # account -> steps


def _instant(rng: random.Random, day: date) -> datetime:
    """Mostly random seconds in the day, sometimes exactly its first or last second."""
    base = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    pick = rng.random()
    if pick < 0.08:
        return base
    if pick < 0.16:
        return base + timedelta(hours=23, minutes=59, seconds=59)
    return base + timedelta(seconds=rng.randrange(86400))


def write_portfolio(tmp: Path, accounts: int, seed: int,
                    rng: random.Random) -> Tuple[Path, List[Dict[str, str]]]:
    """A `demo-data` portfolio with every risk tier filled in, imported; (csv, its rows)."""
    raw = tmp / "portfolio_raw.csv"
    write_csv(raw, accounts, seed)
    with raw.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["risk_tier"] = row["risk_tier"] or rng.choice(("low", "medium", "high"))
    path = tmp / "portfolio.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    import_portfolio(path)
    return path, rows


def generate(tmp: Path, accounts: int = 40, seed: int = 14) -> History:
    rng = random.Random(seed)
    path, rows = write_portfolio(tmp, accounts, seed, rng)
    campaigns: Dict[str, Set[str]] = {name: set() for name in CAMPAIGNS}
    ledger: Dict[str, Set[Tuple[str, str]]] = {}
    with session_scope() as s:
        ref = 0
        for acc in rows:
            aid, cur, phone = acc["account_id"], acc["currency"], acc["phone"]
            for name in CAMPAIGNS:
                if rng.random() >= 0.4:
                    continue
                campaigns[name].add(aid)
                for step in rng.sample(("first", "second", "third"), rng.choice((1, 2))):
                    for day in rng.sample(range(-2, DAYS + 2), 2):
                        at = _instant(rng, START + timedelta(days=day))
                        ledger.setdefault(aid, set()).add((name, f"{name}/{step}"))
                        s.add(CampaignSend(
                            account_id=aid, campaign=name, step_key=f"{name}/{step}",
                            local_day=at.date(), channel=rng.choice(("sms", "voice", "handoff")),
                            status=rng.choice(("sent", "blocked", "deferred", "failed", "handoff")),
                            reasons=[], next_attempt_at=at, expires_at=at, created_at=at,
                            updated_at=at))
            for offset in range(-2, DAYS + 2):  # a little outside the month, for --from/--to
                day = START + timedelta(days=offset)
                for _ in range(rng.choice((0, 0, 1, 1, 2))):
                    status = rng.choice(OUT_STATUSES)
                    reasons = []
                    if status in ("blocked", "deferred"):
                        reasons = [f"{r}: m{rng.randrange(3)}" if rng.random() < 0.5 else r
                                   for r in rng.sample(RULES, rng.choice((1, 1, 2)))]
                    s.add(ContactAttempt(account_id=aid, channel=rng.choice(("sms", "voice")),
                                         direction="outbound", at=_instant(rng, day), to_number=phone,
                                         from_number="+15005550006", status=status,
                                         reasons=reasons, text="reminder"))
                if rng.random() < 0.2:
                    s.add(ContactAttempt(account_id=aid, channel="sms", direction="inbound",
                                         at=_instant(rng, day), to_number="+15005550006",
                                         from_number=phone, status="received", reasons=[], text="hi"))
                if rng.random() < 0.08:
                    s.add(Verification(account_id=aid, phone=phone, at=_instant(rng, day)))
                if rng.random() < 0.06:
                    s.add(Arrangement(account_id=aid, kind=rng.choice(("promise", "plan", "settlement")),
                                      total=Decimal(rng.randrange(1000, 500000)) / 100, currency=cur,
                                      status=rng.choice(("proposed", "accepted", "kept", "broken",
                                                         "cancelled")),
                                      created_at=_instant(rng, day)))
                if rng.random() < 0.05:
                    ref += 1
                    s.add(Payment(account_id=aid, amount=Decimal(rng.randrange(100, 200000)) / 100,
                                  currency=cur, paid_at=_instant(rng, day), reference=f"P{ref:06d}",
                                  imported_at=AS_OF))
                if rng.random() < 0.01:
                    removed = rng.random() < 0.3
                    s.add(OptOut(account_id=aid, phone=phone, channel=rng.choice(("sms", "all")),
                                 source=rng.choice(("keyword", "nlu")), at=_instant(rng, day),
                                 active=not removed, removed_at=AS_OF if removed else None))
                if rng.random() < 0.04:
                    created = _instant(rng, day)
                    # one open handoff gathers a conversation's reasons: "dispute,distress"
                    reason = ",".join(rng.sample(REASONS, 2)) if rng.random() < 0.3 \
                        else rng.choice(REASONS)
                    h = Handoff(account_id=aid, reason=reason, status="queued",
                                created_at=created)
                    s.add(h)
                    s.flush()
                    if rng.random() < 0.9:
                        s.add(HandoffRouting(handoff_id=h.id, priority=1, language=acc["language"],
                                             pack=acc["pack"], due_at=created + timedelta(hours=1)))
                    for _ in range(rng.choice((0, 1, 1, 2))):
                        evidence.append(s, "console.reply", aid, {
                            "handoff_id": h.id, "agent": "ann",
                            "status": "allowed" if rng.random() < 0.8 else "blocked"},
                            at=created + timedelta(seconds=rng.randrange(30, 3 * 3600)))
    return History(path, rows, campaigns, ledger)
