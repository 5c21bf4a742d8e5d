"""Webhook-to-reply latency and sustained turns/s at 20 concurrent conversations, for
(a) stock Rasa's REST channel serving the same model with the same SQL tracker store and
action server, (b) `collectbot run --workers 1` (one turn process beside the front process
that acknowledges webhooks), (c) `collectbot run` with one turn process per core; then the
webhook acknowledgement p50/p99 at 1, 20 and 200 concurrent debtors against (c)'s running
stack (every message a real turn), with lost and duplicate replies counted against the
inbox, the outbox and the Twilio stand-in.

Each of CONCURRENCY conversations sends its next message as soon as the previous turn is
complete, for SECONDS. Complete means, for (a), the REST response (it carries every
reply); for (b) and (c), the turn's inbox row is `done` and each outbox row it queued is
`sent` (one poller query for all conversations, every POLL seconds); the turn's end time
is then the stand-in's arrival time of its last reply, so polling adds no latency. Every
conversation first gets one unmeasured turn (greeting and disclosures; model warm-up).
Needs PostgreSQL (DATABASE_URL or tests' COLLECTBOT_TEST_PG base) and Redis.

Each cell also reports where the CPU went (`CpuMeter`): milliseconds of CPU per measured
turn for every process of the cell (stock Rasa or the front and turn processes, each
action server, the PostgreSQL backends serving each of them, Redis, the Twilio stand-in
and the load generator), so a slow cell can be explained, not only timed. The harness
(the load generator, the stand-in, the turn watcher and its database backend) runs on the
same cores as the system, so its share is printed apart: "system X + harness Y". It is
kept small on purpose: raw kept-alive HTTP connections with requests built as bytes
(`WebhookPoster`, `RestPoster`) and a stand-in on a bare asyncio protocol, instead of
aiohttp's client and server.
THROUGHPUT_WINDOW_FILE names a file that exists exactly while a cell is measured (for a
sampling profiler in the cell's processes to profile the window, not the model loading).
THROUGHPUT_CELLS picks what to run (default "a,b,c,ack"; "ack" is the acknowledgement
levels after (c)).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

CONCURRENCY = int(os.environ.get("THROUGHPUT_CONCURRENCY", "20"))
SECONDS = float(os.environ.get("THROUGHPUT_SECONDS", "45"))
#: concurrent debtors -> messages each, for the acknowledgement latencies against (c)
ACK_LEVELS = {1: 20, 20: 3, 200: 1}
#: a model loads in ~30 s on a quiet 2-core machine, several minutes on a busy one
START_TIMEOUT = float(os.environ.get("THROUGHPUT_START_TIMEOUT", "600"))
# the action servers the cells start (theirs and their turn processes') get as long
os.environ.setdefault("COLLECTBOT_ACTION_START_TIMEOUT", str(START_TIMEOUT))
DRAIN_TIMEOUT = 600.0
POLL = 0.05
TEXTS = ["what do I owe?", "who is this?", "can I pay next week?", "ok"]
PG_BASE = os.environ.get("COLLECTBOT_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("THROUGHPUT_REDIS_URL", "redis://127.0.0.1:6379/9")
CORES = os.cpu_count() or 1
WINDOW_FILE = os.environ.get("THROUGHPUT_WINDOW_FILE")
CELLS = os.environ.get("THROUGHPUT_CELLS", "a,b,c,ack").split(",")


def _pct(values: List[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 1)


def _summary(latencies: List[float], errors: int, elapsed: float) -> Dict[str, Any]:
    return {"turns": len(latencies), "errors": errors, "seconds": round(elapsed, 1),
            "p50_ms": _pct(latencies, 0.5), "p95_ms": _pct(latencies, 0.95),
            "turns_per_s": round(len(latencies) / elapsed, 2) if elapsed else None}


# ---------------------------------------------------------------- where the CPU goes
def _process_label(proc: Any) -> str:
    """What one process of a cell is, from its command line (and its parent's)."""
    cmd = " ".join(proc.cmdline())
    if "rasa_sdk" in cmd:
        try:
            parent = _process_label(proc.parent())
        except Exception:  # the parent is gone
            parent = "?"
        return "action server" + (f" of {parent}" if parent in ("front", "turn process")
                                  else "")
    if "bot.runtime.server" in cmd:
        return "turn process" if "--role turns" in cmd else "front"
    if " rasa run" in f" {cmd.split(' -m ', 1)[-1]}" or cmd.endswith("rasa run"):
        return "stock rasa"
    return proc.name()


#: the roles that are the benchmark's own load generator and stand-ins, not the system
#: measured: they run on the same cores, so what they cost is reported beside the cell's
HARNESS_ROLES = ("bench client", "twilio stand-in", "bench turn watcher", "postgres for bench")


class CpuMeter:
    """CPU seconds used by each process of a cell between `start` and `stop`, by role.

    Covers this process (by thread: the load generator, the Twilio stand-in, the turn
    watcher), its children and grandchildren (stock Rasa or the front and turn processes,
    their action servers), the PostgreSQL backends whose client is one of them (matched
    through `pg_stat_activity.client_port`) and the Redis server (shared with whatever
    else uses it). Counts are per role: two turn processes are one row."""

    def __init__(self, threads: Optional[Dict[str, int]] = None) -> None:
        #: native thread id -> role, for threads of this process that are not the client
        self.threads = {tid: label for label, tid in (threads or {}).items() if tid}
        self._start: Dict[Tuple[str, int], Tuple[str, float]] = {}
        self._host_start: Any = None

    def _postgres(self, ports: Dict[int, str]) -> Dict[int, str]:
        """Backend pid -> "postgres for <role>" for every backend one of ours talks to."""
        import psycopg2
        from sqlalchemy.engine import make_url

        url = make_url(os.environ.get("DATABASE_URL") or PG_BASE).set(
            drivername="postgresql", query={})
        backends: Dict[int, str] = {}
        with psycopg2.connect(url.render_as_string(hide_password=False)) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT pid, client_port FROM pg_stat_activity "
                            "WHERE client_port IS NOT NULL AND pid <> pg_backend_pid()")
                for pid, port in cur.fetchall():
                    if port in ports:
                        backends[pid] = f"postgres for {ports[port]}"
        conn.close()
        return backends

    def _snapshot(self) -> Dict[Tuple[str, int], Tuple[str, float]]:
        import psutil

        out: Dict[Tuple[str, int], Tuple[str, float]] = {}
        me = psutil.Process()
        for thread in me.threads():
            out[("thread", thread.id)] = (self.threads.get(thread.id, "bench client"),
                                          thread.user_time + thread.system_time)
        ports: Dict[int, str] = {}
        for proc in [me, *me.children(recursive=True)]:
            try:
                label = "bench" if proc.pid == me.pid else _process_label(proc)
                cpu = proc.cpu_times()
                if proc.pid != me.pid:
                    out[("proc", proc.pid)] = (label, cpu.user + cpu.system)
                for conn in proc.connections(kind="tcp"):
                    if conn.raddr and conn.raddr.port == 5432:
                        ports[conn.laddr.port] = label
            except psutil.Error:
                continue
        others: List[Tuple[int, str]] = list(self._postgres(ports).items())
        others += [(p.pid, "redis (whole server, shared)")
                   for p in psutil.process_iter(["name"]) if p.info["name"] == "redis-server"]
        for pid, label in others:
            try:
                cpu = psutil.Process(pid).cpu_times()
            except psutil.Error:
                continue
            out[("proc", pid)] = (label, cpu.user + cpu.system)
        return out

    def start(self) -> None:
        import psutil

        self._start = self._snapshot()
        self._host_start = psutil.cpu_times()
        if WINDOW_FILE:
            Path(WINDOW_FILE).touch()

    def stop(self, turns: int) -> Dict[str, Any]:
        """CPU ms per turn by role, the cell's total, and the host's (all processes)."""
        import psutil

        if WINDOW_FILE:
            Path(WINDOW_FILE).unlink(missing_ok=True)
        end = self._snapshot()
        host = psutil.cpu_times()
        by_role: Dict[str, float] = defaultdict(float)
        counts: Dict[str, int] = defaultdict(int)
        for key, (label, cpu) in end.items():
            # a backend or process born during the cell counts from zero
            by_role[label] += cpu - self._start.get(key, (label, 0.0))[1]
            counts[label] += key[0] == "proc"
        busy = sum(getattr(host, f) - getattr(self._host_start, f)
                   for f in ("user", "nice", "system", "irq", "softirq", "steal"))
        per = max(1, turns)
        roles = {label: {"cpu_s": round(cpu, 2), "ms_per_turn": round(1000 * cpu / per, 1),
                         **({"processes": counts[label]} if counts[label] > 1 else {})}
                 for label, cpu in sorted(by_role.items(), key=lambda kv: -kv[1])}
        ours = sum(by_role.values())
        harness = sum(cpu for label, cpu in by_role.items() if label in HARNESS_ROLES)
        return {"by_role": roles, "ours_ms_per_turn": round(1000 * ours / per, 1),
                "harness_ms_per_turn": round(1000 * harness / per, 1),
                "system_ms_per_turn": round(1000 * (ours - harness) / per, 1),
                "host_ms_per_turn": round(1000 * busy / per, 1),
                "host_busy_s": round(busy, 1)}


