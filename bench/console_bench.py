"""How fast a handoff reaches the agents' console, with the real model.

`collectbot run` (child process, trained model, SQLite in a temp directory) serves the
console; one agent who covers every queue is logged in. Debtors each text "i want to talk to
a person" through the signed SMS webhook, one after another. Measured per debtor: from the
moment the webhook request starts until the agent's `/console/poll` (polled every 20 ms)
reports the new handoff. The browser page polls every 0.5 s, so what a person sees adds
at most that plus one page fetch; the cost of one poll request is measured too. Baseline, same run: the webhook round trip alone
(the bot's own work on the message, which includes creating the handoff).
"""

from __future__ import annotations

import csv
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

DEBTORS = 10
PASSWORD = "bench-password-123"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _ms(values: List[float]) -> Dict[str, float]:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def run(debtors: int = DEBTORS) -> Dict[str, Any]:
    import requests

    from bot.config import reset_settings
    from bot.store.db import reset_engine

    with tempfile.TemporaryDirectory(prefix="collectbot-console-bench-") as tmp:
        os.environ["COLLECTBOT_VAR"] = tmp
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        reset_settings()
        reset_engine()
        from bot.cli import main as cli
        from bot.console.agents import add_agent
        from bot.demo_data import write_csv
        from bot.runtime.harness import RunningAssistant
        from bot.store.db import session_scope
        from bot.training import ensure_model

        portfolio = Path(tmp) / "portfolio.csv"
        write_csv(portfolio, max(debtors * 3, 30), 7)
        assert cli(["db", "upgrade"]) == 0 and cli(["import", str(portfolio)]) == 0
        with portfolio.open(encoding="utf-8") as handle:
            phones = [row["phone"] for row in csv.DictReader(handle)
                      if row.get("language", "en") == "en"][:debtors]
        with session_scope() as s:
            add_agent(s, "bench", role="agent", password=PASSWORD, languages=["en", "zh"],
                      packs=["us", "cn"], skills=["hardship", "legal"], capacity=1000)
        model = ensure_model()
        to_console: List[float] = []
        webhook: List[float] = []
        polls: List[float] = []
        with RunningAssistant(model, log_file=Path(tmp) / "server.log") as bot:
            http = requests.Session()
            page = http.get(f"{bot.url}/console/login", timeout=10).text
            http.post(f"{bot.url}/console/login", timeout=10, data={
                "name": "bench", "password": PASSWORD, "csrf": _CSRF.search(page).group(1)})
            bot.post_sms(phones[0], "hi")  # warm-up (model, connections)
            for count, phone in enumerate(phones, start=1):
                started = time.perf_counter()
                assert bot.post_sms(phone, "i want to talk to a person") == 200
                webhook.append(time.perf_counter() - started)
                while http.get(f"{bot.url}/console/poll", timeout=10).json()["open"] < count:
                    if time.perf_counter() - started > 60:
                        raise RuntimeError(f"handoff {count} never reached the console; see "
                                           f"{Path(tmp) / 'server.log'}")
                    time.sleep(0.02)
                to_console.append(time.perf_counter() - started)
            for _ in range(50):
                started = time.perf_counter()
                http.get(f"{bot.url}/console/poll", timeout=10).raise_for_status()
                polls.append(time.perf_counter() - started)
        results = {"debtors": len(phones), "message_to_console": _ms(to_console),
                   "baseline_webhook_round_trip": _ms(webhook),
                   f"poll_request_{len(phones)}_open": _ms(polls)}
        print(f"   debtor message -> in the agent's console: median "
              f"{results['message_to_console']['median_ms']} ms, max "
              f"{results['message_to_console']['max_ms']} ms over {len(phones)} debtors", flush=True)
        print(f"   baseline webhook round trip:             median "
              f"{results['baseline_webhook_round_trip']['median_ms']} ms, max "
              f"{results['baseline_webhook_round_trip']['max_ms']} ms", flush=True)
        poll = results[f"poll_request_{len(phones)}_open"]
        print(f"   one /console/poll request ({len(phones)} open): median {poll['median_ms']} ms, "
              f"max {poll['max_ms']} ms", flush=True)
        print("   (the page polls every 0.5 s: add up to that plus a page fetch for what a "
              "person sees)", flush=True)
    reset_settings()
    reset_engine()
    return results
