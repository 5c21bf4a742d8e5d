"""The outbound entry point: the gate decides before Rasa or Twilio are asked."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from aiohttp import web

from bot.channels import outbound
from bot.config import reset_settings
from bot.runtime.action_server import free_port
from tests.channels.conftest import PUBLIC_URL, US_PHONE

pytestmark = pytest.mark.usefixtures("debtors")

# 15:00 UTC = 10:00 in New York (inside 08-21); 03:00 UTC = 22:00 / 23:00 (outside)
INSIDE = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)
OUTSIDE = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
async def rasa_api(monkeypatch, channel_env):
    """A stand-in for the Rasa HTTP API that records trigger_intent calls."""
    calls = []

    async def trigger(request: web.Request) -> web.Response:
        # the raw path: Rasa keys the conversation on the segment exactly as sent
        conversation = request.raw_path.split("/")[2]
        calls.append((conversation, dict(request.query), await request.json()))
        return web.json_response({"tracker": {}})

    app = web.Application()
    app.router.add_post("/conversations/{conv}/trigger_intent", trigger)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setenv("COLLECTBOT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("COLLECTBOT_API_TOKEN", "api-token")
    reset_settings()
    yield calls
    await runner.cleanup()


async def test_start_sms_triggers_the_reminder_intent(rasa_api):
    result = await outbound.start_sms("A-US-1", at=INSIDE)
    assert (result.status, result.phone) == ("sent", US_PHONE)
    [(conversation, query, body)] = rasa_api
    assert conversation == US_PHONE
    assert query == {"output_channel": "twilio", "token": "api-token"}
    assert body == {"name": "start_reminder"}
    # the preflight line is never sent, so it leaves no decision: the greeting's is the one
    assert decisions() == 0


async def test_a_campaign_text_travels_with_the_triggered_intent(rasa_api):
    notice = "Hi Jane, a reminder from Northwind: please call us back at +1 800 555 0199."
    result = await outbound.start_sms("A-US-1", at=INSIDE, text=notice)
    assert result.status == "sent"
    [(_, _, body)] = rasa_api
    assert body == {"name": "start_reminder", "entities": {"campaign_notice": notice}}


def decisions() -> int:
    from sqlalchemy import func, select

    from bot.store.db import session_scope
    from bot.store.models import EvidenceRecord

    with session_scope() as s:
        return s.execute(select(func.count()).where(EvidenceRecord.kind == "decision")).scalar()


async def test_start_sms_outside_the_window_is_deferred(rasa_api):
    result = await outbound.start_sms("A-US-1", at=OUTSIDE)
    assert result.status == "deferred"
    assert result.next_allowed_at is not None and result.next_allowed_at > OUTSIDE
    assert any(r.startswith("window") for r in result.reasons)
    assert rasa_api == []
    assert decisions() == 1  # why nothing was sent is on record, once


def give_consent(phone: str = US_PHONE, channel: str = "voice") -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope() as s:
        repo.record_consent(s, account_id=None, phone=phone, channel=channel, source="import")


async def test_start_call_places_a_call_with_answering_machine_detection(channel_env, standin):
    give_consent()
    result = await outbound.start_call("A-US-1", at=INSIDE)
    assert result.status == "sent"
    [placed] = standin.calls()
    assert result.provider_sid == placed.sid
    assert placed.form["To"] == US_PHONE
    assert placed.form["MachineDetection"] == "Enable"
    assert placed.form["Url"] == f"{PUBLIC_URL}/webhooks/twilio_voice/webhook"
    assert placed.form["StatusCallback"] == f"{PUBLIC_URL}/webhooks/twilio_voice/status"


async def test_start_call_outside_the_window_places_nothing(channel_env, standin):
    give_consent()
    result = await outbound.start_call("A-US-1", at=OUTSIDE)
    assert result.status == "deferred"
    assert standin.requests == []


async def test_cn_calls_are_recorded_where_the_pack_says_so(channel_env, standin):
    from tests.channels.conftest import CN_PHONE

    give_consent()
    assert (await outbound.start_call("A-US-1", at=INSIDE)).status == "sent"
    shanghai_morning = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    result = await outbound.start_call("A-CN-1", at=shanghai_morning)
    assert result.status == "sent", result.reasons
    us_call, cn_call = standin.calls()
    assert cn_call.form["To"] == CN_PHONE and cn_call.form.get("Record", "").lower() == "true"
    assert "Record" not in us_call.form  # the us pack does not record (no notice is given)


async def test_an_artificial_voice_call_needs_consent_on_file(channel_env, standin):
    result = await outbound.start_call("A-US-1", at=INSIDE)
    assert result.status == "blocked"
    assert any(r.startswith("consent.artificial_voice") for r in result.reasons)
    assert standin.requests == []


async def test_an_sms_stop_also_stops_automated_calls(server, standin):
    """FCC 24-18: a revocation by text covers robocalls too (us pack), end to end."""
    give_consent()
    await server.sms(US_PHONE, "STOP")
    placed_before = len(standin.calls())
    result = await outbound.start_call("A-US-1", at=INSIDE)
    assert result.status == "blocked"
    assert any(r.startswith("optout.robo") for r in result.reasons)
    assert len(standin.calls()) == placed_before


async def test_unknown_account_is_an_error(channel_env):
    with pytest.raises(outbound.OutboundError):
        await outbound.start_sms("NOPE", at=INSIDE)


async def test_consent_recorded_from_the_cli_lets_the_call_go(channel_env, standin, capsys):
    from bot.cli import main as cli

    assert cli(["consent", "record", "A-NOPE", "--channel", "voice"]) == 2  # unknown: nothing
    assert (await outbound.start_call("A-US-1", at=INSIDE)).status == "blocked"
    assert cli(["consent", "record", "A-US-1", "--channel", "voice", "--source", "application"]) == 0
    assert (await outbound.start_call("A-US-1", at=INSIDE)).status == "sent"
    assert cli(["consent", "withdraw", "A-US-1", "--channel", "all"]) == 0
    result = await outbound.start_call("A-US-1", at=INSIDE)
    assert result.status == "blocked"
    assert any(r.startswith("consent.artificial_voice") for r in result.reasons)
    assert len(standin.calls()) == 1


async def test_a_banned_campaign_text_is_blocked_before_the_assistant_is_asked(rasa_api):
    threat = "Hi Jane, this is Northwind. Pay today or the police will come to arrest you."
    result = await outbound.start_sms("A-US-1", at=INSIDE, text=threat)
    assert result.status == "blocked"
    assert any(r.startswith("phrase") for r in result.reasons), result.reasons
    assert rasa_api == []      # no conversation was opened to say it
    assert decisions() == 1    # the block is on record, once