def _print_cpu(name: str, cell: Dict[str, Any]) -> None:
    cpu = cell.get("cpu")
    if not cpu:
        return
    roles = ", ".join(f"{label} {r['ms_per_turn']}" for label, r in cpu["by_role"].items()
                      if r["ms_per_turn"] >= 0.5)
    print(f"   {name} CPU ms per turn: system {cpu['system_ms_per_turn']} + harness "
          f"{cpu['harness_ms_per_turn']} (load generator, stand-in, turn watcher and its "
          f"database backend) = {cpu['ours_ms_per_turn']} (host {cpu['host_ms_per_turn']}): "
          f"{roles}", flush=True)


# ---------------------------------------------------------------- (a) stock Rasa REST
async def _rest_conversation(poster: RestPoster, phone: str, texts: List[str],
                             stop_at: float, latencies: List[float],
                             max_turns: Optional[int] = None) -> int:
    import json

    errors = 0
    conn: List[Any] = []
    try:
        for i, text in enumerate(itertools.cycle(texts)):
            if time.monotonic() >= stop_at or (max_turns is not None and i >= max_turns):
                return errors
            request = poster.request(phone, text)
            started = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(_post(conn, poster, request), 120)
                ok = status == 200 and bool(json.loads(body))
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                ok = False
                if conn:
                    conn[1].close()
                    conn.clear()
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        return errors
    finally:
        if conn:
            conn[1].close()


