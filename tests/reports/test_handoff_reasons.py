"""Handoffs gather reasons ("dispute,distress": one open handoff per conversation); the
per-reason KPIs count a handoff once under each of its reasons."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

from bot import clock
from bot.cli import main
from bot.console.routing import queue_handoff
from bot.reports import rows
from bot.reports.metrics import ReportQuery, reasons_of
from bot.store import repo
from bot.store.db import session_scope
from tests.store.helpers import good_csv

AT = datetime(2026, 10, 6, 15, 0, tzinfo=timezone.utc)


def test_reasons_of_splits_and_dedupes() -> None:
    assert reasons_of("dispute,distress,dispute") == ["dispute", "distress"]
    assert reasons_of("complaint") == ["complaint"] and reasons_of(None) == []


def test_each_reason_of_a_handoff_counts_it_once(db, tmp_path, capsys) -> None:
    assert main(["import", str(good_csv(tmp_path))]) == 0
    previous = clock.set_clock(clock.FixedClock(AT))
    try:
        with session_scope() as s:
            for aid, phone in (("A1", "+12025550143"), ("Z1", "+8613912345678")):
                repo.record_contact(s, account_id=aid, channel="sms", direction="inbound",
                                    to="+15005550006", from_=phone, status="received", text="hi")
            # A1's conversation: a dispute, then distress in the same open handoff
            queue_handoff(s, account_id="A1", reason="dispute", conversation_id="+12025550143")
            queue_handoff(s, account_id="A1", reason="distress", conversation_id="+12025550143")
            # Z1: a complaint alone, and a separate conversation with human_request,complaint
            queue_handoff(s, account_id="Z1", reason="complaint", conversation_id="c1")
            queue_handoff(s, account_id="Z1", reason="human_request", conversation_id="c2")
            queue_handoff(s, account_id="Z1", reason="complaint", conversation_id="c2")
    finally:
        clock.set_clock(previous)
    capsys.readouterr()
    assert main(["export", "handoff_times"]) == 0
    stored = sorted(json.loads(line)["reason"] for line in capsys.readouterr().out.splitlines())
    assert stored == ["complaint", "dispute,distress", "human_request,complaint"]

    assert main(["report", "--format", "json", "--as-of", AT.isoformat()]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert row["handoffs"] == 3
    assert row["handoffs_by_reason"] == {"complaint": 2, "dispute": 1, "distress": 1,
                                         "human_request": 1}
    assert row["accounts_complaint"] == 1 and row["accounts_dispute"] == 1
    assert row["accounts_reached"] == 2  # each reason's handoffs / accounts reached
    assert row["handoff_rate_by_reason"] == {"complaint": "1.0000", "dispute": "0.5000",
                                             "distress": "0.5000", "human_request": "0.5000"}

    with session_scope() as s:  # the rows behind a reason's number are the same handoffs
        for reason, n in row["handoffs_by_reason"].items():
            out = io.StringIO()
            assert rows.write_csv(s, "handoffs", ReportQuery(), out, reason=reason) == n
        out = io.StringIO()
        assert rows.write_csv(s, "accounts_complaint", ReportQuery(), out) == 2
        # "human" is not a reason of "human_request": whole reasons only
        assert rows.write_csv(s, "handoffs", ReportQuery(), io.StringIO(), reason="human") == 0
