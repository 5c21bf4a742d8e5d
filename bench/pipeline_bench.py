"""The durable pipeline: webhook acknowledgement latency, and our own per-message cost.

ack (one process, the baseline for the front/turn-process split that the throughput bench
measures against the real stack): the real SMS channel (signature check + one inbox INSERT + empty TwiML) served by
Sanic in a child process, with its inbox workers and outbox sender running (an echo
assistant stands in for Rasa, so workers compete with the webhook for the database the way
they do in production), driven by signed webhooks at 1, 20 and 200 concurrent debtors,
from aiohttp in this process and from wrk (`ACK_CLIENTS`); p50/p99 of request ->
acknowledgement, and the CPU per request of the server and of the load generator. Every reply is then awaited at the Twilio stand-in
and lost/duplicate replies are counted.

overhead: in this process, one message at a time, everything of ours a message costs
without Rasa and without Twilio's network: inbox INSERT, claim, account lookup, inbound
contact row, the gate and its decision record, the outbox row, closing the inbox row,
the outbox claim and the `sent` contact row (the Twilio client is a no-op stand-in).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

#: concurrent debtors -> messages each
LEVELS = {1: 30, 20: 5, 200: 2}
OVERHEAD_MESSAGES = 200
#: which parts to run (PIPELINE_BENCH_PARTS=overhead,ack,split_equal,split; default all)
PARTS = set(os.environ.get("PIPELINE_BENCH_PARTS",
                           "overhead,ack,split_equal,split").split(","))
WARM_UP = 5
#: the "split" part's turn process: COLLECTBOT_TURN_NICE, or this when that is 0 (the
#: default, equal priority, which "split_equal" already measures)
SPLIT_TURN_NICE = 10
AUTH_TOKEN = "bench-auth-token"
OUR_NUMBER = "+15005550006"
REPLY = re.compile(r"Got it: (msg \d+)")
#: the acknowledgement bench's load generators: "aiohttp" (in this process: signing,
#: connecting and reading in Python, whose CPU competes with the server's on a small
#: host) and "wrk" (a C client fed with pre-signed requests; used when `wrk` is
#: installed). ACK_CLIENTS=aiohttp,wrk runs both, level by level, so each sees the same
#: conditions; their numbers are reported side by side.
ACK_CLIENTS = [c for c in os.environ.get("ACK_CLIENTS", "aiohttp,wrk").split(",")
               if c != "wrk" or shutil.which("wrk")]
WEBHOOK_PATH = "/webhooks/twilio/webhook"
WRK_SCRIPT = Path(__file__).with_name("ack_wrk.lua")


def _pct(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 2)


# ---------------------------------------------------------------- the served channel
class EchoAssistant:
    """Answers each message with one text, as a one-line bot turn would."""

    async def __call__(self, message: Any) -> None:
        await message.output_channel.send_response(message.sender_id,
                                                   {"text": f"Got it: {message.text}"})


def serve(port: int) -> None:
    """Child process: the real SMS channel blueprint with its pipeline, on `port`."""
    from sanic import Sanic

    from bot.channels.twilio_sms import CompliantTwilioInput
    from bot.runtime.logs import configure_logs

    configure_logs(30)
    app = Sanic("pipeline_bench")
    channel = CompliantTwilioInput.from_credentials({})
    app.blueprint(channel.blueprint(EchoAssistant()), url_prefix="/webhooks/twilio")
    from bot.runtime.server import LISTEN_BACKLOG, _freeze_loaded_objects

    # as `collectbot run` does once loaded: without it every full collection walked the
    # ~190,000 objects of the imports again, a 0.4-0.5 s pause (measured under load) that
    # landed on whichever burst of acknowledgements was being served
    app.register_listener(_freeze_loaded_objects, "before_server_start")

    app.run(host="127.0.0.1", port=port, access_log=False, motd=False, workers=1,
            backlog=LISTEN_BACKLOG)


# ---------------------------------------------------------------- helpers
def _private_store(var_dir: Path) -> str:
    """DATABASE_URL if set (e.g. PostgreSQL), else a fresh SQLite file under var/bench."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    db_file = var_dir / "bench" / "pipeline.db"
    db_file.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_file) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{db_file}"