async def _rest_load(port: int, phones: List[str], seconds: float) -> Dict[str, Any]:
    poster = RestPoster(port)
    # unmeasured first turn of every conversation
    await asyncio.gather(*(_rest_conversation(poster, p, ["hi"], float("inf"), [], 1)
                           for p in phones))
    latencies: List[float] = []
    meter = CpuMeter()
    meter.start()
    started = time.monotonic()
    errors = await asyncio.gather(*(_rest_conversation(poster, p, TEXTS, started + seconds,
                                                       latencies)
                                    for p in phones))
    result = _summary(latencies, sum(errors), time.monotonic() - started)
    result["cpu"] = meter.stop(len(latencies))
    return result


def bench_stock_rasa(model: Path, phones: List[str], seconds: float) -> Dict[str, Any]:
    """`rasa run` with Rasa's REST channel, our model, our SQL tracker store, our actions."""
    import subprocess

    from bot.config import get_settings
    from bot.runtime.action_server import free_port, start_action_server, stop_process, wait_http

    work = Path(tempfile.mkdtemp(prefix="cb-stock-rasa-"))
    action_port, port = free_port(), free_port()
    (work / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        "tracker_store:\n  type: bot.runtime.tracker_store.UrlSQLTrackerStore\n",
        encoding="utf-8")
    (work / "credentials.yml").write_text("rest: {}\n", encoding="utf-8")
    actions = start_action_server(action_port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa", "run", "--port", str(port), "--model", str(model),
         "--endpoints", str(work / "endpoints.yml"),
         "--credentials", str(work / "credentials.yml")],
        cwd=str(get_settings().home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    try:
        wait_http(f"http://127.0.0.1:{port}/", START_TIMEOUT, proc)
        return asyncio.run(_rest_load(port, phones, seconds))
    finally:
        stop_process(proc, timeout=20)
        stop_process(actions)


# ---------------------------------------------------------------- (b), (c) collectbot
class TurnWatcher:
    """One thread asks the shared store which outstanding turns are complete."""

    def __init__(self) -> None:
        self.waiting: Dict[str, asyncio.Future] = {}
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def native_id(self) -> Optional[int]:
        return self._thread.native_id

    def _run(self) -> None:
        from bot.store.db import get_engine
        from bot.store.queue import UNFINISHED

        # one raw connection and one fixed statement: the ORM session, its pre-ping and
        # its rollback cost milliseconds of CPU per poll, on the same two cores as the cell
        statuses = tuple(UNFINISHED) + ("failed",)
        sql = ("SELECT i.sid FROM inbox i WHERE i.sid = ANY(%s) AND i.status IN "
               "('done', 'failed') AND NOT EXISTS (SELECT 1 FROM outbox o WHERE "
               "o.inbox_id = i.id AND o.status IN %s)")
        conn = get_engine().raw_connection()
        try:
            conn.dbapi_connection.autocommit = True
            cursor = conn.cursor()
            while not self._stop.wait(POLL):
                sids = list(self.waiting)
                if not sids:
                    continue
                cursor.execute(sql, (sids, statuses))
                for (sid,) in cursor.fetchall():
                    future = self.waiting.pop(sid, None)
                    if future is not None and self.loop is not None:
                        self.loop.call_soon_threadsafe(
                            lambda f=future: f.done() or f.set_result(time.perf_counter()))
        finally:
            conn.close()


class WebhookPoster:
    """The simulated debtors' side of the webhook: one kept-alive HTTP/1.1 connection per
    conversation, requests built as bytes and signed here, the answer's status read and
    its body skipped.

    The load generator shares the host's two cores with the system it measures, so what
    it spends is taken from the cell: an aiohttp session (its request and response objects,
    cookie jar, multidicts) and the harness's copy of the environment per message cost
    the harness about as much CPU as the front process spent answering. Everything a
    request needs that does not change is computed once here; (a)'s REST client posts
    the same way (`RestPoster`), so the cells compare like with like."""

    PATH = "/webhooks/twilio/webhook"

    def __init__(self, stack: Any) -> None:
        from bot.channels.webhook import sign

        env = stack.env  # a copy of os.environ: once, not per message
        self.sign = sign
        self.host, self.port = "127.0.0.1", stack.port
        self.public = env["PUBLIC_URL"] + self.PATH
        self.token = env["TWILIO_AUTH_TOKEN"]
        self.number = env["TWILIO_NUMBER"]
        self.head = (f"POST {self.PATH} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Connection: keep-alive\r\n")

    def request(self, phone: str, text: str, sid: str) -> bytes:
        """The signed POST Twilio would send for one inbound text."""
        from urllib.parse import urlencode

        params = {"From": phone, "To": self.number, "Body": text, "MessageSid": sid,
                  "AccountSid": "AC" + "0" * 32}
        body = urlencode(params).encode("utf-8")
        signature = self.sign(self.public, params, self.token)
        return (f"{self.head}X-Twilio-Signature: {signature}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body

    async def connect(self) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)


class RestPoster:
    """(a)'s client: Rasa's REST channel, JSON in and out, on the same kept-alive
    connections as `WebhookPoster`."""

    PATH = "/webhooks/rest/webhook"

    def __init__(self, port: int) -> None:
        self.host, self.port = "127.0.0.1", port
        self.head = (f"POST {self.PATH} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                     "Content-Type: application/json\r\nConnection: keep-alive\r\n")

    def request(self, phone: str, text: str) -> bytes:
        import json

        body = json.dumps({"sender": phone, "message": text}).encode("utf-8")
        return (f"{self.head}Content-Length: {len(body)}\r\n\r\n").encode("latin-1") + body

    async def connect(self) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)


async def _post(conn: List[Any], poster: Any, request: bytes) -> Tuple[int, bytes]:
    """Send one request on the conversation's connection (opened, or reopened after the
    server closed it); the HTTP status and body. Responses carry a Content-Length (Sanic's
    do; a chunked answer is a ValueError)."""
    for attempt in (0, 1):
        if not conn:
            conn.extend(await poster.connect())
        reader, writer = conn
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            conn.clear()
            if attempt:
                raise
            continue  # a kept-alive connection the server had closed: once more, fresh
        lines = head.decode("latin-1").split("\r\n")
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection":
                close = value.strip().lower() == "close"
            elif name == "transfer-encoding":
                raise ValueError(f"unsupported response framing: {value.strip()}")
        body = await reader.readexactly(length) if length else b""
        if close:
            writer.close()
            conn.clear()
        return int(lines[0].split(" ", 2)[1]), body
    raise AssertionError("unreachable")


async def _sms_conversation(stacks: List[Any], posters: List[WebhookPoster], standin: Any,
                            watcher: TurnWatcher, phone: str, texts: List[str],
                            stop_at: float, latencies: List[float], turn_no: itertools.count,
                            max_turns: Optional[int] = None) -> int:
    errors = 0
    loop = asyncio.get_running_loop()
    conns: List[List[Any]] = [[] for _ in stacks]
    try:
        for i, text in enumerate(itertools.cycle(texts)):
            if time.monotonic() >= stop_at or (max_turns is not None and i >= max_turns):
                return errors
            which = next(turn_no) % len(stacks)  # the load balancer: round robin
            sid = "SM" + uuid.uuid4().hex
            request = posters[which].request(phone, text, sid)
            seen = standin.message_count(phone)
            done: asyncio.Future = loop.create_future()
            watcher.waiting[sid] = done
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(
                    _post(conns[which], posters[which], request), 120)
                ok = status == 200
                if ok:
                    completed = await asyncio.wait_for(done, 120)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError):
                ok = False
                for conn in conns:  # a timed-out request leaves its connection unusable
                    if conn:
                        conn[1].close()
                        conn.clear()
            watcher.waiting.pop(sid, None)
            if not ok:
                errors += 1
                continue
            replies = standin.messages(phone)[seen:]
            end = max((m.received_at for m in replies), default=completed)
            latencies.append(end - started)
        return errors
    finally:
        for conn in conns:
            if conn:
                conn[1].close()


