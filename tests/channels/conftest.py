"""Fixtures for the channel tests: settings, the Twilio stand-in, seeded debtors, and
the channel blueprints served by a real Sanic server on 127.0.0.1 with a scripted
stand-in for the assistant (so the tests exercise HTTP, signatures, the gate and the store
without needing the trained model)."""

from __future__ import annotations

import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.outbox_sender import OutboxSender
from bot.channels.twilio_sms import CompliantTwilioInput
from bot.channels.twilio_voice import CompliantTwilioVoiceInput
from bot.channels.webhook import sign
from bot.config import get_settings, reset_settings
from bot.runtime.action_server import free_port
from bot.runtime.twilio_standin import TwilioStandIn
from tests.importing import import_csv

PUBLIC_URL = "https://collectbot.example.test"
AUTH_TOKEN = "test-auth-token"
OUR_NUMBER = "+15005550006"
AGENT_NUMBER = "+15005550007"

US_PHONE = "+12125550101"   # New York: America/New_York
CN_PHONE = "+8613800138000"
UNKNOWN_PHONE = "+13125550199"

PORTFOLIO = (
    "account_id,name,phone,balance,language,timezone,pack,currency,creditor,dob,id_last4,zip\n"
    f"A-US-1,Jane Doe,{US_PHONE},500.00,en,America/New_York,us,USD,Acme Bank,1985-03-14,1234,10001\n"
    f"A-CN-1,王芳,{CN_PHONE},3000.00,zh,Asia/Shanghai,cn,CNY,华夏银行,1990-07-01,5678,\n"
)


@pytest.fixture
def standin():
    with TwilioStandIn() as server:
        yield server


@pytest.fixture
def channel_env(monkeypatch, standin):
    monkeypatch.setenv("PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("TWILIO_NUMBER", OUR_NUMBER)
    monkeypatch.setenv("TWILIO_API_BASE", standin.url)
    monkeypatch.setenv("COLLECTBOT_AGENT_NUMBER", AGENT_NUMBER)
    monkeypatch.setenv("COLLECTBOT_PIPELINE_RETRY_SECONDS", "0.01")
    reset_settings()
    yield get_settings()
    reset_settings()


@pytest.fixture
def debtors(db, channel_env, tmp_path: Path):
    """Two debtors (us/en, cn/zh) imported through the portfolio importer."""
    import_csv(tmp_path, PORTFOLIO)
    return {"us": US_PHONE, "cn": CN_PHONE}


class ScriptedAssistant:
    """Stands in for Rasa's agent: answers each text with the scripted bot messages."""

    def __init__(self) -> None:
        self.received: List[UserMessage] = []
        self.script: Dict[str, List[Dict[str, Any]]] = {}
        # what an action would do in the store before answering (text -> callable)
        self.hooks: Dict[str, Callable[[UserMessage], None]] = {}

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text in self.hooks:
            self.hooks[message.text](message)
        default = [{"text": f"You said: {message.text}"}]
        for bot_message in self.script.get(message.text, default):
            await message.output_channel.send_response(message.sender_id, dict(bot_message))


@dataclass
class ChannelServer:
    url: str
    assistant: ScriptedAssistant
    sms_channel: CompliantTwilioInput
    voice_channel: CompliantTwilioVoiceInput
    standin: TwilioStandIn
    http: aiohttp.ClientSession
    sids: List[str] = field(default_factory=list)

    async def post(self, path: str, params: Dict[str, str], *, signature: Optional[str] = "valid",
                   raw: Optional[bytes] = None) -> tuple[int, str]:
        """POST a form to `path`, signed as Twilio would sign it (or not, or forged)."""
        body = raw if raw is not None else urllib.parse.urlencode(params).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "valid":
            headers["X-Twilio-Signature"] = sign(PUBLIC_URL + path, params, AUTH_TOKEN)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        async with self.http.post(self.url + path, data=body, headers=headers) as resp:
            return resp.status, await resp.text()

    async def sms(self, phone: str, text: str, sid: Optional[str] = None) -> tuple[int, str]:
        sid = sid or "SM" + uuid.uuid4().hex
        self.sids.append(sid)
        status = await self.post("/webhooks/twilio/webhook", {
            "From": phone, "To": OUR_NUMBER, "Body": text, "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32})
        await self.sms_channel.drain()
        return status

    @property
    def sms_sender(self) -> OutboxSender:
        return self.sms_channel.sender


@pytest.fixture
async def server(channel_env, standin):
    Sanic.test_mode = True
    assistant = ScriptedAssistant()
    sms = CompliantTwilioInput.from_credentials({})
    sms._sender = OutboxSender(status_callback=f"{PUBLIC_URL}/webhooks/twilio/status",
                               poll=0.05)
    voice = CompliantTwilioVoiceInput.from_credentials({})
    app = Sanic(f"channels_{uuid.uuid4().hex}")
    app.blueprint(sms.blueprint(assistant), url_prefix="/webhooks/twilio")
    app.blueprint(voice.blueprint(assistant), url_prefix="/webhooks/twilio_voice")
    port = free_port()
    srv = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                  access_log=False)
    await srv.startup()
    await srv.after_start()  # starts the inbox workers and the outbox sender
    async with aiohttp.ClientSession() as http:
        yield ChannelServer(f"http://127.0.0.1:{port}", assistant, sms, voice, standin, http)
    await srv.before_stop()
    srv.close()
    await srv.wait_closed()
