"""The dispatcher: what is due on each local day, the gate's verdicts on the ledger,
exactly once across reruns, dry runs that change nothing, high tier handoffs, and crash
recovery that never resends blindly."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot import clock
from bot.campaigns.dispatcher import run_once
from bot.campaigns.ratelimit import RateLimiter
from bot.cli import main
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Account, CampaignSend, ContactAttempt, EvidenceRecord, Handoff
from bot.store.portfolio import import_portfolio
from tests.campaigns.helpers import PORTFOLIO_HEADER, GatedSender
from tests.store.helpers import table_counts, write

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)   # 10:00 New York, 23:00 Shanghai
ROWS = [
    "L1,Ann Low,+12025550141,100.00,en,America/New_York,us,USD,2026-12-04,low",
    "L2,Bob Late,+12025550142,100.00,en,America/New_York,us,USD,2026-11-24,low",
    "M1,王明,+8613912345601,900.00,zh,Asia/Shanghai,cn,CNY,2026-11-24,medium",
    "H1,Hal High,+12025550144,100.00,en,America/New_York,us,USD,2026-11-24,high",
    "C1,Cy Cease,+12025550145,100.00,en,America/New_York,us,USD,2026-11-24,low",
    "P1,Pat Paid,+12025550146,0.00,en,America/New_York,us,USD,2026-12-04,low",
    "Q1,Quiet Day,+12025550147,100.00,en,America/New_York,us,USD,2026-11-25,low",
]


@pytest.fixture()
def portfolio(db, tmp_path):
    import_portfolio(write(tmp_path, "\n".join([PORTFOLIO_HEADER, *ROWS]) + "\n"))
    with session_scope() as s:
        repo.set_status(s, "C1", "cease")
    previous = clock.set_clock(clock.FixedClock(NOW))
    yield
    clock.set_clock(previous)


def _run(sender, now=NOW, **kw):
    clock.get_clock().instant = now
    return asyncio.run(run_once(now=now, sender=sender, limiter=RateLimiter(0), **kw))


def _ledger():
    with session_scope() as s:
        return {(r.account_id, r.step_key): r for r in s.execute(select(CampaignSend)).scalars()}


def test_one_pass_sends_defers_blocks_and_hands_off(portfolio) -> None:
    sender = GatedSender()
    summary = _run(sender)
    ledger = _ledger()
    assert set(ledger) == {("L1", "low-reminders/due-minus-3"), ("L2", "low-reminders/past-due-weekly"),
                           ("M1", "medium-negotiation/plan-invite-weekly"), ("H1", "tier/high-handoff"),
                           ("C1", "low-reminders/past-due-weekly")}
    status = {k[0]: r.status for k, r in ledger.items()}
    assert status == {"L1": "sent", "L2": "sent", "M1": "deferred", "H1": "handoff", "C1": "blocked"}
    # 23:00 in Shanghai: deferred to 08:00 there (00:00 UTC)
    assert ledger[("M1", "medium-negotiation/plan-invite-weekly")].next_attempt_at == \
        datetime(2026, 12, 2, 0, 0, tzinfo=timezone.utc)
    assert summary.outcomes == {"sent": 2, "deferred": 1, "blocked": 1, "handoff": 1}
    assert summary.blocked_reasons == {"status.cease": 1}
    with session_scope() as s:
        handoffs = list(s.execute(select(Handoff.account_id, Handoff.reason)).all())
    assert handoffs == [("H1", "high_risk_tier")]
    assert sorted(a for a, _, _ in sender.sent) == ["L1", "L2"]

    # the same hour again: nothing new is planned or sent, no second handoff
    again = _run(sender, NOW + timedelta(minutes=5))
    assert again.planned == 0 and sum(again.outcomes.values()) == 0
    # morning in Shanghai: the deferred message goes, once
    later = _run(sender, datetime(2026, 12, 2, 0, 30, tzinfo=timezone.utc))
    assert later.outcomes["sent"] == 1
    assert [a for a, _, _ in sender.sent].count("M1") == 1
    with session_scope() as s:
        assert s.execute(select(Handoff)).scalars().all().__len__() == 1


def test_dry_run_prints_the_plan_and_changes_nothing(portfolio, capsys) -> None:
    before = table_counts()
    assert main(["campaign", "run", "--now", NOW.isoformat(), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "L1 low-reminders/due-minus-3 sms: Hi Ann Low, this is Northwind Services" in out
    assert "H1 tier/high-handoff handoff: (handoff to a person: high risk tier)" in out
    assert "dry run: 5 message(s)/handoff(s) due; nothing written" in out
    assert table_counts() == before


def test_limit_and_bad_arguments(portfolio, capsys) -> None:
    sender = GatedSender()
    summary = _run(sender, limit=2)
    assert sum(summary.outcomes.values()) == 2
    assert main(["campaign", "run", "--limit", "0"]) == 2
    assert main(["campaign", "run", "--now", "noon"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("collectbot: error:") for e in err)


def test_crashed_send_is_reported_unknown_never_resent(portfolio) -> None:
    sender = GatedSender()
    _run(sender)
    with session_scope() as s:
        rows = {r.account_id: r for r in s.execute(select(CampaignSend)).scalars()}
        # L1: a dispatcher (pid 999999999, gone) claimed it and died before sending;
        # L2: one died after the send was logged but before the ledger said so.
        for account in ("L1", "L2"):
            rows[account].status, rows[account].claimed_by = "sending", "nohost-x:999999999"
            rows[account].claimed_at = NOW - timedelta(hours=1)
        s.query(ContactAttempt).filter(ContactAttempt.account_id == "L1").delete()
    summary = _run(GatedSender(), NOW + timedelta(minutes=10))
    ledger = {k[0]: r for k, r in _ledger().items()}
    assert ledger["L1"].status == "unknown" and ledger["L2"].status == "sent"
    assert summary.unknown == ["L1 low-reminders/due-minus-3 2026-12-01"]
    assert summary.outcomes.get("sent", 0) == 0


def test_cli_run_prints_the_summary(portfolio, capsys, monkeypatch) -> None:
    import bot.campaigns.dispatcher as dispatcher

    monkeypatch.setattr(dispatcher, "default_sender", GatedSender())
    monkeypatch.setenv("COLLECTBOT_SENDS_PER_SECOND", "0")
    from bot.config import reset_settings

    reset_settings()
    assert main(["campaign", "run", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    for line in ("sent", "deferred", "blocked", "handoff", "unknown (not resent)"):
        assert line in out
    assert "blocked: status" in out


def test_rate_limiter_spaces_sends_per_number() -> None:
    t = [0.0]
    slept = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        t[0] += seconds

    limiter = RateLimiter(2.0, monotonic=lambda: t[0], sleep=sleep)

    async def burst():
        starts = {"+1": [], "+2": []}
        for number in ["+1", "+1", "+2", "+1", "+2"]:
            await limiter.wait(number)
            starts[number].append(t[0])
        return starts

    starts = asyncio.run(burst())
    for times in starts.values():
        assert all(b - a >= 0.5 - 1e-9 for a, b in zip(times, times[1:]))
    assert starts["+1"] == [0.0, 0.5, 1.0]


def test_worker_ticks_until_stopped(portfolio) -> None:
    from bot.campaigns.dispatcher import worker

    sender = GatedSender()
    summaries = []

    async def go() -> int:
        stop = asyncio.Event()

        def seen(summary) -> None:
            summaries.append(summary)
            if len(summaries) == 3:
                stop.set()

        return await worker(stop=stop, tick_seconds=0.01, sender=sender, on_summary=seen)

    assert asyncio.run(go()) == 3
    # the worker re-scored the tiers first (H1, 7 days late with 100 USD, scores low and
    # so gets a reminder instead of a handoff; M1 likewise), then sent what was due once;
    # the next two passes found nothing new
    with session_scope() as s:
        tiers = dict(s.execute(select(Account.account_id, Account.risk_tier)).all())
        runs = s.execute(select(EvidenceRecord).where(
            EvidenceRecord.kind == "risk_tier.recompute")).scalars().all()
    assert tiers["H1"] == "low" and len(runs) == 1
    assert summaries[0].outcomes == {"sent": 3, "deferred": 1, "blocked": 1}
    assert sorted(a for a, _, _ in sender.sent) == ["H1", "L1", "L2"]
    assert [sum(x.outcomes.values()) for x in summaries[1:]] == [0, 0]


def test_a_deferral_nobody_retried_in_time_expires(portfolio) -> None:
    sender = GatedSender()
    _run(sender)     # M1 deferred (23:00 in Shanghai); its step allows 2 retry days
    # no dispatcher ran until after the retry days (end of 3 Dec, Shanghai)
    later = _run(sender, datetime(2026, 12, 3, 17, 0, tzinfo=timezone.utc))
    assert later.outcomes["expired"] == 1
    assert _ledger()[("M1", "medium-negotiation/plan-invite-weekly")].status == "expired"
    assert "M1" not in [a for a, _, _ in sender.sent]


def test_dry_run_shows_the_gates_verdicts_and_records_no_decision(portfolio, capsys) -> None:
    before = table_counts()
    assert main(["campaign", "run", "--now", NOW.isoformat(), "--dry-run"]) == 0
    lines = {line.split(" ")[1]: line for line in capsys.readouterr().out.splitlines()
             if line.startswith("2026-")}
    assert lines["L1"].endswith("-> gate: allowed")                      # 10:00 in New York
    assert "-> gate: deferred until 2026-12-02T00:00:00+00:00" in lines["M1"]   # 23:00 Shanghai
    assert "-> gate: blocked: status.cease" in lines["C1"]
    assert lines["H1"].endswith("-> gate: handoff (no gate: nothing is sent)")
    assert table_counts() == before  # no ledger row, decision, contact or evidence written


def test_a_resolved_high_tier_handoff_is_not_queued_again_for_a_week(portfolio) -> None:
    sender = GatedSender()
    _run(sender)
    with session_scope() as s:
        [handoff] = s.execute(select(Handoff)).scalars().all()
        handoff.status = "resolved"  # a person dealt with it
    for days in range(1, 7):  # the next six local days: the person's answer stands
        _run(sender, NOW + timedelta(days=days))
    with session_scope() as s:
        assert len(s.execute(select(Handoff)).scalars().all()) == 1
    _run(sender, NOW + timedelta(days=8))  # a week on, still high tier: queued again
    with session_scope() as s:
        reasons = [h.reason for h in s.execute(select(Handoff).order_by(Handoff.id)).scalars()]
    assert reasons == ["high_risk_tier", "high_risk_tier"]


def test_a_high_tier_account_a_person_already_has_gets_no_second_handoff(portfolio) -> None:
    from bot.console.routing import queue_handoff

    with session_scope() as s:  # e.g. a dispute raised in conversation, still open
        queue_handoff(s, account_id="H1", reason="dispute", conversation_id="+12025550144")
    _run(GatedSender())
    with session_scope() as s:
        assert [h.reason for h in s.execute(select(Handoff)).scalars()] == ["dispute"]


def test_a_banned_template_is_blocked_by_the_real_sender_and_never_reaches_the_assistant(portfolio) -> None:
    """The default sender (start_sms) screens the step's own words before asking the
    assistant to say them; without that the ledger would say `sent` for a threat."""
    from bot.campaigns.definitions import parse

    rogue = parse({
        "name": "rogue", "tiers": ["low"], "packs": ["us"], "steps": [{
            "id": "threat", "when": {"past_due_every": 1, "from": 0}, "channel": "sms",
            "templates": {"en": "Hi {name}, pay now or the police will arrest you.",
                          "zh": "{name}，今天不还钱就让警察抓你。"},
        }],
    }, "rogue.yml")
    summary = _run(None, campaigns=[rogue])   # None: the dispatcher's own default sender
    ledger = {key: row for key, row in _ledger().items() if key[1].startswith("rogue/")}
    assert {a for a, _ in ledger} == {"L2", "Q1", "C1"}
    assert {r.status for r in ledger.values()} == {"blocked"}
    assert summary.outcomes == {"blocked": 3, "handoff": 1}   # H1: high tier goes to a person
    assert summary.blocked_reasons["status.cease"] == 1
    # each threat trips several phrase families; both accounts' blocks name at least one
    assert sum(n for reason, n in summary.blocked_reasons.items() if reason.startswith("phrase")) >= 2
    with session_scope() as s:
        assert s.execute(select(ContactAttempt).where(ContactAttempt.status == "sent")).first() is None
