"""Campaign planning benchmark: 10,000 and 100,000 accounts, and the per-number rate limit.

A synthetic portfolio (`bot.demo_data`) is imported into a fresh SQLite file by one child
process; another child then times the dispatcher's planning (`bot.campaigns.planner.plan`,
every account's local day and every campaign step) on its own, and planning + writing the
ledger rows (`write_plan`), and reports accounts/s and that child's peak memory. If memory
is flat, the 100,000-account peak is about the 10,000-account one. Goal: >= 5,000 accounts/s.

The rate-limit check sends 2 x 20 "messages" through `RateLimiter` on the real clock at the
configured rate and reports the smallest gap between two sends from one number.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict

from bench import import_bench
from bench.import_bench import _peak_rss_mb

SIZES = (10_000, 100_000)
SEED = 11
NOW = datetime(2026, 11, 8, 16, 0, tzinfo=timezone.utc)
RATE = 20.0


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    from bot.config import reset_settings
    from bot.store.db import reset_engine
    from bot.store.migrate import upgrade

    reset_settings()
    upgrade(url)
    reset_engine()


def _child_load(csv_path: str, url: str) -> Dict[str, Any]:
    _setup(url)
    from bot.store.portfolio import import_portfolio

    return {"rows": import_portfolio(Path(csv_path)).rows}


def _child_plan(url: str) -> Dict[str, Any]:
    _setup(url)
    from sqlalchemy import func, select

    from bot.campaigns.definitions import load_campaigns
    from bot.campaigns.dispatcher import write_plan
    from bot.campaigns.planner import plan
    from bot.store.db import session_scope
    from bot.store.models import Account

    campaigns = load_campaigns()
    with session_scope() as s:
        accounts = s.execute(select(func.count()).select_from(Account)).scalar_one()
        started = time.perf_counter()
        due = sum(1 for _ in plan(s, campaigns, NOW, 2))
        plan_seconds = time.perf_counter() - started
    with session_scope() as s:
        started = time.perf_counter()
        written = write_plan(s, plan(s, campaigns, NOW, 2), NOW)
    write_seconds = time.perf_counter() - started
    return {"accounts": accounts, "due": due, "written": written,
            "plan_seconds": round(plan_seconds, 2),
            "plan_accounts_per_s": round(accounts / plan_seconds),
            "plan_and_write_seconds": round(write_seconds, 2),
            "plan_and_write_accounts_per_s": round(accounts / write_seconds),
            "peak_rss_mb": round(_peak_rss_mb(), 1)}


def _in_child(job: str, *args: str) -> Dict[str, Any]:
    return import_bench._in_child(job, *args, module="bench.campaign_bench")


def rate_limit_check(rate: float = RATE, per_number: int = 20) -> Dict[str, Any]:
    """Real-clock sends from two numbers, interleaved, through one limiter."""
    from bot.campaigns.ratelimit import RateLimiter

    limiter = RateLimiter(rate)
    stamps: Dict[str, list] = {"+15005550006": [], "+15005550007": []}

    async def burst() -> None:
        for _ in range(per_number):
            for number, times in stamps.items():
                await limiter.wait(number)
                times.append(time.monotonic())

    started = time.monotonic()
    asyncio.run(burst())
    seconds = time.monotonic() - started
    gaps = [b - a for times in stamps.values() for a, b in zip(times, times[1:])]
    return {"limit_per_s": rate, "sends": per_number * len(stamps), "seconds": round(seconds, 2),
            "min_gap_s": round(min(gaps), 4), "required_gap_s": round(1 / rate, 4),
            "per_number_rate": round(min((len(t) - 1) / (t[-1] - t[0]) for t in stamps.values()), 2),
            "holds": min(gaps) >= (1 / rate) * 0.99}


def run() -> Dict[str, Any]:
    from bot.demo_data import write_csv

    results: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="collectbot-campaign-bench-") as tmp:
        for size in SIZES:
            csv_path, url = Path(tmp) / f"p{size}.csv", f"sqlite:///{Path(tmp) / f'p{size}.db'}"
            write_csv(csv_path, size, SEED)
            _in_child("load", str(csv_path), url)
            measured = _in_child("plan", url)
            results[f"sqlite_{size}"] = measured
            print(f"   {size:>7,} accounts: plan {measured['plan_accounts_per_s']:>8,} accounts/s, "
                  f"plan+write {measured['plan_and_write_accounts_per_s']:>8,} accounts/s "
                  f"({measured['due']:,} due), peak {measured['peak_rss_mb']:.0f} MB", flush=True)
    check = rate_limit_check()
    results["rate_limit"] = check
    print(f"   rate limit {check['limit_per_s']}/s per number: min gap {check['min_gap_s']} s "
          f"(needs >= {check['required_gap_s']}): {'holds' if check['holds'] else 'VIOLATED'}",
          flush=True)
    return results


def _child_main(argv: list[str]) -> int:
    job, args = argv[0], argv[1:]
    result = _child_load(*args) if job == "load" else _child_plan(*args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(_child_main(sys.argv[2:]))
    print(json.dumps(run(), indent=2))
