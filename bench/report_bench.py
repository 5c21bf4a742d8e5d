"""Report benchmark on PostgreSQL: the dashboard's default view (30 days, headline numbers,
the daily trend, alerts) and `report --by day,tier`, for a generated portfolio of 10,000
accounts / 100,000 contacts and 100,000 accounts / 1,000,000 contacts. Goal: < 2 s for the
dashboard's default view.

The portfolio is loaded with COPY into a fresh schema (Alembic-migrated, dropped afterwards):
per account one debt and ten contacts over 30 days, a campaign ledger of half as many rows,
plus verifications, arrangements, payments, opt-outs, handoffs with routing and agents'
reply evidence in realistic shares.
Each timing is the best of three runs after one warm-up (the numbers a supervisor reloading
the page sees); the first, cold run is reported too.
"""

from __future__ import annotations

import io
import os
import random
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Iterable, Sequence

SIZES = ((10_000, 100_000), (100_000, 1_000_000))
PG_BASE_URL = os.environ.get("COLLECTBOT_BENCH_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
DAYS = 30
STATUSES = ("sent", "delivered", "delivered", "delivered", "failed", "blocked", "deferred",
            "answered", "voicemail", "no_answer")
RULES = ("quiet_hours", "frequency_cap", "opt_out", "threat")


def _copy(raw: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buf.seek(0)
    with raw.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)


def _load(raw: Any, accounts: int, contacts: int, seed: int = 14) -> None:
    rng = random.Random(seed)
    now = START + timedelta(days=DAYS)
    ids = [f"B{i:07d}" for i in range(accounts)]
    lang = ["zh" if i % 3 == 0 else "en" for i in range(accounts)]
    _copy(raw, "accounts", ("account_id", "name", "language", "pack", "creditor", "risk_tier",
                            "created_at", "updated_at"),
          ((a, f"Debtor {a}", lang[i], "cn" if lang[i] == "zh" else "us",
            f"Creditor {i % 5}", ("low", "medium", "high")[i % 3], now, now)
           for i, a in enumerate(ids)))
    _copy(raw, "debts", ("account_id", "ref", "principal", "interest", "fees", "balance",
                         "currency", "days_past_due", "time_barred", "status", "updated_at"),
          ((a, "portfolio", "1000.00", "100.00", "10.00", "1110.00",
            "CNY" if lang[i] == "zh" else "USD", 40, False, "open", now)
           for i, a in enumerate(ids)))

    def at() -> datetime:
        return START + timedelta(seconds=rng.randrange(DAYS * 86400))

    def contact_rows():
        for _ in range(contacts):
            i = rng.randrange(accounts)
            status = rng.choice(STATUSES)
            inbound = rng.random() < 0.1
            reasons = f'["{rng.choice(RULES)}: x"]' if status in ("blocked", "deferred") else "[]"
            yield (ids[i], rng.choice(("sms", "voice")), "inbound" if inbound else "outbound",
                   at(), "+15005550001", "+15005550006", "received" if inbound else status,
                   reasons, "text")
    _copy(raw, "contact_attempts", ("account_id", "channel", "direction", "at", "to_number",
                                    "from_number", "status", "reasons", "text"), contact_rows())
    _copy(raw, "verifications", ("account_id", "phone", "at"),
          ((ids[rng.randrange(accounts)], "+15005550001", at()) for _ in range(accounts // 3)))
    _copy(raw, "arrangements", ("account_id", "kind", "total", "currency", "status", "created_at"),
          ((ids[i], rng.choice(("promise", "plan", "settlement")), "300.00",
            "CNY" if lang[i] == "zh" else "USD",
            rng.choice(("accepted", "kept", "broken", "proposed")), at())
           for i in (rng.randrange(accounts) for _ in range(accounts // 5))))
    _copy(raw, "payments", ("account_id", "amount", "currency", "paid_at", "reference",
                            "imported_at"),
          ((ids[i], "120.00", "CNY" if lang[i] == "zh" else "USD", at(), f"R{n}", now)
           for n, i in enumerate(rng.randrange(accounts) for _ in range(accounts // 8))))
    _copy(raw, "optouts", ("account_id", "phone", "channel", "source", "at", "active"),
          ((ids[rng.randrange(accounts)], "+15005550001", "sms", "keyword", at(), True)
           for _ in range(accounts // 50)))
    handoffs = accounts // 20
    created = [at() for _ in range(handoffs)]
    _copy(raw, "handoffs", ("id", "account_id", "reason", "status", "created_at"),
          ((n + 1, ids[rng.randrange(accounts)],
            rng.choice(("complaint", "dispute", "distress", "human_request", "negative_emotion",
                        "dispute,distress")), "resolved",
            created[n]) for n in range(handoffs)))
    _copy(raw, "handoff_routing", ("handoff_id", "priority", "language", "pack", "due_at",
                                   "intents"),
          ((n + 1, 1, "en", "us", created[n] + timedelta(hours=1), "[]") for n in range(handoffs)))
    _copy(raw, "evidence", ("seq", "kind", "at", "payload", "prev_hash", "hash"),
          ((n + 1, "console.reply", created[n] + timedelta(seconds=rng.randrange(60, 7200)),
            f'{{"agent":"ann","handoff_id":{n + 1},"status":"allowed"}}',
            uuid.uuid4().hex * 2, uuid.uuid4().hex * 2) for n in range(handoffs)))
    ledger = contacts // 2  # the campaign ledger: one row per planned outbound send
    _copy(raw, "campaign_sends", ("account_id", "campaign", "step_key", "local_day", "channel",
                                  "status", "reasons", "next_attempt_at", "expires_at",
                                  "attempts", "created_at", "updated_at"),
          ((ids[n % accounts], ("low_reminders", "medium_negotiation")[n % 2],
            f"step{n // accounts}", (START + timedelta(days=n // accounts)).date(), "sms",
            rng.choice(("sent", "sent", "sent", "blocked", "deferred", "failed")), "[]",
            now, now, 1, START + timedelta(days=n // accounts, seconds=rng.randrange(86400)), now)
           for n in range(ledger)))
    with raw.cursor() as cur:
        cur.execute("ANALYZE")
    raw.commit()


def _timed(fn: Any) -> Dict[str, float]:
    cold = time.perf_counter()
    fn()
    cold = time.perf_counter() - cold
    best = min(_once(fn) for _ in range(3))
    return {"cold_s": round(cold, 3), "best_s": round(best, 3)}


def _once(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _measure(url: str, accounts: int, contacts: int) -> Dict[str, Any]:
    import sqlalchemy as sa

    from bot.config import reset_settings
    from bot.store.db import reset_engine, session_scope
    from bot.store.migrate import upgrade

    os.environ["DATABASE_URL"] = url
    reset_settings()
    upgrade(url)
    reset_engine()
    engine = sa.create_engine(url, future=True)
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        _load(raw, accounts, contacts)
    finally:
        raw.close()
        engine.dispose()
    load_s = time.perf_counter() - started

    from bot.reports.dashboard import view
    from bot.reports.metrics import ReportQuery, compute

    q = ReportQuery(start=date(2026, 10, 1), end=date(2026, 10, 30))

    def dashboard() -> None:
        with session_scope() as s:
            view(s, q)

    def by_day_tier() -> None:
        with session_scope() as s:
            compute(s, ReportQuery(start=q.start, end=q.end, by=("day", "tier")))

    return {"accounts": accounts, "contacts": contacts, "load_s": round(load_s, 1),
            "dashboard_default_view": _timed(dashboard),
            "report_by_day_tier": _timed(by_day_tier), "goal_s": 2.0}


def run() -> Dict[str, Any]:
    import sqlalchemy as sa

    admin = sa.create_engine(PG_BASE_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError:
        admin.dispose()
        return {"skipped": "PostgreSQL not reachable"}
    sizes = SIZES[:1] if os.environ.get("COLLECTBOT_BENCH_QUICK") else SIZES
    results = {}
    for accounts, contacts in sizes:
        schema = f"cbbench_report_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            result = _measure(f"{PG_BASE_URL}?options=-csearch_path%3D{schema}", accounts, contacts)
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        print(f"   {accounts:,} accounts / {contacts:,} contacts: dashboard default view "
              f"{result['dashboard_default_view']['best_s']} s (cold "
              f"{result['dashboard_default_view']['cold_s']} s), report by day,tier "
              f"{result['report_by_day_tier']['best_s']} s; load {result['load_s']} s", flush=True)
        results[f"{accounts}_accounts"] = result
    admin.dispose()
    return results
