"""Webhook-to-outbound-send latency of the compliant SMS channel, beside vanilla Rasa.

Ours: a signed Twilio webhook posted to `collectbot run` (child process) until the Twilio
stand-in (in this process) receives the reply send, so the measure includes signature
check, idempotency claim, contact recording, NLU + dialogue, the gate and the queued send.
Vanilla: Rasa's own REST channel on a trivial bot (greet -> utter_greet, goodbye, trained
once into var/bench/vanilla/), request to response, with the in-memory tracker store and
again with Rasa's SQLTrackerStore (which several replicas need). Our channel is measured on
the same trivial bot too, so its own cost shows apart from the assistant's. All at 1, 20
and 200 concurrent conversations, loopback only, bounded request counts. Errors are
counted, never hidden.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

#: concurrent conversations -> messages per conversation
LEVELS = {1: 10, 20: 3, 200: 1}
REPLY_TIMEOUT = 120.0
#: messages on a separate conversation before measuring (model and connection warm-up)
WARM_UP = 3

VANILLA_FILES = {
    "domain.yml": """version: "3.1"
intents: [greet, goodbye]
responses:
  utter_greet:
  - text: "Hello!"
  utter_goodbye:
  - text: "Bye!"
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
""",
    "data/nlu.yml": """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hi
    - hello
    - hey
    - good morning
    - hello there
- intent: goodbye
  examples: |
    - bye
    - goodbye
    - see you
    - good night
    - bye bye
""",
    "data/rules.yml": """version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
- rule: goodbye
  steps:
  - intent: goodbye
  - action: utter_goodbye
""",
    "config.yml": """recipe: default.v1
