"""The angry-message early warning: handoffs the dialogue made for negative emotion, per day,
over the accounts reached that day; alerts checked against a count made from the exports."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from bot import clock
from bot.cli import main
from bot.console.routing import queue_handoff
from bot.reports.alerts import DEFAULT_THRESHOLDS, level_for, parse_thresholds
from bot.store import repo
from bot.store.db import session_scope

DAY = date(2026, 10, 6)


def _export(capsys: pytest.CaptureFixture, kind: str) -> list:
    capsys.readouterr()
    assert main(["export", kind]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_default_thresholds_watch_the_angry_rate() -> None:
    assert "angry_rate=" in DEFAULT_THRESHOLDS
    assert parse_thresholds("")["angry_rate"] == Decimal("0.05")
    assert parse_thresholds("angry=2") == {"angry": Decimal(2)}


def test_angry_rate_alerts_agree_with_an_independent_count(db, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLLECTBOT_ALERT_THRESHOLDS", "angry_rate=0.05,angry=2")
    from bot.config import reset_settings

    reset_settings()
    path = tmp_path / "p.csv"
    assert main(["demo-data", "--accounts", "30", "--seed", "3", "--out", str(path)]) == 0
    assert main(["import", str(path)]) == 0
    with path.open(encoding="utf-8") as f:
        accounts = [(r["account_id"], r["phone"]) for r in csv.DictReader(f)]
    # day 0: 30 reached, 3 angry (0.1: orange on the rate, yellow on the count);
    # day 1: 30 reached, 1 angry (0.0333: nothing);
    # day 2: 4 reached, 2 angry (0.5 but too few reached for a rate alert; blue on the count)
    plan = {0: (30, 3), 1: (30, 1), 2: (4, 2)}
    previous = clock.set_clock(clock.FixedClock(datetime(2026, 10, 6, tzinfo=timezone.utc)))
    try:
        for offset, (reached, angry) in plan.items():
            at = datetime(2026, 10, 6, 14, tzinfo=timezone.utc) + timedelta(days=offset)
            clock.get_clock().instant = at
            with session_scope() as s:
                for aid, phone in accounts[:reached]:
                    repo.record_contact(s, account_id=aid, channel="sms", direction="inbound",
                                        to="+15005550006", from_=phone, status="received",
                                        text="hi", at=at)
                for aid, phone in accounts[:angry]:
                    conversation = f"{phone}-{offset}"
                    queue_handoff(s, account_id=aid, reason="human_request",
                                  conversation_id=conversation)
                    # the streak of negative messages joins the conversation's open handoff
                    queue_handoff(s, account_id=aid, reason="negative_emotion",
                                  conversation_id=conversation)
                # a calm handoff is not an angry one
                queue_handoff(s, account_id=accounts[-1][0], reason="dispute",
                              conversation_id=f"calm-{offset}")
    finally:
        clock.set_clock(previous)

    reached, angry = defaultdict(set), defaultdict(set)
    for c in _export(capsys, "contacts"):
        if c["direction"] == "inbound" and c["status"] == "received":
            reached[c["at"][:10]].add(c["account_id"])
    for h in _export(capsys, "handoff_times"):
        if "negative_emotion" in h["reason"].split(","):
            angry[h["created_at"][:10]].add(h["account_id"])
    want = set()
    for day in reached:
        n, d = len(angry[day]), len(reached[day])
        if d >= 20:
            rate = (Decimal(n) / d).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
            if level_for(rate, Decimal("0.05")):
                want.add((day, "angry_rate", str(rate), level_for(rate, Decimal("0.05"))))
        if level_for(Decimal(n), Decimal(2)):
            want.add((day, "angry", str(n), level_for(Decimal(n), Decimal(2))))
    assert want == {("2026-10-06", "angry_rate", "0.1000", "orange"),
                    ("2026-10-06", "angry", "3", "yellow"), ("2026-10-08", "angry", "2", "blue")}

    capsys.readouterr()
    assert main(["report", "alerts", "--from", "2026-10-01", "--to", "2026-10-10",
                 "--format", "json"]) == 0
    got = {(a["day"], a["metric"], a["value"], a["level"])
           for a in json.loads(capsys.readouterr().out)["alerts"]}
    assert got == want

    assert main(["report", "--format", "json", "--by", "day", "--from", "2026-10-06"]) == 0
    rows = {r["day"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert [rows[d]["accounts_angry"] for d in ("2026-10-06", "2026-10-07", "2026-10-08")] == \
        [3, 1, 2]
    assert rows["2026-10-07"]["angry_rate"] == "0.0333"