def _import_debtors(count: int) -> List[str]:
    """Import `count` demo debtors (the realistic path: account, recipient, history)."""
    from sqlalchemy import select

    from bot.cli import main as cli
    from bot.config import get_settings
    from bot.store.db import session_scope
    from bot.store.models import Phone

    csv_path = get_settings().var_dir / "bench" / "pipeline_portfolio.csv"
    for argv in (["db", "upgrade"],
                 ["demo-data", "--accounts", str(count), "--seed", "13", "--out", str(csv_path)],
                 ["import", str(csv_path)]):
        if cli(argv) != 0:
            raise RuntimeError(f"collectbot {' '.join(argv)} failed")
    with session_scope() as s:
        return [p for (p,) in s.execute(select(Phone.e164).order_by(Phone.e164)).all()][:count]


# ---------------------------------------------------------------- ack latency
def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _debtor(http: aiohttp.ClientSession, url: str, public: str, phone: str, count: int,
                  acks: List[float], sids: List[str], auth_token: str = AUTH_TOKEN,
                  to_number: str = OUR_NUMBER) -> int:
    from bot.channels.webhook import sign

    errors = 0
    for i in range(count):
        sid = "SM" + uuid.uuid4().hex
        params = {"From": phone, "To": to_number, "Body": f"msg {i}", "MessageSid": sid,
                  "AccountSid": "AC" + "0" * 32}
        headers = {"X-Twilio-Signature": sign(public, params, auth_token),
                   "Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        try:
            async with http.post(url, data=urllib.parse.urlencode(params), headers=headers) as r:
                await r.read()
                ok = r.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            ok = False
        if ok:
            acks.append(time.perf_counter() - started)
            sids.append(sid)
        else:
            errors += 1
    return errors


async def _level(base: str, group: List[str], count: int, acks: List[float],
                 sids: List[str], *, public: Optional[str] = None,
                 auth_token: str = AUTH_TOKEN, to_number: str = OUR_NUMBER) -> int:
    """All of `group` posting `count` messages each at once; returns the error count.
    `base` is where the server listens, `public` the URL signatures cover (default: base)."""
    signed = f"{public or base}{WEBHOOK_PATH}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60),
                                     connector=aiohttp.TCPConnector(limit=0)) as http:
        results = await asyncio.gather(*(_debtor(http, base + WEBHOOK_PATH, signed, p, count,
                                                 acks, sids, auth_token, to_number)
                                         for p in group))
    return sum(results)


def run_level(client: str, base: str, group: List[str], count: int, *,
              public: Optional[str] = None, auth_token: str = AUTH_TOKEN,
              to_number: str = OUR_NUMBER) -> Dict[str, Any]:
    """One level with `client` ("aiohttp" or "wrk"): `group` debtors, `count` messages
    each, all at once. Returns requests, errors, ack p50/p99 (ms), the sids acknowledged
    and the load generator's CPU seconds."""
    if client == "wrk":
        return _wrk_level(base, group, count, public=public, auth_token=auth_token,
                          to_number=to_number)
    acks: List[float] = []
    sids: List[str] = []
    cpu = time.thread_time()  # the load generator (this thread only)
    errors = asyncio.run(_level(base, group, count, acks, sids, public=public,
                                auth_token=auth_token, to_number=to_number))
    return {"requests": len(acks) + errors, "errors": errors, "ack_p50_ms": _pct(acks, 0.50),
            "ack_p99_ms": _pct(acks, 0.99), "sids": sids,
            "client_cpu_s": time.thread_time() - cpu}


def measured(client: str, level: Dict[str, Any], front_cpu_s: float) -> Dict[str, Any]:
    """A level's report: latencies, errors, and CPU per request of the serving process
    (`front_cpu_s` while the level ran) and of the load generator, which share the cores."""
    requests = max(1, level["requests"])
    return {"client": client, "requests": level["requests"], "errors": level["errors"],
            "ack_p50_ms": level["ack_p50_ms"], "ack_p99_ms": level["ack_p99_ms"],
            "server_cpu_ms_per_request": round(front_cpu_s * 1000 / requests, 3),
            "client_cpu_ms_per_request": round(level["client_cpu_s"] * 1000 / requests, 3),
            "load_average_1m": round(os.getloadavg()[0], 1)}


