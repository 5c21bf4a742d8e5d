"""A 30-day replay, hour by hour with `--now`, over a generated us + cn portfolio with
opt-outs, disputes, promises (kept and broken) and payments arriving; then an audit that
knows nothing of the gate reads `export contacts` and checks every message sent against
the windows, the caps, the opt-outs, the statuses and the tiers, and that every eligible
account was reached."""

from __future__ import annotations

import asyncio
import csv
import json
import os
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import timezone as phone_timezone
from sqlalchemy import select

from bot import clock
from bot.campaigns.dispatcher import run_once
from bot.campaigns.ratelimit import RateLimiter
from bot.cli import main
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import CampaignSend, Debt
from tests.campaigns.helpers import GatedSender
from tests.store.helpers import write

# 300 keeps the suite quick; REPLAY_ACCOUNTS=1000 runs the full size (about 4x longer).
ACCOUNTS = int(os.environ.get("REPLAY_ACCOUNTS", "300"))
DAYS = 30
START = datetime(2026, 11, 2, 0, 0, tzinfo=timezone.utc)
WINDOW = {"us": (8, 21), "cn": (8, 22)}


def _zones(phone: str, address_zone: str):
    zones = set(phone_timezone.time_zones_for_number(phonenumbers.parse(phone)))
    zones.discard("Etc/Unknown")
    return zones | ({address_zone} if address_zone else set())


