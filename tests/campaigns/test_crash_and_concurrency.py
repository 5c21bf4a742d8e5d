"""Real dispatcher processes (`python -m bot campaign run`) sending through the real
start_sms to a stand-in for the assistant's trigger_intent route: a SIGKILL mid-send and a
rerun send nothing twice and skip nothing; two dispatchers at once send each message once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Optional
from urllib.parse import unquote, urlparse

from sqlalchemy import select

from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import CampaignSend
from bot.store.portfolio import import_portfolio
from tests.campaigns.helpers import PORTFOLIO_HEADER
from tests.store.helpers import write

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)   # 12:00 in Shanghai
ACCOUNTS = 24
ROOT = Path(__file__).resolve().parents[2]


class AssistantStandIn:
    """Answers `POST /conversations/<phone>/trigger_intent` like `collectbot run` does, and
    logs the contact as the SMS output channel would. `hold_on` = the request number
    (1-based) that signals `held` after logging its contact, then hangs."""

    def __init__(self, hold_on: Optional[int] = None, delay: float = 0.0) -> None:
        self.phones: List[str] = []
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.hold_on = hold_on
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                phone = unquote(urlparse(self.path).path.split("/")[2])
                with stand_in.lock:
                    stand_in.phones.append(phone)
                    number = len(stand_in.phones)
                with session_scope() as s:
                    account = repo.find_account_by_phone(s, phone)
                    repo.record_contact(s, account_id=account.account_id, channel="sms",
                                        direction="outbound", to=phone, from_="+15005550006",
                                        status="sent", text="hello", at=NOW)
                time.sleep(delay)
                if number == stand_in.hold_on:
                    stand_in.held.set()
                    time.sleep(30)
                body = json.dumps({"tracker": {}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _portfolio(tmp_path: Path) -> None:
    rows = [f"K{i:02d},客户{i},+86139123457{i:02d},900.00,zh,Asia/Shanghai,cn,CNY,2026-11-24,low"
            for i in range(ACCOUNTS)]
    import_portfolio(write(tmp_path, "\n".join([PORTFOLIO_HEADER, *rows]) + "\n"))


def _dispatcher(db_url: str, assistant_url: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url, COLLECTBOT_URL=assistant_url,
               COLLECTBOT_SENDS_PER_SECOND="0", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "bot", "campaign", "run", "--now", NOW.isoformat()],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _ledger() -> Counter:
    with session_scope() as s:
        return Counter(s.execute(select(CampaignSend.status)).scalars())


def test_sigkill_mid_send_then_rerun_sends_nothing_twice(db, tmp_path) -> None:
    _portfolio(tmp_path)
    stand_in = AssistantStandIn(hold_on=4)
    try:
        first = _dispatcher(db, stand_in.url)
        assert stand_in.held.wait(timeout=240), first.communicate(timeout=5)
        os.kill(first.pid, signal.SIGKILL)       # killed after the send, before the ledger
        first.wait(timeout=30)
        assert _ledger()["sending"] == 1
        second = _dispatcher(db, stand_in.url)
        out, err = second.communicate(timeout=300)
        assert second.returncode == 0, err
    finally:
        stand_in.close()
    assert len(stand_in.phones) == ACCOUNTS
    assert Counter(stand_in.phones).most_common(1)[0][1] == 1   # nothing twice
    assert _ledger() == Counter({"sent": ACCOUNTS})              # nothing skipped
    assert "unknown (not resent)" in out


def test_two_dispatchers_send_each_message_once(db, tmp_path) -> None:
    _portfolio(tmp_path)
    stand_in = AssistantStandIn(delay=0.25)   # sends take a while: the two runs overlap
    try:
        runs = [_dispatcher(db, stand_in.url) for _ in range(2)]
        results = [p.communicate(timeout=300) for p in runs]
    finally:
        stand_in.close()
    assert [p.returncode for p in runs] == [0, 0], [err for _, err in results]
    assert sorted(stand_in.phones) == sorted(set(stand_in.phones))
    assert len(stand_in.phones) == ACCOUNTS
    assert _ledger() == Counter({"sent": ACCOUNTS})
    with session_scope() as s:
        workers = set(s.execute(select(CampaignSend.claimed_by)).scalars())
    assert len(workers) == 2, "both dispatchers claimed work (they ran at the same time)"


def test_worker_process_runs_passes_and_stops_on_sigterm(db, tmp_path) -> None:
    """What a deployment runs: `collectbot campaign worker` passes until SIGTERM, then exits 0."""
    _portfolio(tmp_path)
    stand_in = AssistantStandIn()
    env = dict(os.environ, DATABASE_URL=db, COLLECTBOT_URL=stand_in.url, PYTHONUNBUFFERED="1",
               COLLECTBOT_SENDS_PER_SECOND="0", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "bot", "campaign", "worker", "--tick", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    watchdog = threading.Timer(240, proc.kill)   # a hung worker fails the test, not the suite
    watchdog.start()
    try:
        passes = 0
        for line in proc.stdout:
            passes += "campaign run:" in line
            if passes == 2:
                break
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
        stand_in.close()
    assert passes == 2 and proc.returncode == 0, err
    assert "worker stopped after" in out
    # whatever the wall clock allowed was sent once; the rest waits in the ledger
    assert Counter(stand_in.phones).most_common(1)[0][1] == 1 if stand_in.phones else True
    assert _ledger()["sending"] == 0
