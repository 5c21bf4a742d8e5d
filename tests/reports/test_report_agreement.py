"""Every KPI of `collectbot report` on a generated 30-day history agrees exactly with an
independent recomputation from `collectbot export ...` output (both backends)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from typing import Any, Dict, List, Set, Tuple

import pytest

from bot.cli import main
from bot.reports.metrics import METRIC_NAMES
from tests.reports.history import AS_OF, generate
from tests.reports.recompute import expected
from tests.reports.replay_history import enrolments, replay

EXPORTS = ("contacts", "verifications", "arrangements", "payments", "optouts", "handoff_times",
           "campaign_sends")


def _run(capsys: pytest.CaptureFixture, *argv: str) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def _exports(capsys: pytest.CaptureFixture) -> Dict[str, List[Dict[str, Any]]]:
    return {kind: [json.loads(line) for line in _run(capsys, "export", kind).splitlines()]
            for kind in EXPORTS}


def _no_none(row: Dict[str, Any]) -> Dict[str, Any]:
    out = {}
    for k, v in row.items():
        if isinstance(v, dict):
            v = {kk: vv for kk, vv in v.items() if vv is not None}
        if v is not None:
            out[k] = v
    return out


CASES = [
    ((), None, None, {}),
    (("day",), "2026-10-01", "2026-10-30", {}),
    (("week", "tier"), None, None, {}),
    (("channel",), "2026-10-01", "2026-10-30", {}),
    (("channel", "day"), None, "2026-10-05", {}),
    (("pack", "language", "creditor"), None, None, {"tier": "high"}),
    (("tier",), "2026-10-10", "2026-10-20", {"language": "zh"}),
    (("week",), None, None, {"campaign": "low_reminders"}),
    (("language",), "2026-10-03", None, {"campaign": "medium_negotiation", "pack": "us"}),
    (("campaign",), "2026-10-01", "2026-10-30", {}),
    (("campaign", "step", "day"), None, None, {"tier": "low"}),
    (("step", "channel"), None, None, {}),
]


def _agree(capsys: pytest.CaptureFixture, cases: List[Tuple], accounts: List[Dict[str, str]],
           campaigns: Dict[str, Set[str]], ledger: Dict[str, Set[Tuple[str, str]]]) -> int:
    """Run each case's report and its recomputation from the exports; they must be equal.
    Every metric is non-zero somewhere in the unsliced all-time report. Values compared."""
    exports = _exports(capsys)
    assert all(exports[k] for k in EXPORTS), "the history must exercise every export"
    flags = {"tier": "--tier", "language": "--language", "pack": "--pack", "creditor": "--creditor",
             "campaign": "--campaign"}
    checked = 0
    for by, start, end, filters in cases:
        argv = ["report", "--format", "json", "--as-of", AS_OF.isoformat()]
        if by:
            argv += ["--by", ",".join(by)]
        if start:
            argv += ["--from", start]
        if end:
            argv += ["--to", end]
        for name, value in filters.items():
            argv += [flags[name], value]
        report = json.loads(_run(capsys, *argv))
        got = {tuple(row[b] for b in by): _no_none(row) for row in report["rows"]}
        account_filters = {k: v for k, v in filters.items() if k != "campaign"}
        only = campaigns[filters["campaign"]] if "campaign" in filters else None
        want = {k: _no_none(v) for k, v in expected(
            exports, accounts, date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None, by, account_filters, AS_OF, only,
            ledger).items()}
        assert want and set(got) == set(want), (by, start, end, filters)
        for key in want:
            assert got[key] == want[key], (by, start, end, filters, key)
        checked += sum(len(v) for v in want.values())
        # every metric is exercised (non-zero somewhere) by the unsliced all-time report
        if not by:
            row = report["rows"][0]
            for name in METRIC_NAMES:
                assert row[name] not in (None, 0, {}, "0.0000"), name
    return checked


def test_every_metric_agrees_with_recomputation_from_exports(db, tmp_path, capsys) -> None:
    history = generate(tmp_path, accounts=40)
    assert _agree(capsys, CASES, history.accounts, history.campaigns, history.ledger) > 1000


REPLAY_CASES = [
    ((), None, None, {}),
    (("day",), "2026-10-01", "2026-10-30", {}),
    (("week", "tier"), None, None, {}),
    (("channel", "day"), "2026-10-03", "2026-10-20", {}),
    (("pack", "language", "creditor"), None, None, {"tier": "low"}),
    (("tier",), "2026-10-10", "2026-10-20", {"language": "zh"}),
    (("week",), None, None, {"campaign": "low-reminders"}),
    (("campaign", "step", "day"), None, None, {}),
    (("step", "channel"), None, "2026-10-15", {}),
]


def test_every_metric_agrees_on_a_dispatcher_replay(db, tmp_path, capsys) -> None:
    """The 30-day history comes from running the product: the dispatcher hour by hour with
    the gate, provider callbacks, replies, payments files, handoffs and an agent's replies
    (tests/reports/replay_history.py). SQLite only, like the campaigns' replay audit: the
    hourly replay is the slow part, and the direct history covers PostgreSQL's SQL."""
    if not db.startswith("sqlite"):
        pytest.skip("the replay runs on SQLite; the direct history runs on both backends")
    world = replay(tmp_path, accounts=50)
    stored = {json.loads(line)["reason"]
              for line in _run(capsys, "export", "handoff_times").splitlines()}
    assert any("," in r for r in stored) and any("negative_emotion" in r for r in stored)
    sends = [json.loads(line) for line in _run(capsys, "export", "campaign_sends").splitlines()]
    campaigns, ledger = enrolments(sends)
    assert set(campaigns) >= {"low-reminders", "medium-negotiation"}
    checked = _agree(capsys, REPLAY_CASES, world.accounts, campaigns, ledger)
    assert checked > 1000
    row = json.loads(_run(capsys, "report", "--format", "json", "--as-of", AS_OF.isoformat()))
    with capsys.disabled():
        print(f"\nreplay: {world.sends} sends, {checked} values agree; " + ", ".join(
            f"{n}={row['rows'][0][n]}" for n in ("accounts_contacted", "accounts_reached",
                                                   "promises_kept", "promises_broken",
                                                   "accounts_angry", "handoffs", "sla_breaches",
                                                   "gate_blocked", "delivery_failures")))


