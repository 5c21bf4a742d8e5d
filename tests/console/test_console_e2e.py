"""The issue's "done when", with the real trained model: `collectbot run` in a child process
serves the console; a debtor who asks for a person, or writes three angry messages, shows up
in the right agent's console, and the agent's reply reaches them through the stand-in."""

from __future__ import annotations

import re
import time

import pytest
import requests

from bot.runtime.harness import RunningAssistant
from tests.channels.conftest import CN_PHONE, US_PHONE
from tests.channels.test_end_to_end import e2e_store  # noqa: F401  (fixture)
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.slow
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _login(url: str, name: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(f"{url}/console/login", timeout=10).text
    resp = http.post(f"{url}/console/login", timeout=10, data={
        "name": name, "password": PASSWORD, "csrf": _CSRF.search(page).group(1)})
    assert resp.status_code == 200 and f"{name} (agent)" in resp.text
    return http, _CSRF.search(resp.text).group(1)


def _wait_open(http: requests.Session, url: str, count: int, timeout: float = 30.0) -> None:
    """Until the agent's poll reports `count` open handoffs (AssertionError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http.get(f"{url}/console/poll", timeout=10).json()["open"] >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} open handoff(s) after {timeout}s")


def test_handoffs_reach_the_right_agent_and_replies_reach_the_debtor(trained_model, e2e_store):  # noqa: F811
    from bot.console.agents import add_agent
    from bot.store.db import session_scope

    with session_scope() as s:
        add_agent(s, "alice", role="agent", password=PASSWORD, languages=["en"], packs=["us"])
        add_agent(s, "li", role="agent", password=PASSWORD, languages=["zh"], packs=["cn"])
    with RunningAssistant(trained_model, log_file=e2e_store / "server.log") as bot:
        alice, alice_csrf = _login(bot.url, "alice")
        li, _ = _login(bot.url, "li")

        assert bot.post_sms(US_PHONE, "i want to talk to a person") == 200
        _wait_open(alice, bot.url, 1)  # how fast: `python -m bench console` (no limits in tests)
        bot_said = bot.replies_after(US_PHONE, 0)  # the bot's own goodbye, sent in the background
        assert any("team" in text for text in bot_said)
        queue = alice.get(f"{bot.url}/console/queue", timeout=10).text
        hid = int(re.search(r'id="handoff-(\d+)"', queue).group(1))
        assert "asked for a person" in queue and "alice" in queue
        assert li.get(f"{bot.url}/console/poll", timeout=10).json()["open"] == 0

        page = alice.post(f"{bot.url}/console/handoffs/{hid}/claim", data={"csrf": alice_csrf},
                          timeout=10).text
        assert "i want to talk to a person" in page
        seen = len(bot_said)
        resp = alice.post(f"{bot.url}/console/handoffs/{hid}/reply", timeout=30, data={
            "csrf": alice_csrf, "text": "Hi, this is Alice. I can help you now."})
        assert resp.status_code == 200
        replies = bot.replies_after(US_PHONE, seen)
        assert replies and replies[0].startswith("Hi, this is Alice. I can help you now.")
        resp = alice.post(f"{bot.url}/console/handoffs/{hid}/reply", timeout=30, data={
            "csrf": alice_csrf, "text": "Pay or you will be arrested"})
        assert resp.status_code == 422 and "phrase.threat_arrest" in resp.text
        assert bot.replies_after(US_PHONE, seen + 1, settle=0.5) == []

        for text in ("你们太过分了！", "烦死了，别再骚扰我！", "气死我了！"):
            assert bot.post_sms(CN_PHONE, text) == 200
        _wait_open(li, bot.url, 1)
        assert "多次负面情绪" in li.get(f"{bot.url}/console/queue", timeout=10).text
