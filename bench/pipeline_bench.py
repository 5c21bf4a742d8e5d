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
without Rasa and without Twilio's network: inbox INSERT (as the webhook's batcher does
it), claim, account lookup, inbound
contact row, the gate and its decision record, the outbox row, closing the inbox row (in
the worker's next claim: each message's claim closes the one before it; the last is
closed after the measurement and every row is checked done), the outbox claim and the
`sent` contact row (the Twilio client is a no-op stand-in).
Statements, transactions and round trips are counted on the wire (`_WireCounter`), in a
second pass after the timed one: the counter's hooks cost CPU the timing must not include.
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
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

#: concurrent debtors -> messages each
LEVELS = {1: 30, 20: 5, 200: 2}
#: the overhead part: messages to warm up, to time (nothing counting), then to count on the wire
WARM_UP_MESSAGES = 10
OVERHEAD_MESSAGES = 200
COUNTED_MESSAGES = 50
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
    """Time OVERHEAD_MESSAGES messages with nothing watching, then count what a further
    COUNTED_MESSAGES send to the database: the wire counter's own cursor class and event
    hooks cost 0.3-0.5 ms of CPU per message (measured: 3.37/3.60/3.53 ms bare against
    3.65/4.18/3.97 ms counted, alternating runs), which the timing must not include."""
    from bot.channels.twilio_sms import CompliantTwilioInput

    channel = CompliantTwilioInput.from_credentials({})
    from bot.channels.outbox_sender import OutboxSender

    channel._sender = OutboxSender(_NoNetworkClient(), tasks=1)  # type: ignore[arg-type]
    assistant = EchoAssistant()
    worker = channel.inbox_worker(assistant, tasks=1)

    async def one(i: int) -> None:
        await _accept_as_the_webhook_does(phones[i % len(phones)])
        assert await worker.run_once()
        assert await channel.sender.run_once()

    costs: List[float] = []
    cpu: List[float] = []
    server_cpu = 0.0
    total = WARM_UP_MESSAGES + OVERHEAD_MESSAGES + COUNTED_MESSAGES
    for i in range(WARM_UP_MESSAGES):  # warm caches, prepared statements and the pools
        await one(i)
    server_cpu = -_server_cpu_seconds()
    for i in range(WARM_UP_MESSAGES, WARM_UP_MESSAGES + OVERHEAD_MESSAGES):
        started, cpu_started = time.perf_counter(), time.process_time()
        await one(i)
        costs.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    server_cpu += _server_cpu_seconds()
    wire = _WireCounter()
    wire.start()
    for i in range(WARM_UP_MESSAGES + OVERHEAD_MESSAGES, total):
        await one(i)
    wire.stop()
    # a worker closes the row it answered with its next claim (counted above for every
    # message but the last): this empty claim closes the last one, so all can be checked
    assert not await worker.run_once()
    await channel.sender.close()
    global _BATCHER
    if _BATCHER is not None:
        await _BATCHER.close()
        _BATCHER = None
    _check_all_sent(total)
    n = len(costs)
    # wall time includes waiting for the database (its CPU, round trips, the WAL flushes
    # of the durable commits); CPU time is this process's own work (all its threads),
    # which is what limits turns/s when many messages are in flight
    return {"messages": n, "mean_ms": round(statistics.fmean(costs) * 1000, 2),
            "p50_ms": _pct(costs, 0.5), "p95_ms": _pct(costs, 0.95),
            "cpu_mean_ms": round(statistics.fmean(cpu) * 1000, 2), "cpu_p50_ms": _pct(cpu, 0.5),
            "database_server_cpu_ms": round(server_cpu * 1000 / n, 2) if server_cpu else None,
            "counted_messages": COUNTED_MESSAGES, **wire.per_message(COUNTED_MESSAGES),
            "baseline_one_query": _one_query_baseline()}


def _server_cpu_seconds() -> float:
    """CPU seconds used so far by the PostgreSQL backends serving this process's
    connections (0.0 elsewhere, or without psutil): the database's share of each message,
    which runs on the same cores as the turns. The pools are warm when it is first read,
    so the same backends serve the whole measurement."""
    from bot.store.db import get_engine

    if get_engine().dialect.name != "postgresql":
        return 0.0
    try:
        import psutil
        import psycopg2
        from sqlalchemy.engine import make_url
    except ImportError:  # pragma: no cover - psutil is a bench dependency
        return 0.0
    ports = {c.laddr.port for c in psutil.Process().connections(kind="tcp")
             if c.raddr and c.raddr.port == (get_engine().url.port or 5432)}
    url = get_engine().url.set(drivername="postgresql", query={})
    conn = psycopg2.connect(make_url(url).render_as_string(hide_password=False))
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pid, client_port FROM pg_stat_activity "
                           "WHERE client_port IS NOT NULL AND pid <> pg_backend_pid()")
            pids = [pid for pid, port in cursor.fetchall() if port in ports]
    finally:
        conn.close()
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _pools(db: Any) -> List[Any]:
    """Every pool of the store (`db.pools`; the two of earlier versions without it)."""
    if hasattr(db, "pools"):
        return db.pools()
    return list({id(e.pool): e.pool for e in (db._engine, db._redoable)
                 if e is not None}.values())