def test_csv_and_table_show_the_json_numbers(db, tmp_path, capsys) -> None:
    generate(tmp_path, accounts=12)
    base = ["report", "--as-of", AS_OF.isoformat(), "--by", "tier"]
    report = json.loads(_run(capsys, *base, "--format", "json"))
    rows = list(csv.DictReader(io.StringIO(_run(capsys, *base, "--format", "csv"))))
    assert [r["tier"] for r in rows] == [r["tier"] for r in report["rows"]]
    for flat, row in zip(rows, report["rows"]):
        assert flat["accounts_contacted"] == str(row["accounts_contacted"])
        assert flat["promise_rate"] == (row["promise_rate"] or "")
        for cur, amount in row["amount_recovered"].items():
            assert flat[f"amount_recovered[{cur}]"] == amount
            assert Decimal(amount) > 0
    table = _run(capsys, *base, "--format", "table")
    assert "accounts_contacted" in table and "right_party_contact_rate" in table
    for row in report["rows"]:
        assert row["tier"] in table and str(row["gate_blocked"]) in table


@pytest.mark.parametrize("argv, message", [
    (["report", "--by", "colour"], "unknown slice 'colour'"),
    (["report", "--by", "tier,day,tier"], "a slice is named twice"),
    (["report", "--from", "2026-13-01"], "--from: '2026-13-01' is not a date"),
    (["report", "--from", "2026-10-05", "--to", "2026-10-01"], "is after --to"),
    (["report", "--as-of", "yesterday"], "--as-of: 'yesterday'"),
])
def test_bad_input_is_one_line_exit_2(db, capsys, argv, message) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_dashboard_trend_subset_equals_the_full_report_by_day(db, tmp_path) -> None:
    from bot.reports.dashboard import TREND, TREND_FACTS
    from bot.reports.metrics import ReportQuery, compute
    from bot.store.db import session_scope

    generate(tmp_path, accounts=15)
    q = ReportQuery(start=date(2026, 10, 1), end=date(2026, 10, 30), by=("day",), tier="medium")
    with session_scope() as s:
        full = compute(s, q).rows
        light = compute(s, q, facts=TREND_FACTS).rows
    names = [name for name, _ in TREND]
    full_by_day = {r["day"]: {n: r[n] for n in names} for r in full}
    light_by_day = {r["day"]: {n: r[n] for n in names} for r in light}
    for day, values in light_by_day.items():
        assert values == full_by_day[day], day
    assert {d for d, v in full_by_day.items() if any(v.values())} <= set(light_by_day)
    assert sum(v["outbound_attempts"] for v in light_by_day.values()) > 0
    assert all(light[0][n] is None for n in ("accounts_contacted", "handoffs"))


def test_an_empty_store_reports_zeros_and_empty_rates(db, capsys) -> None:
    row = json.loads(_run(capsys, "report", "--format", "json"))["rows"][0]
    assert row["accounts_contacted"] == 0 and row["handoffs"] == 0
    assert row["promise_rate"] is None and row["median_first_reply_seconds"] is None
    assert row["amount_recovered"] == {} and row["placed_amount"] == {}
    assert "no activity" in _run(capsys, "report", "--by", "tier")