def _wrk_level(base: str, group: List[str], count: int, *, public: Optional[str],
               auth_token: str, to_number: str) -> Dict[str, Any]:
    """`run_level` with wrk: the requests are signed beforehand (not timed), wrk keeps one
    connection per debtor and sends each request once (bench/ack_wrk.lua). Its latency
    starts when a request is written on an open connection; aiohttp's includes connecting."""
    import tempfile

    from bot.channels.webhook import sign

    signed = f"{public or base}{WEBHOOK_PATH}"
    sids: List[str] = []
    lines = []
    for i in range(count):
        for phone in group:
            sid = "SM" + uuid.uuid4().hex
            params = {"From": phone, "To": to_number, "Body": f"msg {i}", "MessageSid": sid,
                      "AccountSid": "AC" + "0" * 32}
            lines.append(f"{sign(signed, params, auth_token)}\t{urllib.parse.urlencode(params)}")
            sids.append(sid)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as data:
        data.write("\n".join(lines) + "\n")
        data.flush()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        # the duration bounds the run: every request is answered well within it
        seconds = 5 + len(lines) // 100
        done = subprocess.run(
            ["wrk", "-t1", f"-c{len(group)}", f"-d{seconds}s", "--timeout", "30s",
             "-s", str(WRK_SCRIPT), base], capture_output=True, text=True, check=False,
            env={**os.environ, "ACK_WRK_DATA": data.name, "ACK_WRK_PATH": WEBHOOK_PATH,
                 "ACK_WRK_CONNECTIONS": str(len(group))},
            timeout=seconds + 60)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"ACK_WRK (.*)", done.stdout)
    if not found:
        raise RuntimeError(f"wrk gave no result: {done.stdout} {done.stderr}")
    fields = {k: int(v) for k, v in (kv.split("=") for kv in found.group(1).split())}
    errors = (fields["status_errors"] + fields["connect"] + fields["read"] + fields["write"]
              + fields["timeout"] + max(0, len(lines) - fields["requests"]))
    return {"requests": len(lines), "errors": errors,
            "ack_p50_ms": round(fields["p50_us"] / 1000, 2),
            "ack_p99_ms": round(fields["p99_us"] / 1000, 2),
            "sids": sids if errors == 0 else [],
            "client_cpu_s": (after.ru_utime + after.ru_stime)
            - (before.ru_utime + before.ru_stime)}


def priorities(procs: Dict[str, int]) -> Dict[str, Dict[str, Any]]:
    """The CPU priority (nice) each process of `procs` (role -> pid) really runs at, and
    that of each PostgreSQL backend serving it (matched through
    `pg_stat_activity.client_port`): a backend is forked by the postmaster and keeps its
    nice 0 whatever the process it serves runs at, so a turn process made nicer still
    has its SQL work done at the front's priority."""
    import psutil
    from sqlalchemy import text

    from bot.store.db import get_engine

    ports: Dict[int, str] = {}
    out: Dict[str, Dict[str, Any]] = {}
    for role, pid in procs.items():
        try:
            proc = psutil.Process(pid)
            out[role] = {"nice": proc.nice(), "database_backends": []}
            for child in proc.children(recursive=True):
                out[role].setdefault("children", []).append(child.nice())
            for conn in proc.connections(kind="tcp"):
                if conn.raddr:
                    ports[conn.laddr.port] = role
        except psutil.Error:
            continue
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT pid, client_port FROM pg_stat_activity "
                                     "WHERE client_port IS NOT NULL")).all()
        for pid, port in rows:
            if port in ports:
                try:
                    out[ports[port]]["database_backends"].append(psutil.Process(pid).nice())
                except psutil.Error:
                    continue
    return out


