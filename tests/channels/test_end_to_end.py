"""End to end with the real trained model: `collectbot run` in a child process, a signed
SMS through the real webhook route, the reply captured by the Twilio stand-in."""

from __future__ import annotations

import pytest

from bot.config import reset_settings
from bot.runtime.harness import RunningAssistant, new_message_sid
from tests.channels.conftest import PORTFOLIO, UNKNOWN_PHONE, US_PHONE
from tests.importing import import_csv

pytestmark = pytest.mark.slow


@pytest.fixture
def e2e_store(monkeypatch, tmp_path):
    from bot.cli import main as cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'e2e.db'}")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "e2e-auth-token")
    monkeypatch.setenv("COLLECTBOT_API_TOKEN", "e2e-api-token")
    reset_settings()
    assert cli(["db", "upgrade"]) == 0
    import_csv(tmp_path, PORTFOLIO)
    yield tmp_path
    reset_settings()


def test_signed_sms_gets_a_screened_reply_from_the_model(trained_model, e2e_store):
    with RunningAssistant(trained_model, log_file=e2e_store / "server.log") as bot:
        sid = new_message_sid()
        assert bot.post_sms(US_PHONE, "hi", sid=sid) == 200
        replies = bot.replies_after(US_PHONE, 0)
        assert replies, (e2e_store / "server.log").read_text()[-3000:]
        assert all("Reply STOP" in r or "STOP" in r for r in replies)
        # Twilio's retry of the same delivery produces no second reply
        assert bot.post_sms(US_PHONE, "hi", sid=sid) == 200
        assert bot.replies_after(US_PHONE, len(replies), settle=0.5) == []
        # a forged request is refused by the running server
        body, headers = bot.signed_form("/webhooks/twilio/webhook", {"From": US_PHONE})
        headers["X-Twilio-Signature"] = "forged"
        import urllib.error
        import urllib.request

        request = urllib.request.Request(f"{bot.url}/webhooks/twilio/webhook", data=body,
                                         headers=headers, method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 403
        # nothing about the debt to a number with no account behind it
        assert bot.post_sms(UNKNOWN_PHONE, "what is my balance?") == 200
        for text in bot.replies_after(UNKNOWN_PHONE, 0):
            assert "500" not in text and "Acme" not in text
