"""The issue's "done when", with the real trained model: `collectbot run` in a child process
serves the console; a debtor who asks for a person, or writes three angry messages, shows up
in the right agent's console, and the agent's reply reaches them through the stand-in."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Debtor:
    phone: str
    agent: str
    ask_for_person: str
    angry: tuple
    reply: str
    banned: str


US_DEBTOR = Debtor(US_PHONE, "alice", "i want to talk to a person",
                   ("this is harassment!", "I am so angry at you people, this is ridiculous!",
                    "you people are idiots!"),
                   "Hi, this is Alice. I can help you now.", "Pay or you will be arrested")
CN_DEBTOR = Debtor(CN_PHONE, "li", "我要找真人", ("你们太过分了！", "烦死了，别再骚扰我！", "气死我了！"),
                   "您好，我是客服小李，现在由我为您服务。", "不还钱就通知你的单位")


def _roles() -> tuple:
    """(the debtor whose contact window is open now, the other one): the server runs on the
    wall clock, and an agent's reply outside the window is (rightly) held back."""
    from bot import clock
    from compliance_filters import check_window, load_pack

    us_open = check_window(load_pack("us"), (US_PHONE,), ("America/New_York",), clock.now()).allowed
    return (US_DEBTOR, CN_DEBTOR) if us_open else (CN_DEBTOR, US_DEBTOR)


def test_handoffs_reach_the_right_agent_and_replies_reach_the_debtor(trained_model, e2e_store):  # noqa: F811
    from bot.console.agents import add_agent
    from bot.store.db import session_scope

    with session_scope() as s:
        add_agent(s, "alice", role="agent", password=PASSWORD, languages=["en"], packs=["us"])
        add_agent(s, "li", role="agent", password=PASSWORD, languages=["zh"], packs=["cn"])
    talker, angry = _roles()
    with RunningAssistant(trained_model, log_file=e2e_store / "server.log") as bot:
        agents = {name: _login(bot.url, name) for name in ("alice", "li")}
        http, csrf = agents[talker.agent]
        other, _ = agents[angry.agent]

        assert bot.post_sms(talker.phone, talker.ask_for_person) == 200
        _wait_open(http, bot.url, 1)  # how fast: `python -m bench console` (no limits in tests)
        bot_said = bot.replies_after(talker.phone, 0)  # the bot's goodbye, sent in the background
        queue = http.get(f"{bot.url}/console/queue", timeout=10).text
        hid = int(re.search(r'id="handoff-(\d+)"', queue).group(1))
        assert other.get(f"{bot.url}/console/poll", timeout=10).json()["open"] == 0

        page = http.post(f"{bot.url}/console/handoffs/{hid}/claim", data={"csrf": csrf},
                         timeout=10).text
        assert talker.ask_for_person in page
        resp = http.post(f"{bot.url}/console/handoffs/{hid}/reply", timeout=30,
                         data={"csrf": csrf, "text": talker.reply})
        assert resp.status_code == 200, resp.text[-2000:]
        replies = bot.replies_after(talker.phone, len(bot_said))
        assert replies and replies[0].startswith(talker.reply)
        resp = http.post(f"{bot.url}/console/handoffs/{hid}/reply", timeout=30,
                         data={"csrf": csrf, "text": talker.banned})
        assert resp.status_code == 422 and "phrase." in resp.text
        assert bot.replies_after(talker.phone, len(bot_said) + 1, settle=0.5) == []

        for text in angry.angry:
            assert bot.post_sms(angry.phone, text) == 200
        _wait_open(other, bot.url, 1)
        assert http.get(f"{bot.url}/console/poll", timeout=10).json()["open"] == 1  # not theirs