language: en
assistant_id: bench
pipeline:
- name: WhitespaceTokenizer
- name: CountVectorsFeaturizer
- name: LogisticRegressionClassifier
policies:
- name: RulePolicy
""",
    "credentials.yml": "rest: {}\n",
}


def percentile(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summarize(latencies: List[float], errors: int) -> Dict[str, Any]:
    return {
        "requests": len(latencies) + errors,
        "errors": errors,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


# ---------------------------------------------------------------- vanilla Rasa
def vanilla_model(var_dir: Path) -> Path:
    """Train the trivial bot once into var/bench/vanilla/models/ (reused afterwards)."""
    root = var_dir / "bench" / "vanilla"
    for name, content in VANILLA_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
    models = sorted((root / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--quiet", "--fixed-model-name", "vanilla",
         "--out", "models"], cwd=root, check=True, stdout=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    return root / "models" / "vanilla.tar.gz"


async def _vanilla_conversation(http: aiohttp.ClientSession, url: str, sender: str,
                                count: int, latencies: List[float]) -> int:
    errors = 0
    for _ in range(count):
        started = time.perf_counter()
        try:
            async with http.post(url, json={"sender": sender, "message": "hi"}) as resp:
                payload = await resp.json()
                if resp.status != 200 or not payload:
                    errors += 1
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError):
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)
    return errors


def bench_vanilla(var_dir: Path, sql_tracker_store: bool = False) -> Dict[str, Any]:
    """Rasa's REST channel on the trivial bot; with `sql_tracker_store`, Rasa's own
    SQLTrackerStore on a fresh SQLite file (what any deployment with replicas needs), so
    the channel's own cost can be told apart from the tracker store's."""
    from bot.runtime.action_server import free_port, stop_process, wait_http

    model = vanilla_model(var_dir)
    root = model.parent.parent
    port = free_port()
    extra: List[str] = []
    if sql_tracker_store:
        db_file = root / "tracker.db"
        db_file.unlink(missing_ok=True)
        endpoints = root / "endpoints-sql.yml"
        endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {db_file}\n",
                             encoding="utf-8")
        extra = ["--endpoints", str(endpoints)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--port", str(port), "--model", str(model),
         "--credentials", "credentials.yml", "--enable-api", *extra],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/status", 180, proc)
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"

        async def level(concurrency: int, count: int) -> Dict[str, Any]:
            latencies: List[float] = []
            timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
                results = await asyncio.gather(*(
                    _vanilla_conversation(http, url, f"v{concurrency}-{i}", count, latencies)
                    for i in range(concurrency)))
            return summarize(latencies, sum(results))

        asyncio.run(level(1, WARM_UP))  # first predictions build TF graphs: not measured
        return {str(c): asyncio.run(level(c, n)) for c, n in LEVELS.items()}
    finally:
        stop_process(proc)


# ---------------------------------------------------------------- collectbot
def _bench_phones(count: int) -> List[str]:
    """Phones of imported accounts (the realistic path: account, recipient, history)."""
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import Phone

    with session_scope() as s:
        phones = [p for (p,) in s.execute(select(Phone.e164).order_by(Phone.e164)).all()]
    return phones[:count]


def _prepare_store(var_dir: Path, accounts: int) -> None:
    from bot.cli import main as cli

    csv_path = var_dir / "bench" / "portfolio.csv"
    if cli(["db", "upgrade"]) != 0:
        raise RuntimeError("collectbot db upgrade failed")
    if cli(["demo-data", "--accounts", str(accounts), "--seed", "11", "--out", str(csv_path)]) != 0:
        raise RuntimeError("collectbot demo-data failed")
    if cli(["import", str(csv_path)]) != 0:
        raise RuntimeError("collectbot import failed")


async def _ours_conversation(assistant: Any, http: aiohttp.ClientSession, phone: str,
                             count: int, latencies: List[float]) -> int:
    from bot.runtime.harness import new_message_sid

    errors = 0
    for _ in range(count):
        seen = len(assistant.standin.messages(phone))
        params = {"From": phone, "To": assistant.env["TWILIO_NUMBER"], "Body": "hi",
                  "MessageSid": new_message_sid(), "AccountSid": "AC" + "0" * 32}
        body, headers = assistant.signed_form("/webhooks/twilio/webhook", params)
        started = time.perf_counter()
        try:
            async with http.post(f"{assistant.url}/webhooks/twilio/webhook", data=body,
                                 headers=headers) as resp:
                await resp.read()
                if resp.status != 200:
                    errors += 1
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError):
            errors += 1
            continue
        deadline = time.monotonic() + REPLY_TIMEOUT
        while True:
            sent = assistant.standin.messages(phone)
            if len(sent) > seen:
                latencies.append(sent[seen].received_at - started)
                break
            if time.monotonic() > deadline:
                errors += 1
                break
            # the latency is the stand-in's own arrival time; polling only has to notice it
            await asyncio.sleep(0.01)
    return errors


def bench_ours(var_dir: Path, model: Optional[Path] = None) -> Dict[str, Any]:
    """`collectbot run` with `model` (default: the assistant's own) behind the signed SMS
    webhook; with the trivial bot's model the difference to vanilla is the channel's cost
    (signature, idempotency, store, gate, evidence, queued send, SQL tracker store)."""
    from bot.config import get_settings, reset_settings
    from bot.runtime.harness import RunningAssistant
    from bot.training import ensure_model

    bench_dir = var_dir / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    saved = os.environ.get("DATABASE_URL")
    if not saved:  # a private SQLite file: the benchmark never touches the dev database
        db_file = bench_dir / "collectbot.db"
        db_file.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    reset_settings()
    try:
        total = max(LEVELS)
        _prepare_store(var_dir, total + sum(LEVELS) + 5)
        phones = _bench_phones(sum(LEVELS) + 1)
        if len(phones) < sum(LEVELS) + 1:
            raise RuntimeError(f"only {len(phones)} phones imported")
        model = model or ensure_model()
        out: Dict[str, Any] = {"database": get_settings().database_url.split(":", 1)[0]}
        with RunningAssistant(model, log_file=bench_dir / "server.log") as assistant:
            async def level(group: List[str], count: int) -> Dict[str, Any]:
                latencies: List[float] = []
                timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
                connector = aiohttp.TCPConnector(limit=0)
                async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
                    results = await asyncio.gather(*(
                        _ours_conversation(assistant, http, p, count, latencies)
                        for p in group))
                return summarize(latencies, sum(results))

            asyncio.run(level(phones[:1], WARM_UP))  # unmeasured, as for vanilla
            offset = 1
            for concurrency, count in LEVELS.items():
                group = phones[offset:offset + concurrency]
                offset += concurrency
                out[str(concurrency)] = asyncio.run(level(group, count))
        return out
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        reset_settings()


def run() -> Dict[str, Any]:
    """Measure all three, same run, same machine; p95 ratios at 20 concurrent conversations."""
    from bot.config import get_settings

    var_dir = get_settings().var_dir
    vanilla = bench_vanilla(var_dir)
    vanilla_sql = bench_vanilla(var_dir, sql_tracker_store=True)
    channel = bench_ours(var_dir, vanilla_model(var_dir))
    ours = bench_ours(var_dir)
    result: Dict[str, Any] = {"collectbot_sms_webhook_to_send": ours,
                              "collectbot_channel_on_trivial_bot": channel,
                              "vanilla_rasa_rest": vanilla,
                              "vanilla_rasa_rest_sql_tracker_store": vanilla_sql}
    for key, measured, base in (("p95_ratio_at_20", ours, vanilla),
                                ("channel_p95_ratio_at_20", channel, vanilla),
                                ("channel_p95_ratio_at_20_vs_sql_vanilla", channel, vanilla_sql)):
        p95, base20 = measured.get("20", {}).get("p95_ms"), base.get("20", {}).get("p95_ms")
        if p95 and base20:
            result[key] = round(p95 / base20, 2)
    result["errors_at_200"] = ours.get("200", {}).get("errors")
    result["channel_errors_at_200"] = channel.get("200", {}).get("errors")
    for name, measured in (("vanilla REST, trivial bot", vanilla),
                           ("vanilla REST + SQL trackers", vanilla_sql),
                           ("collectbot SMS, trivial bot", channel),
                           ("collectbot SMS, assistant", ours)):
        cells = "  ".join(f"{c:>3} conc p50 {measured[c]['p50_ms']} / p95 {measured[c]['p95_ms']} ms"
                          f" ({measured[c]['errors']} err)"
                          for c in map(str, LEVELS) if c in measured)
        print(f"   {name:<28} {cells}", flush=True)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