async def _accept_as_the_webhook_does(phone: str) -> None:
    """Store one inbound message the way the SMS webhook does in production: through its
    `AcceptBatcher` (on PostgreSQL one autocommit statement on the batcher's own
    connection; elsewhere `inbox.accept_many`), called directly in this thread."""
    global _BATCHER
    from bot.channels import inbox

    if _BATCHER is None:
        _BATCHER = inbox.AcceptBatcher()
    stored = await _BATCHER._store([{"sid": "SM" + uuid.uuid4().hex, "channel": "sms",
                               "from_number": phone, "to_number": OUR_NUMBER,
                               "body": "hello"}])
    assert stored == [True]


_BATCHER: Any = None


class _WireCounter:
    """What the database sees of each message, counted where it is sent.

    `statements`: every statement run on a DBAPI cursor of any of the store's pools (and
    the acknowledgement batcher's connection), counted by a cursor class installed on each
    connection as it is checked out, so statements that bypass SQLAlchemy's execution
    (bot/store/raw.py, the batcher) are counted as surely as the rest;
    `statements_seen_by_sqlalchemy` is what the engine's `before_cursor_execute` event saw
    (the count earlier waves reported), kept as a cross-check. On PostgreSQL psycopg2
    sends `BEGIN` as a round trip of its own before a transaction's first statement and
    `COMMIT` as another: `begins` and `commits` count those; a statement on an autocommit
    connection is a transaction by itself and needs neither. `round_trips` is their sum.
    `transactions` = begins + autocommit statements. On SQLite (no wire) only the
    statements and commits are counted."""

    def __init__(self) -> None:
        self.counts: Dict[str, int] = {"statements": 0, "seen": 0, "begins": 0,
                                       "commits": 0, "autocommit": 0}
        self.kinds: Dict[str, int] = {}
        #: statement text -> its kind (`_statement_kind`), named once per text
        self._kind_of: Dict[Any, str] = {}
        self._hooks: List[Tuple[Any, str, Any]] = []
        #: cursors installed on connections count only while this is set
        self._active = True

    def start(self) -> None:
        from bot.store import db

        engine = db.get_engine()
        self._listen(engine, "before_cursor_execute", self._seen)
        self._listen(engine, "commit", self._commit)
        if engine.dialect.name != "postgresql":
            return
        cursor_class = self._cursor_class()
        for pool in _pools(db):
            self._listen(pool, "checkout",
                         lambda dbapi_conn, _rec, _proxy: setattr(dbapi_conn, "cursor_factory",
                                                                  cursor_class))
        if _BATCHER is not None and _BATCHER._conn is not None:
            # an asynchronous psycopg2 connection of its own (or a pooled one's wrapper)
            conn = _BATCHER._conn
            getattr(conn, "dbapi_connection", conn).cursor_factory = cursor_class

    def _listen(self, target: Any, name: str, fn: Any) -> None:
        from sqlalchemy import event

        event.listen(target, name, fn)
        self._hooks.append((target, name, fn))

    def stop(self) -> None:
        from sqlalchemy import event

        for target, name, fn in self._hooks:
            event.remove(target, name, fn)
        self._hooks = []
        self._active = False

    def _cursor_class(self) -> Any:
        import psycopg2.extensions as ext

        counter = self

        class Counting(ext.cursor):
            def execute(self, sql: Any, params: Any = None) -> Any:
                if counter._active:
                    counter._statement(self.connection, sql)
                return super().execute(sql, params)

            def executemany(self, sql: Any, seq: Any) -> Any:
                if counter._active:
                    for _ in range(len(seq) if hasattr(seq, "__len__") else 1):
                        counter._statement(self.connection, sql)
                return super().executemany(sql, seq)

        return Counting

    def _statement(self, conn: Any, sql: Any) -> None:
        import psycopg2.extensions as ext

        self.counts["statements"] += 1
        if conn.autocommit:
            self.counts["autocommit"] += 1
        elif conn.status == ext.STATUS_READY:
            self.counts["begins"] += 1  # psycopg2 sends BEGIN first, a round trip of its own
        # the instrument's own CPU is measured with ours: each statement text is named
        # once (a regex per statement cost ~10 us, about 0.15 ms per message)
        kind = self._kind_of.get(sql)
        if kind is None:
            text = sql.decode() if isinstance(sql, bytes) else str(sql)
            kind = self._kind_of[sql] = _statement_kind(text)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def _seen(self, _conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        self.counts["seen"] += 1
        if _conn.dialect.name != "postgresql":  # no counting cursor there
            self.counts["statements"] += 1
            kind = self._kind_of.get(sql)
            if kind is None:
                kind = self._kind_of[sql] = _statement_kind(sql)
            self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def _commit(self, conn: Any) -> None:
        if conn.dialect.name != "postgresql":
            self.counts["commits"] += 1
            return
        import psycopg2.extensions as ext

        dbapi_conn = conn.connection.dbapi_connection
        # psycopg2 sends COMMIT only for a transaction it began (not in autocommit mode)
        if not dbapi_conn.autocommit and dbapi_conn.status != ext.STATUS_READY:
            self.counts["commits"] += 1

    def per_message(self, n: int) -> Dict[str, Any]:
        c = self.counts

        def each(value: int) -> float:
            return round(value / n, 2)

        postgres = c["begins"] + c["autocommit"] > 0
        return {"statements_per_message": each(c["statements"]),
                "statements_seen_by_sqlalchemy_per_message": each(c["seen"]),
                "transactions_per_message": each(c["begins"] + c["autocommit"]) if postgres
                else each(c["commits"]),
                "begin_round_trips_per_message": each(c["begins"]),
                "commit_round_trips_per_message": each(c["commits"]),
                "round_trips_per_message": each(c["statements"] + c["begins"] + c["commits"])
                if postgres else None,
                "statements_by_kind": {k: each(v) for k, v in
                                       sorted(self.kinds.items(), key=lambda kv: -kv[1])}}


def _check_all_sent(expected: int) -> None:
    """Every measured message must have been answered and sent: a turn that failed (a
    missing model file, say) is retried later, and timing it would measure the failure."""
    from sqlalchemy import func, select

    from bot.store.db import session_scope
    from bot.store.models import InboxMessage, OutboxMessage

    with session_scope() as s:
        sent = s.execute(select(func.count()).where(OutboxMessage.status == "sent")).scalar()
        done = s.execute(select(func.count()).where(InboxMessage.status == "done")).scalar()
    if sent != expected:
        raise RuntimeError(f"overhead: {sent} of {expected} messages were answered and sent")
    if done != expected:
        raise RuntimeError(f"overhead: {done} of {expected} inbox rows were closed as done")


def _statement_kind(sql: str) -> str:
    """A short name for a statement: its verb and first table ("SELECT accounts"); a
    prepared statement's `EXECUTE` (bot/store/raw.py) is named by the statement it runs."""
    from bot.store import raw

    if sql.startswith("EXECUTE ") and sql in raw.executed_as:
        sql = raw.executed_as[sql]
    elif sql.startswith("PREPARE "):  # its first use on a connection: PREPARE; EXECUTE
        sql = sql.split(" AS ", 1)[1].rsplit("; EXECUTE ", 1)[0]
    words = sql.split()
    verb = words[0].upper() if words else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "SET", "NOTIFY", "BEGIN"):
        return verb
    if "pg_advisory_xact_lock" in sql:
        return "LOCK evidence tail"
    if "collectbot_evidence_append" in sql:
        carrier = re.search(r"\bINSERT\s+INTO\s+\"?(\w+)", sql, re.IGNORECASE)
        if carrier:  # the append riding in another table's INSERT (queue.enqueue_outbound)
            return f"INSERT {carrier.group(1)} + evidence append"
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
          f"{o['cpu_mean_ms']} / p50 {o['cpu_p50_ms']} ms; over {o['messages']} messages "
          f"timed with nothing counting; counted on the wire over {o['counted_messages']} more: "
          f"{o['statements_per_message']} SQL statements in "
          f"{o['transactions_per_message']} transactions each ("
          f"{o['statements_seen_by_sqlalchemy_per_message']} seen by SQLAlchemy's event; "
          f"{o['round_trips_per_message']} round trips with "
          f"{o['begin_round_trips_per_message']} BEGIN and "
          f"{o['commit_round_trips_per_message']} COMMIT)", flush=True)
    b = o["baseline_one_query"]
    print(f"   baseline, same run: one transaction with one indexed SELECT: wall "
          f"{b['wall_mean_ms']} ms, CPU {b['cpu_mean_ms']} ms (overhead = "
          f"{round(o['mean_ms'] / b['wall_mean_ms'], 1)}x wall, "
          f"{round(o['cpu_mean_ms'] / max(b['cpu_mean_ms'], 1e-6), 1)}x CPU of it)", flush=True)
    print(f"   statements per message by kind: {o['statements_by_kind']}", flush=True)
    if o.get("database_server_cpu_ms") is not None:
        print(f"   PostgreSQL backends' CPU per message (this process's connections): "
              f"{o['database_server_cpu_ms']} ms", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", type=int, default=None)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        import json

        print(json.dumps(run(), indent=2))
