"""A bounded locust run against a running stack, then an audit: 0 errors, 0 lost, 0 dup.

`python -m bench.load.run --users 200 --minutes 10` starts the Twilio stand-in and
`collectbot run` (the trained assistant, or `--trivial` for the two-intent bench bot) on
127.0.0.1, imports one demo debtor per simulated user into a private store (or
DATABASE_URL), runs locust headless for the given time, waits for the pipeline to drain and
counts, against the inbox, the outbox and what the stand-in received:
- errors: webhook requests that were not acknowledged with TwiML (locust failures);
- lost: acknowledged messages missing from the inbox or not `done`, outbox rows not `sent`;
- duplicates: texts the stand-in received beyond one per outbox row.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def audit(acked: List[str], standin: Any) -> Dict[str, int]:
    """Compare what locust got acknowledged, what the store holds and what Twilio got."""
    from sqlalchemy import func, select

    from bot.store.db import session_scope
    from bot.store.models import InboxMessage, OutboxMessage

    with session_scope() as s:
        inbox = dict(s.execute(select(InboxMessage.sid, InboxMessage.status)).all())
        outbox_status = dict(s.execute(select(OutboxMessage.status, func.count())
                                       .group_by(OutboxMessage.status)).all())
        sent_sids = set(s.execute(select(OutboxMessage.provider_sid)
                                  .where(OutboxMessage.status == "sent")).scalars())
    received = standin.messages()
    return {
        "acknowledged": len(acked),
        "inbox_rows": len(inbox),
        "lost_inbound": sum(1 for sid in acked if inbox.get(sid) != "done"),
        "inbox_failed": sum(1 for status in inbox.values() if status == "failed"),
        "outbox_sent": outbox_status.get("sent", 0),
        "lost_outbound": sum(n for status, n in outbox_status.items() if status != "sent"),
        "duplicate_replies": len(received) - len({m.sid for m in received}) +
        sum(1 for m in received if m.sid not in sent_sids),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.run")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--spawn-rate", type=float, default=20.0)
    parser.add_argument("--think", default="2,6",
                        help="min,max seconds each simulated debtor pauses between texts")
    parser.add_argument("--trivial", action="store_true", help="the two-intent bench bot")
    parser.add_argument("--postgres", action="store_true",
                        help="a private schema on PostgreSQL (tests' COLLECTBOT_TEST_PG base) "
                             "and Redis (THROUGHPUT_REDIS_URL), so `collectbot run` starts one "
                             "turn process per core, as a deployment does")
    parser.add_argument("--workers", type=int, default=None,
                        help="turn processes of `collectbot run` (default: its own default)")
    args = parser.parse_args(argv)

    from bot.config import get_settings, reset_settings
    from bot.store.db import reset_engine

    settings = get_settings()
    work = settings.var_dir / "bench" / "load"
    work.mkdir(parents=True, exist_ok=True)
    dropper = None
    if args.postgres:
        from bench.throughput_bench import REDIS_URL, _private_schema

        os.environ["DATABASE_URL"], dropper = _private_schema()
        os.environ.setdefault("REDIS_URL", REDIS_URL)
    if args.workers is not None:
        os.environ["COLLECTBOT_TURN_PROCESSES"] = str(args.workers)
    if not os.environ.get("DATABASE_URL"):
        db_file = work / "load.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    reset_settings()
    reset_engine()
    from bench.pipeline_bench import _import_debtors

    phones = _import_debtors(args.users)
    (work / "phones.txt").write_text("\n".join(phones), encoding="utf-8")
    if args.trivial:
        from bench.webhook_bench import vanilla_model

        model = vanilla_model(settings.var_dir)
    else:
        from bot.training import ensure_model

        model = ensure_model()
    try:
        return _drive(args, model, phones, work)
    finally:
        if dropper is not None:
            reset_engine()
            admin, schema = dropper
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()


def _drive(args: argparse.Namespace, model: Path, phones: List[str], work: Path) -> int:
    """Start the stack, run locust, drain, audit, print the result."""
    from bot.runtime.harness import RunningAssistant

    sids_file = work / "acked_sids.txt"
    sids_file.unlink(missing_ok=True)
    stack = RunningAssistant(model, log_file=work / "server.log").start(1200)  # busy hosts load slowly
    try:
        env = {**os.environ, "LOAD_PHONES_FILE": str(work / "phones.txt"),
               "LOAD_PUBLIC_URL": stack.env["PUBLIC_URL"],
               "LOAD_AUTH_TOKEN": stack.env["TWILIO_AUTH_TOKEN"],
               "LOAD_TWILIO_NUMBER": stack.env["TWILIO_NUMBER"],
               "LOAD_SIDS_FILE": str(sids_file), "LOAD_THINK_SECONDS": args.think}
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
             "--headless", "--host", stack.url, "-u", str(args.users),
             "-r", str(args.spawn_rate), "-t", f"{int(args.minutes * 60)}s",
             "--csv", str(work / "locust"), "--only-summary", "--loglevel", "WARNING"],
            env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        ran = time.monotonic() - started
        stack.wait_idle(600)
        time.sleep(1.0)  # a duplicate send would land after the outbox looked empty
        acked = [s for s in sids_file.read_text(encoding="utf-8").split("\n") if s] \
            if sids_file.exists() else []
        result = audit(acked, stack.standin)
    finally:
        stack.stop()
    with open(work / "locust_stats.csv", encoding="utf-8") as stats_file:
        total = next(r for r in csv.DictReader(stats_file) if r["Name"] == "Aggregated")
    result.update({
        "users": args.users, "think_s": args.think, "seconds": round(ran, 1),
        "model": "trivial" if args.trivial else "assistant",
        "turn_processes": os.environ.get("COLLECTBOT_TURN_PROCESSES", "default"),
        "redis": bool(os.environ.get("REDIS_URL")),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "database": os.environ["DATABASE_URL"].split(":", 1)[0],
        "requests": int(total["Request Count"]), "errors": int(total["Failure Count"]),
        "ack_p50_ms": float(total["50%"]), "ack_p99_ms": float(total["99%"]),
        "requests_per_s": round(float(total["Requests/s"]), 1),
    })
    print(json.dumps(result, indent=2))
    ok = not (result["errors"] or result["lost_inbound"] or result["lost_outbound"]
              or result["duplicate_replies"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
