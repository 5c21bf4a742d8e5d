"""The demo's pieces that do not need a running assistant (CI runs `make demo` itself):
the shifted clock every process shares, the instant the dispatcher opens the conversation
at, and the debtor scripts."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot import clock
from bot.campaigns.definitions import load_campaigns
from bot.channels.outbound import preview
from bot.cli import main
from bot.config import reset_settings
from bot.demo_data import write_csv
from bot.runtime.demo import DemoError, campaign_instant, demo_account, demo_script, run_demo
from bot.store.portfolio import import_portfolio

REAL_NOW = datetime(2026, 11, 30, 4, 30, tzinfo=timezone.utc)


@pytest.fixture()
def demo_portfolio(db, tmp_path):
    csv_path = tmp_path / "portfolio.csv"
    write_csv(csv_path, 50, seed=7)
    import_portfolio(csv_path)


def test_clock_start_gives_a_clock_that_starts_there_and_runs(monkeypatch) -> None:
    monkeypatch.setenv("COLLECTBOT_CLOCK_START", "2026-12-01T18:00:00Z")
    reset_settings()
    try:
        started = clock.configured_clock()
        first = started.now()
        assert isinstance(started, clock.StartedClock)
        assert datetime(2026, 12, 1, 18, tzinfo=timezone.utc) <= first
        assert first < datetime(2026, 12, 1, 19, tzinfo=timezone.utc)
        assert started.now() >= first
        monkeypatch.setenv("COLLECTBOT_CLOCK_START", "tomorrow")
        reset_settings()
        with pytest.raises(ValueError, match="COLLECTBOT_CLOCK_START: 'tomorrow'"):
            clock.configured_clock()
        monkeypatch.delenv("COLLECTBOT_CLOCK_START")
        reset_settings()
        assert isinstance(clock.configured_clock(), clock.SystemClock)
    finally:
        reset_settings()


@pytest.mark.parametrize("language, instant", [
    ("en", datetime(2026, 12, 1, 18, tzinfo=timezone.utc)),   # 10:00 Los Angeles, 11 weeks late
    ("zh", datetime(2026, 12, 3, 2, tzinfo=timezone.utc)),    # 10:00 Shanghai, 15 weeks late
])
def test_the_demo_opens_at_a_due_sms_step_the_gate_allows(demo_portfolio, language, instant) -> None:
    account = demo_account(language)
    found, item = campaign_instant(account["account_id"], load_campaigns(), REAL_NOW)
    assert found == instant
    assert (item.account_id, item.channel, item.step_key) == (
        account["account_id"], "sms", "medium-negotiation/plan-invite-weekly")
    assert item.step.template(language)
    assert preview(account["account_id"], "sms", at=found).status == "allowed"
    # a day later the step is not due: the instant is the step's own day
    later, _ = campaign_instant(account["account_id"], load_campaigns(), found + timedelta(days=1))
    assert later == found + timedelta(days=7)


def test_no_due_step_is_a_clear_demo_error(demo_portfolio) -> None:
    with pytest.raises(DemoError, match="no campaign SMS step falls due for A-1001"):
        campaign_instant("A-1001", load_campaigns(), REAL_NOW, days=1)
    with pytest.raises(DemoError, match="no account A-9999"):
        campaign_instant("A-9999", load_campaigns(), REAL_NOW)


def test_scripts_are_written_in_each_language() -> None:
    zh = demo_script(demo_account("zh"))
    assert zh[1] == "身份证尾号1234" and "我下月5号还两千" in zh
    en = demo_script(demo_account("en"))
    assert en[1] == "my date of birth is 1985-03-14" and en[-1] == "ok, deal"


def test_bad_language_is_refused(capsys) -> None:
    with pytest.raises(DemoError, match="--lang must be one of en, zh, both"):
        run_demo(lang="fr")
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--lang", "fr"])
    assert exc.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err