async def _sms_load(stacks: List[Any], standin: Any, phones: List[str],
                    seconds: float) -> Dict[str, Any]:
    watcher = TurnWatcher()
    watcher.start(asyncio.get_running_loop())
    turn_no = itertools.count()
    posters = [WebhookPoster(stack) for stack in stacks]
    try:
        await asyncio.gather(*(_sms_conversation(stacks, posters, standin, watcher, p, ["hi"],
                                                 float("inf"), [], turn_no, 1)
                               for p in phones))
        latencies: List[float] = []
        meter = CpuMeter({"twilio stand-in": getattr(standin._thread, "native_id", None),
                          "bench turn watcher": watcher.native_id})
        meter.start()
        started = time.monotonic()
        errors = await asyncio.gather(*(
            _sms_conversation(stacks, posters, standin, watcher, p, TEXTS, started + seconds,
                              latencies, turn_no) for p in phones))
        result = _summary(latencies, sum(errors), time.monotonic() - started)
        result["cpu"] = meter.stop(len(latencies))
        return result
    finally:
        watcher.stop()


def bench_collectbot(model: Path, phones: List[str], seconds: float, workers: int,
                     tmp: Path, ack_phones: Optional[List[str]] = None) -> Dict[str, Any]:
    """`collectbot run` with `workers` turn processes; then, with `ack_phones`, the
    acknowledgement latencies against the same running stack."""
    from bot.runtime.harness import RunningAssistant

    stack = RunningAssistant(model, log_file=tmp / f"workers-{workers}.log",
                             env={"COLLECTBOT_TURN_PROCESSES": str(workers)}).start(START_TIMEOUT)
    try:
        result = asyncio.run(_sms_load([stack], stack.standin, phones, seconds))
        if ack_phones:
            result["webhook_ack"] = bench_ack(stack, ack_phones)
        return result
    finally:
        stack.stop()


