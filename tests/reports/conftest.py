"""The dashboard tests' server: the console and dashboard blueprints on a free port, with a
generated 30-day history, console agents (alice: agent, sam: supervisor) and a browser maker."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from sanic import Sanic

from bot.runtime.action_server import free_port
from tests.console.conftest import Browser, add_agents
from tests.reports.history import generate


@pytest.fixture
async def site(db, tmp_path):
    """(make_browser, history, base_url)"""
    from bot.console.web import console_blueprint
    from bot.reports.dashboard import dashboard_blueprint

    history = generate(tmp_path, accounts=30)
    add_agents()
    Sanic.test_mode = True
    app = Sanic(f"dashboard_{uuid.uuid4().hex}")
    app.blueprint(console_blueprint())
    app.blueprint(dashboard_blueprint())
    port = free_port()
    srv = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                  access_log=False)
    await srv.startup()
    browsers = []

    def browser() -> Browser:
        b = Browser(f"http://127.0.0.1:{port}",
                    aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)))
        browsers.append(b)
        return b

    yield browser, history, f"http://127.0.0.1:{port}"
    for b in browsers:
        await b.http.close()
    srv.close()
    await srv.wait_closed()
