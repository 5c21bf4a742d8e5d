"""A running assistant in a child process, driven through the real signed webhooks.

Shared by `collectbot demo` and the webhook benchmark: start the Twilio stand-in, start
`python -m bot.runtime.server` with TWILIO_API_BASE pointing at it and PUBLIC_URL at the
server, then post Twilio-signed form requests exactly as Twilio would.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Dict, Mapping, Optional

from bot.channels.webhook import sign
from bot.config import get_settings
from bot.runtime.action_server import free_port, stop_process, wait_http
from bot.runtime.twilio_standin import TwilioStandIn


def new_message_sid() -> str:
    return "SM" + secrets.token_hex(16)


class RunningAssistant:
    """`collectbot run` as a child process on a free port, talking to a Twilio stand-in."""

    def __init__(self, model: Path, *, env: Optional[Mapping[str, str]] = None,
                 port: Optional[int] = None, log_file: Optional[Path] = None) -> None:
        self.model = model
        self.port = port or free_port()
        self.action_port = free_port()
        self.standin = TwilioStandIn()
        self.extra_env = dict(env or {})
        self.log_file = log_file
        self.proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> Dict[str, str]:
        settings = get_settings()
        env = dict(os.environ)
        env.update({
            "RASA_TELEMETRY_ENABLED": "false",
            "TWILIO_API_BASE": self.standin.url,
            "PUBLIC_URL": self.url,
            "COLLECTBOT_URL": self.url,
            "COLLECTBOT_API_TOKEN": settings.api_token,
            "COLLECTBOT_HMAC_KEY": settings.hmac_key,
            "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
            "TWILIO_NUMBER": settings.twilio_number,
            "DATABASE_URL": settings.database_url,
        })
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 600.0) -> RunningAssistant:
        self.standin.start()
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.runtime.server", "--port", str(self.port),
             "--action-port", str(self.action_port), "--model", str(self.model)],
            cwd=str(get_settings().home), env=self.env, stdout=out, stderr=out,
        )
        started = time.monotonic()
        try:
            token = urllib.parse.quote(self.env["COLLECTBOT_API_TOKEN"], safe="")
            wait_http(f"{self.url}/status?token={token}", timeout, self.proc)
            self._wait_turn_processes(started + timeout)
        except Exception:
            self.stop()
            raise
        return self

    def _wait_turn_processes(self, deadline: float) -> None:
        """With turn processes, also wait until each has loaded its model ("2 of 2 ready")."""
        while True:
            status = self.health().get("turn_processes")
            if status is None or status.split()[0] == status.split()[-2]:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"turn processes not ready in time: {status}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=20)
            self.proc = None
        self.standin.stop()

    def __enter__(self) -> RunningAssistant:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def signed_form(self, path: str, params: Mapping[str, str]) -> tuple[bytes, Dict[str, str]]:
        """Body and headers of a request Twilio would send to `path` with `params`."""
        url = self.env["PUBLIC_URL"] + path
        signature = sign(url, dict(params), self.env["TWILIO_AUTH_TOKEN"])
        body = urllib.parse.urlencode(params).encode("utf-8")
        headers = {"X-Twilio-Signature": signature,
                   "Content-Type": "application/x-www-form-urlencoded"}
        return body, headers

    def post_sms(self, phone: str, text: str, *, sid: Optional[str] = None,
                 timeout: float = 120.0) -> int:
        """Deliver one inbound SMS through the real signed webhook; returns the HTTP status."""
        params = {"From": phone, "To": self.env["TWILIO_NUMBER"], "Body": text,
                  "MessageSid": sid or new_message_sid(), "AccountSid": "AC" + "0" * 32,
                  "NumMedia": "0"}
        body, headers = self.signed_form("/webhooks/twilio/webhook", params)
        request = urllib.request.Request(f"{self.url}/webhooks/twilio/webhook", data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def post_voice(self, params: Mapping[str, str], *, query: str = "",
                   path: str = "/webhooks/twilio_voice/webhook",
                   timeout: float = 120.0) -> tuple[int, str]:
        """One signed voice webhook (a call turn, or `path` the status callback); `query` is
        the Gather action's query the previous turn asked Twilio to post to."""
        full = path + (f"?{query}" if query else "")
        body, headers = self.signed_form(full, params)
        request = urllib.request.Request(f"{self.url}{full}", data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                return resp.status, resp.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def health(self) -> Dict[str, object]:
        """The running server's health report (also when it answers 503)."""
        request = urllib.request.Request(f"{self.url}/webhooks/twilio/health")
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:  # 503 (degraded) still carries the report
            return json.loads(exc.read())

    def backlog(self) -> Dict[str, object]:
        """The running server's unfinished inbox/outbox rows (from its health route)."""
        return self.health().get("backlog", {})

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until every stored message is answered and every reply handed to Twilio:
        the webhook acknowledges before the turn runs, so its answer proves nothing yet."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            backlog = self.backlog()
            if backlog.get("inbox_unfinished") == 0 and backlog.get("outbox_unfinished") == 0:
                return
            time.sleep(0.05)

    def replies_after(self, phone: str, seen: int, *, settle: float = 0.6,
                      timeout: float = 30.0) -> list[str]:
        """Texts sent to `phone` beyond the first `seen`, once sending has settled."""
        self.wait_idle(timeout)
        deadline = time.monotonic() + timeout
        count, stable_since = len(self.standin.messages(phone)), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now_count = len(self.standin.messages(phone))
            if now_count != count:
                count, stable_since = now_count, time.monotonic()
            elif count > seen and time.monotonic() - stable_since >= settle:
                break
            elif count == seen and time.monotonic() - stable_since >= settle * 5:
                break
        return [r.body for r in self.standin.messages(phone)[seen:]]