def bench_ack(stack: Any, phones: List[str]) -> Dict[str, Any]:
    """Ack p50/p99 at each level of ACK_LEVELS (debtors -> messages each), one level after
    the other (each with every client of ACK_CLIENTS in turn) while the turn processes
    work through the turns the earlier levels queued; then every turn must finish and
    lost / duplicate replies are counted."""
    from bench.load.run import audit
    from bench.pipeline_bench import ACK_CLIENTS, cpu_seconds, measured, run_level

    out: Dict[str, Any] = {}
    offset = 0
    acked: List[str] = []
    for concurrency, count in ACK_LEVELS.items():
        for client in ACK_CLIENTS:
            group = phones[offset:offset + concurrency]
            offset += concurrency
            front_cpu = cpu_seconds(stack.proc.pid)  # the front process alone, not its children
            level = run_level(client, stack.url, group, count, public=stack.env["PUBLIC_URL"],
                              auth_token=stack.env["TWILIO_AUTH_TOKEN"],
                              to_number=stack.env["TWILIO_NUMBER"])
            front_cpu = cpu_seconds(stack.proc.pid) - front_cpu
            acked += level["sids"]
            out[f"{client}:{concurrency}"] = measured(client, level, front_cpu)
    started = time.monotonic()
    stack.wait_idle(DRAIN_TIMEOUT)
    time.sleep(1.0)  # a duplicate send would land after the outbox looked empty
    out["drained_s"] = round(time.monotonic() - started, 1)
    out["audit"] = audit(acked, stack.standin)
    return out