def _export(kind: str, capsys):
    assert main(["export", kind]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_thirty_day_replay_passes_an_independent_audit(db, tmp_path, capsys) -> None:
    if not db.startswith("sqlite"):
        pytest.skip("the replay runs on SQLite; PostgreSQL is covered by the concurrency tests")
    csv_path = tmp_path / "portfolio.csv"
    assert main(["demo-data", "--accounts", str(ACCOUNTS), "--seed", "7", "--out", str(csv_path)]) == 0
    assert main(["import", str(csv_path)]) == 0
    capsys.readouterr()
    with open(csv_path, encoding="utf-8") as handle:
        accounts = {r["account_id"]: r for r in csv.DictReader(handle)}
    ids = sorted(accounts)
    with session_scope() as s:
        tiers = {a: s.get(type(repo.get_account(s, a)), a).risk_tier for a in ids}

    opted = {a: START + timedelta(days=3, hours=5) for i, a in enumerate(ids) if i % 17 == 5}
    disputed = {a: START + timedelta(days=5, hours=7) for i, a in enumerate(ids) if i % 19 == 3}
    promised = [a for i, a in enumerate(ids) if i % 13 == 2]
    paid_off = {a: START + timedelta(days=10, hours=2) for i, a in enumerate(ids) if i % 23 == 4}
    touched = set(opted) | set(disputed) | set(paid_off)

    previous = clock.set_clock(clock.FixedClock(START))
    sender = GatedSender()
    try:
        for hour in range(DAYS * 24):
            now = START + timedelta(hours=hour)
            clock.get_clock().instant = now
            with session_scope() as s:
                for a, at in opted.items():
                    if at == now:
                        repo.record_optout(s, account_id=a, phone=accounts[a]["phone"],
                                           channel="sms", source="keyword", at=now)
                for a, at in disputed.items():
                    if at == now:
                        repo.set_status(s, a, "dispute")
                if now == START + timedelta(days=2):
                    for a in promised:
                        cur = accounts[a]["currency"]
                        repo.create_arrangement(s, account_id=a, debt_id=None, kind="promise",
                                                total=Decimal("50"), currency=cur,
                                                installments=[(date(2026, 11, 6), Decimal("50"))])
            if now == START + timedelta(days=5):       # half the promises are kept
                lines = [f"{a},50.00,{accounts[a]['currency']},{now.isoformat()},KEEP-{a}"
                         for a in promised[::2]]
                path = write(tmp_path, "account_id,amount,currency,paid_at,reference\n"
                             + "\n".join(lines) + "\n", "kept.csv")
                assert main(["payments", "import", str(path)]) == 0
            if now in paid_off.values():
                with session_scope() as s:
                    owed = {a: s.execute(Debt.__table__.select().where(Debt.account_id == a))
                            .first().balance for a in paid_off}
                lines = [f"{a},{owed[a]},{accounts[a]['currency']},{now.isoformat()},FULL-{a}"
                         for a in paid_off if owed[a] > 0]
                path = write(tmp_path, "account_id,amount,currency,paid_at,reference\n"
                             + "\n".join(lines) + "\n", "full.csv")
                assert main(["payments", "import", str(path)]) == 0
            asyncio.run(run_once(now=now, sender=sender, limiter=RateLimiter(0)))
    finally:
        clock.set_clock(previous)
    capsys.readouterr()

    # ---------------------------------------------------------------- the audit
    contacts = _export("contacts", capsys)
    arrangements = {a["account_id"]: a["status"] for a in _export("arrangements", capsys)}
    sent = [c for c in contacts if c["direction"] == "outbound" and c["status"] == "sent"]
    by_account = defaultdict(list)
    problems = []
    for c in sent:
        a = accounts[c["account_id"]]
        at = datetime.fromisoformat(c["at"])
        by_account[c["account_id"]].append((at, c["channel"]))
        start, end = WINDOW[a["pack"]]
        for zone in _zones(c["to"], a["timezone"]):
            local = at.astimezone(ZoneInfo(zone))
            if not start <= local.hour < end:
                problems.append(f"window: {c['id']} at {local.isoformat()} ({zone})")
        if tiers[c["account_id"]] == "high":
            problems.append(f"tier: {c['id']} to a high-tier account")
        if c["channel"] == "sms" and c["account_id"] in opted and at >= opted[c["account_id"]]:
            problems.append(f"opt-out: {c['id']} after the opt-out")
        if c["account_id"] in disputed and at >= disputed[c["account_id"]]:
            problems.append(f"status: {c['id']} after the dispute")
        if c["account_id"] in paid_off and at >= paid_off[c["account_id"]]:
            problems.append(f"paid: {c['id']} after the debt was paid")
    for account_id, items in by_account.items():
        sms = sorted(at for at, ch in items if ch == "sms")
        problems += [f"sms cap: {account_id} at {b}" for a_, b in zip(sms, sms[1:])
                     if b - a_ < timedelta(hours=24)]
        calls = sorted(at for at, ch in items if ch == "voice")
        problems += [f"voice cap: {account_id} at {calls[i]}" for i in range(7, len(calls))
                     if calls[i] - calls[i - 7] < timedelta(days=7)]
    assert problems == []
    eligible = [a for a in ids if tiers[a] in ("low", "medium") and a not in touched
                and date.fromisoformat(accounts[a]["due_date"]) <= START.date()]
    unreached = [a for a in eligible if a not in by_account]
    assert len(eligible) > ACCOUNTS // 3 and unreached == []
    assert not any(tiers[a] == "high" for a in by_account)
    # promises: kept when paid, broken otherwise, and every broken one got its follow-up
    assert {arrangements[a] for a in promised[::2]} == {"kept"}
    broken = [a for a in promised[1::2] if arrangements[a] == "broken"]
    assert broken and set(broken) == set(promised[1::2])
    with session_scope() as s:
        followed = {r.account_id for r in s.execute(select(CampaignSend).where(
            CampaignSend.step_key.like("%/broken-promise/%"))).scalars()}
    expected = {a for a in broken if tiers[a] != "high" and a not in touched}
    assert expected and expected <= followed <= {a for a in broken if tiers[a] != "high"}
    handoffs = {h["account_id"] for h in _export("handoffs", capsys)}
    assert handoffs == {a for a in ids if tiers[a] == "high"}
    print(f"replay: {len(sent)} sent to {len(by_account)} accounts; {len(eligible)} eligible; "
          f"{len(contacts) - len(sent)} other contact rows")
