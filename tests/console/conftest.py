"""Fixtures for the console tests: agents, a seeded handoff, and a real Sanic server with
the console blueprint and the SMS channel (scripted assistant), the Twilio stand-in behind
both. The clock is fixed at 10:00 in New York so the contact window is open unless a test
moves it."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Optional, Tuple

import aiohttp
import pytest
from sanic import Sanic

from bot import clock
from bot.channels.outbox_sender import OutboxSender
from bot.channels.twilio_sms import CompliantTwilioInput
from bot.runtime.action_server import free_port
from tests.channels.conftest import (  # noqa: F401  (fixtures re-used here)
    OUR_NUMBER,
    ChannelServer,
    ScriptedAssistant,
    channel_env,
    debtors,
    standin,
)

PASSWORD = "correct horse battery"
#: 10:00 in New York, a Tuesday: inside every pack's window.
MORNING = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def fixed_clock():
    fixed = clock.FixedClock(MORNING)
    previous = clock.set_clock(fixed)
    yield fixed
    clock.set_clock(previous)


def add_agents() -> None:
    from bot.console.agents import add_agent
    from bot.store.db import session_scope

    with session_scope() as s:
        add_agent(s, "alice", role="agent", password=PASSWORD, languages=["en"], packs=["us"],
                  skills=["legal"])
        add_agent(s, "li", role="agent", password=PASSWORD, languages=["zh"], packs=["cn"])
        add_agent(s, "sam", role="supervisor", password=PASSWORD, languages=["en", "zh"])


def queue(account_id: str, reason: str, phone: str, intents=("request_human",)) -> int:
    from bot.console.routing import queue_handoff
    from bot.store.db import session_scope

    with session_scope() as s:
        return queue_handoff(s, account_id=account_id, reason=reason, conversation_id=phone,
                             intents=list(intents)).id


@dataclass
class Browser:
    """One agent's HTTP client: its own cookie jar, and the CSRF token of its session."""

    base: str
    http: aiohttp.ClientSession
    csrf: Optional[str] = None

    async def get(self, path: str, **kwargs) -> Tuple[int, str]:
        async with self.http.get(self.base + path, allow_redirects=False, **kwargs) as resp:
            return resp.status, await resp.text()

    async def post(self, path: str, data: Dict[str, str], *, csrf: Optional[str] = "session") -> Tuple[int, str]:
        form = dict(data)
        if csrf == "session":
            form["csrf"] = self.csrf or ""
        elif csrf is not None:
            form["csrf"] = csrf
        async with self.http.post(self.base + path, data=form, allow_redirects=False) as resp:
            text = await resp.text()
            if resp.status == 303:
                text = resp.headers.get("Location", "")
            return resp.status, text

    async def login(self, name: str, password: str = PASSWORD) -> int:
        _, page = await self.get("/console/login")
        token = _CSRF.search(page).group(1)
        status, _ = await self.post("/console/login", {"name": name, "password": password}, csrf=token)
        if status == 303:
            _, page = await self.get("/console/queue")
            self.csrf = _CSRF.search(page).group(1)
        return status


@dataclass
class ConsoleServer:
    url: str
    channels: ChannelServer
    sender: OutboxSender
    browsers: List[Browser] = field(default_factory=list)

    def browser(self) -> Browser:
        """A new client with its own cookies (closed with the server)."""
        jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1
        self.browsers.append(Browser(self.url, aiohttp.ClientSession(cookie_jar=jar)))
        return self.browsers[-1]


@pytest.fixture
async def console(channel_env, standin, debtors, fixed_clock):  # noqa: F811
    from bot.console.web import console_blueprint

    add_agents()
    Sanic.test_mode = True
    assistant = ScriptedAssistant()
    sms = CompliantTwilioInput.from_credentials({})
    sms._sender = OutboxSender(poll=0.05)
    app = Sanic(f"console_{uuid.uuid4().hex}")
    app.blueprint(sms.blueprint(assistant), url_prefix="/webhooks/twilio")
    app.blueprint(console_blueprint())
    port = free_port()
    srv = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                  access_log=False)
    await srv.startup()
    await srv.after_start()  # the inbox workers and the outbox sender
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        channels = ChannelServer(url, assistant, sms, None, standin, http)  # type: ignore[arg-type]
        server = ConsoleServer(url, channels, sms.sender)
        yield server
        for b in server.browsers:
            await b.http.close()
    await srv.before_stop()
    srv.close()
    await srv.wait_closed()