# ---------------------------------------------------------------- the run
def _private_schema() -> tuple[str, Any]:
    import sqlalchemy as sa

    base = os.environ.get("DATABASE_URL") or PG_BASE
    if not base.startswith("postgresql"):
        raise RuntimeError("the throughput bench needs PostgreSQL (set DATABASE_URL)")
    schema = f"cbthroughput_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.split("?")[0], future=True)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    return f"{base.split('?')[0]}?options=-csearch_path%3D{schema}", (admin, schema)


def run() -> Dict[str, Any]:
    from bench.pipeline_bench import _import_debtors
    from bot.config import reset_settings
    from bot.store.db import reset_engine
    from bot.training import ensure_model

    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "REDIS_URL")}
    url, (admin, schema) = _private_schema()
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = REDIS_URL
    reset_settings()
    reset_engine()
    tmp = Path(tempfile.mkdtemp(prefix="cb-throughput-"))
    try:
        model = ensure_model()
        from bench.pipeline_bench import ACK_CLIENTS

        phones = _import_debtors(3 * CONCURRENCY + len(ACK_CLIENTS) * sum(ACK_LEVELS))
        empty: Dict[str, Any] = {"p50_ms": None, "p95_ms": None, "turns_per_s": None,
                                 "errors": None}
        cells = {key: dict(empty) for key in ("a_stock_rasa_rest", "b_collectbot_1_worker",
                                              "c_collectbot_worker_per_core")}
        runs = {"a_stock_rasa_rest": ("a", lambda: bench_stock_rasa(
                    model, phones[:CONCURRENCY], SECONDS)),
                "b_collectbot_1_worker": ("b", lambda: bench_collectbot(
                    model, phones[CONCURRENCY:2 * CONCURRENCY], SECONDS, 1, tmp)),
                "c_collectbot_worker_per_core": ("c", lambda: bench_collectbot(
                    model, phones[2 * CONCURRENCY:3 * CONCURRENCY], SECONDS, CORES, tmp,
                    ack_phones=phones[3 * CONCURRENCY:] if "ack" in CELLS else None))}
        for key, (letter, measure) in runs.items():
            if letter not in CELLS:
                continue
            try:
                cells[key] = measure()
            except Exception as exc:  # e.g. a model that did not load in time on a busy
                # host: the other cells' numbers are still worth having
                cells[key] = {**empty, "error": f"{type(exc).__name__}: {exc}"}
            # each cell as soon as it is measured: a later cell failing loses nothing
            print(f"   ({letter}) measured: " + json.dumps(
                {k: v for k, v in cells[key].items() if k != "webhook_ack"}), flush=True)
    finally:
        reset_engine()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings()
    a, b, c = (cells[k] for k in ("a_stock_rasa_rest", "b_collectbot_1_worker",
                                  "c_collectbot_worker_per_core"))
    from bot.config import get_settings

    # the turn processes run this much nicer than everything else: on a host shared with
    # other busy processes that costs (b) and (c) CPU that (a) gets (COLLECTBOT_TURN_NICE=0
    # measures them at equal priority)
    result: Dict[str, Any] = {"concurrency": CONCURRENCY, "cores": CORES,
                              "turn_nice": get_settings().turn_nice,
                              "load_average_1m": round(os.getloadavg()[0], 1), **cells}
    if a["p95_ms"] and b["p95_ms"]:
        result["b_over_a_p95"] = round(b["p95_ms"] / a["p95_ms"], 2)
    if b["turns_per_s"] and c["turns_per_s"]:
        result["c_over_b_turns_per_s"] = round(c["turns_per_s"] / b["turns_per_s"], 2)
    if a["turns_per_s"] and b["turns_per_s"]:
        result["b_over_a_turns_per_s"] = round(b["turns_per_s"] / a["turns_per_s"], 2)
    for name, cell in (("(a) stock Rasa REST", a), ("(b) collectbot, 1 worker", b),
                       (f"(c) collectbot, {CORES} workers", c)):
        print(f"   {name:<28} at {CONCURRENCY} conc: p50 {cell['p50_ms']} / p95 "
              f"{cell['p95_ms']} ms, {cell['turns_per_s']} turns/s, {cell['errors']} err",
              flush=True)
    for name, cell in (("(a)", a), ("(b)", b), ("(c)", c)):
        _print_cpu(name, cell)
    print(f"   ratios: (b)/(a) p95 {result.get('b_over_a_p95')}, (b)/(a) turns/s "
          f"{result.get('b_over_a_turns_per_s')}, (c)/(b) turns/s "
          f"{result.get('c_over_b_turns_per_s')} (load average {result['load_average_1m']}; "
          f"turn processes at nice +{result['turn_nice']})",
          flush=True)
    acks = c.get("webhook_ack", {})
    for key, r in acks.items():
        if ":" in key:
            print(f"   ack at {key.split(':')[1]:>3} concurrent ({r['client']}, against (c), real "
                  f"turns): p50 {r['ack_p50_ms']} / p99 {r['ack_p99_ms']} ms, {r['errors']} "
                  f"err; CPU per request: front {r['server_cpu_ms_per_request']} ms, load "
                  f"generator {r['client_cpu_ms_per_request']} ms (load average "
                  f"{r['load_average_1m']})", flush=True)
    if acks:
        audit = acks["audit"]
        print(f"   after the ack levels: drained in {acks['drained_s']} s; lost inbound "
              f"{audit['lost_inbound']}, lost outbound {audit['lost_outbound']}, duplicate "
              f"replies {audit['duplicate_replies']}", flush=True)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