def bench_ack(phones: List[str], env: Dict[str, str], split: bool = False,
              turn_nice: Optional[int] = None) -> Dict[str, Any]:
    """`split`: the webhook served by a front process (acknowledges only) and the echo
    turns run by a second process, as `collectbot run` does with turn processes, `turn_nice`
    lower (default the setting's, which is 0: equal priority). `priorities` in the result:
    the nice each process and its database backends really ran at."""
    from bot.runtime.action_server import free_port, stop_process, wait_http
    from bot.runtime.twilio_standin import TwilioStandIn

    port = free_port()
    public = f"http://127.0.0.1:{port}"
    out: Dict[str, Any] = {}
    with TwilioStandIn() as standin:
        child_env = {**os.environ, **env, "TWILIO_API_BASE": standin.url, "PUBLIC_URL": public,
                     "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_NUMBER": OUR_NUMBER}
        procs = []
        if split:
            turns_port = free_port()
            from bot.config import get_settings
            from bot.runtime.turn_processes import child_preexec

            # as `collectbot run` starts its turn processes
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "bench.pipeline_bench", "--serve", str(turns_port)],
                env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                preexec_fn=child_preexec(get_settings().turn_nice if turn_nice is None
                                         else turn_nice)))
            child_env = {**child_env, "COLLECTBOT_PROCESS_ROLE": "front"}
        proc = subprocess.Popen([sys.executable, "-m", "bench.pipeline_bench", "--serve",
                                 str(port)], env=child_env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(proc)
        try:
            wait_http(f"{public}/webhooks/twilio/", 60, proc)
            if split:
                wait_http(f"http://127.0.0.1:{turns_port}/webhooks/twilio/", 60, procs[0])
            # unmeasured warm-up on a debtor of its own (first-use imports, pools, caches)
            asyncio.run(_level(public, phones[-1:], WARM_UP, [], []))
            offset = 0
            for concurrency, count in LEVELS.items():
                for client in ACK_CLIENTS:  # alternately, so both see the same conditions
                    group = phones[offset:offset + concurrency]
                    offset += concurrency
                    out[f"{client}:{concurrency}"] = _measured_level(
                        client, public, group, count, standin, procs)
            out["priorities"] = priorities(
                {"front": proc.pid, "turn process": procs[0].pid} if split
                else {"one process": proc.pid})
        finally:
            for child in procs:
                stop_process(child)
    return out


def _measured_level(client: str, public: str, group: List[str], count: int, standin: Any,
                    procs: List[subprocess.Popen]) -> Dict[str, Any]:
    """One level of `bench_ack`: the acks, then every reply awaited and counted."""
    started = time.perf_counter()
    front_cpu = cpu_seconds(procs[-1].pid)
    level = run_level(client, public, group, count)
    front_cpu = cpu_seconds(procs[-1].pid) - front_cpu
    result = measured(client, level, front_cpu)
    acked = len(level["sids"])
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and \
            sum(len(standin.messages(p)) for p in group) < acked:
        time.sleep(0.05)
    time.sleep(0.5)  # a duplicate would arrive after the last expected reply
    replies = [m for p in group for m in standin.messages(p)]
    answered = {(m.to, REPLY.search(m.body).group(1)) for m in replies if REPLY.search(m.body)}
    return {**result, "replies": len(replies), "lost": acked - len(answered),
            "duplicates": len(replies) - len(answered),
            "all_answered_s": round(time.perf_counter() - started, 2)}


# ---------------------------------------------------------------- our own overhead
class _NoNetworkMessages:
    def create(self, **_: Any) -> Any:
        return type("Message", (), {"sid": "SM" + uuid.uuid4().hex})()


class _NoNetworkClient:
    messages = _NoNetworkMessages()


async def _overhead(phones: List[str]) -> Dict[str, Any]:
    from bot.channels import inbox
    from bot.channels.twilio_sms import CompliantTwilioInput

    channel = CompliantTwilioInput.from_credentials({})
    from bot.channels.outbox_sender import OutboxSender

    channel._sender = OutboxSender(_NoNetworkClient(), tasks=1)  # type: ignore[arg-type]
    assistant = EchoAssistant()
    worker = channel.inbox_worker(assistant, tasks=1)
    from sqlalchemy import event

    from bot.store.db import get_engine

    statements = [0]
    commits = [0]
    kinds: Dict[str, int] = {}

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statements[0] += 1
        kind = _statement_kind(sql)
        kinds[kind] = kinds.get(kind, 0) + 1

    def count_commit(_conn: Any) -> None:
        commits[0] += 1

    costs: List[float] = []
    cpu: List[float] = []
    for i in range(OVERHEAD_MESSAGES + 10):
        if i == 10:
            event.listen(get_engine(), "before_cursor_execute", count)
            event.listen(get_engine(), "commit", count_commit)
        phone = phones[i % len(phones)]
        started, cpu_started = time.perf_counter(), time.process_time()
        inbox.accept(sid="SM" + uuid.uuid4().hex, channel="sms", from_number=phone,
                     to_number=OUR_NUMBER, body="hello")
        assert await worker.run_once()
        assert await channel.sender.run_once()
        if i >= 10:  # the first messages warm caches and the connection pool
            costs.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    event.remove(get_engine(), "before_cursor_execute", count)
    event.remove(get_engine(), "commit", count_commit)
    await channel.sender.close()
    _check_all_sent(OVERHEAD_MESSAGES + 10)
    # wall time includes waiting for the database (its CPU, round trips, the WAL flushes
    # of the durable commits); CPU time is this process's own work (all its threads),
    # which is what limits turns/s when many messages are in flight
    return {"messages": len(costs), "mean_ms": round(statistics.fmean(costs) * 1000, 2),
            "p50_ms": _pct(costs, 0.5), "p95_ms": _pct(costs, 0.95),
            "cpu_mean_ms": round(statistics.fmean(cpu) * 1000, 2), "cpu_p50_ms": _pct(cpu, 0.5),
            "statements_per_message": round(statements[0] / len(costs), 1),
            "transactions_per_message": round(commits[0] / len(costs), 1),
            "statements_by_kind": {k: round(v / len(costs), 2) for k, v in
                                   sorted(kinds.items(), key=lambda kv: -kv[1])},
            "baseline_one_query": _one_query_baseline()}


def _check_all_sent(expected: int) -> None:
    """Every measured message must have been answered and sent: a turn that failed (a
    missing model file, say) is retried later, and timing it would measure the failure."""
    from sqlalchemy import func, select

    from bot.store.db import session_scope
    from bot.store.models import OutboxMessage

    with session_scope() as s:
        sent = s.execute(select(func.count()).where(OutboxMessage.status == "sent")).scalar()
    if sent != expected:
        raise RuntimeError(f"overhead: {sent} of {expected} messages were answered and sent")


def _statement_kind(sql: str) -> str:
    """A short name for a statement: its verb and first table ("SELECT accounts")."""
    words = sql.split()
    verb = words[0].upper() if words else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "SET", "NOTIFY", "BEGIN"):
        return verb
    if "pg_advisory_xact_lock" in sql:
        return "LOCK evidence tail"
    if "collectbot_evidence_append" in sql:
        return "evidence append (lock, tail, INSERT in the server)"
    found = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", sql, re.IGNORECASE)
    return f"{verb} {found.group(1) if found else '?'}"


def _one_query_baseline(n: int = 200) -> Dict[str, Any]:
    """The yardstick measured in the same run: one transaction with one indexed SELECT
    through the same session factory (what any store access costs on this machine now)."""
    from sqlalchemy import select

    from bot.store.db import session_scope
    from bot.store.models import InboxMessage

    wall: List[float] = []
    cpu: List[float] = []
    for _ in range(n):
        started, cpu_started = time.perf_counter(), time.process_time()
        with session_scope() as s:
            s.execute(select(InboxMessage.id).where(InboxMessage.sid == "none")).first()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {"wall_mean_ms": round(statistics.fmean(wall) * 1000, 3),
            "cpu_mean_ms": round(statistics.fmean(cpu) * 1000, 3)}


def run() -> Dict[str, Any]:
    from bot.config import get_settings, reset_settings
    from bot.store.db import reset_engine

    var_dir = get_settings().var_dir
    saved = os.environ.get("DATABASE_URL")
    dropper = None
    try:  # production's store: a private schema on PostgreSQL when one is reachable
        from bench.throughput_bench import _private_schema

        url, dropper = _private_schema()
    except Exception:  # no PostgreSQL here: SQLite (or DATABASE_URL if it is SQLite)
        url = _private_store(var_dir)
    os.environ["DATABASE_URL"] = url
    reset_settings()
    reset_engine()
    try:
        phones = _import_debtors(len(ACK_CLIENTS) * sum(LEVELS) + 1)
        result: Dict[str, Any] = {"database": url.split(":", 1)[0]}
        if "overhead" in PARTS:
            result["overhead_per_message"] = asyncio.run(_overhead(phones[:20]))
        if "ack" in PARTS:
            result["webhook_ack"] = bench_ack(phones, {"DATABASE_URL": url})
        if "split_equal" in PARTS:  # the baseline for the turn processes' lower priority
            result["webhook_ack_front_process_equal_priority"] = bench_ack(
                phones, {"DATABASE_URL": url}, split=True, turn_nice=0)
        if "split" in PARTS:
            result["webhook_ack_front_process"] = bench_ack(
                phones, {"DATABASE_URL": url}, split=True,
                turn_nice=get_settings().turn_nice or SPLIT_TURN_NICE)
    finally:
        reset_engine()
        if dropper is not None:
            admin, schema = dropper
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.dispose()
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        reset_settings()
        reset_engine()
    o = result.get("overhead_per_message")
    if o:
        _print_overhead(o)
    for key, label in (("webhook_ack", "one process, acks and echo turns"),
                       ("webhook_ack_front_process_equal_priority",
                        "front process, echo turns elsewhere at equal CPU priority"),
                       ("webhook_ack_front_process", "front process, echo turns elsewhere at "
                                                     "lower CPU priority")):
        levels = result.get(key, {})
        if levels.get("priorities"):
            print(f"   {label}: CPU priority (nice) as run: " + "; ".join(
                f"{role} {p['nice']} (children {p.get('children', [])}, database backends "
                f"{p['database_backends']})" for role, p in levels["priorities"].items()),
                flush=True)
        for c, r in levels.items():
            if ":" not in c:
                continue
            print(f"   ack at {c.split(':')[1]:>3} concurrent ({r['client']}), {label}: p50 "
                  f"{r['ack_p50_ms']} / p99 "
                  f"{r['ack_p99_ms']} ms, {r['errors']} err, {r['lost']} lost, "
                  f"{r['duplicates']} dup, all answered in {r['all_answered_s']} s; CPU per "
                  f"request: server {r['server_cpu_ms_per_request']} ms, load generator "
                  f"{r['client_cpu_ms_per_request']} ms (load average {r['load_average_1m']})",
                  flush=True)
    return result


def _print_overhead(o: Dict[str, Any]) -> None:
    print(f"   our overhead per message (no Rasa, no network): wall mean {o['mean_ms']} ms, "
          f"p50 {o['p50_ms']} / p95 {o['p95_ms']} ms; CPU of this process mean "
          f"{o['cpu_mean_ms']} / p50 {o['cpu_p50_ms']} ms; over {o['messages']} messages; "
          f"{o['statements_per_message']} SQL statements in "
          f"{o['transactions_per_message']} transactions each", flush=True)
    b = o["baseline_one_query"]
    print(f"   baseline, same run: one transaction with one indexed SELECT: wall "
          f"{b['wall_mean_ms']} ms, CPU {b['cpu_mean_ms']} ms (overhead = "
          f"{round(o['mean_ms'] / b['wall_mean_ms'], 1)}x wall, "
          f"{round(o['cpu_mean_ms'] / max(b['cpu_mean_ms'], 1e-6), 1)}x CPU of it)", flush=True)
    print(f"   statements per message by kind: {o['statements_by_kind']}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", type=int, default=None)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        import json

        print(json.dumps(run(), indent=2))
