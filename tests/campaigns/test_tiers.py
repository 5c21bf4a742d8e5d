"""Risk tiers: the transparent score, `tiers recompute`, evidence for every change."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select

from bot.cli import main
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Account, EvidenceRecord
from bot.store.portfolio import import_portfolio
from bot.store.tiers import Facts, score, tier_for
from tests.store.helpers import good_csv

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def test_score_lists_every_factor_and_sets_tiers() -> None:
    total, points = score(Facts(days_past_due=45, balance=100, currency="USD"))
    assert (total, points, tier_for(total)) == (30, {"days_past_due>=30": 30}, "medium")
    total, points = score(Facts(days_past_due=10, balance=6000, currency="USD", broken=3,
                                dispute=True))
    assert points == {"large_balance": 30, "broken_arrangements": 30, "dispute": 20}
    assert tier_for(total) == "high"
    total, _ = score(Facts(days_past_due=40, balance=10, engaged_30d=True, kept=1))
    assert (total, tier_for(total)) == (10, "low")
    # 35,000 CNY is the large balance for yuan, not 5,000
    assert "large_balance" not in score(Facts(balance=6000, currency="CNY"))[1]


def test_recompute_moves_tiers_and_records_evidence(db, tmp_path, capsys) -> None:
    import_portfolio(good_csv(tmp_path))
    with session_scope() as s:
        a1 = s.get(Account, "A1")
        a1.risk_tier = "low"          # A1 is 60 days past due on NOW: medium by the score
        s.get(Account, "Z1").risk_tier = "medium"   # 90 days past due + a dispute: high
        repo.set_status(s, "Z1", "dispute")
    assert main(["tiers", "recompute", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "tier change(s)" in out
    with session_scope() as s:
        tiers = dict(s.execute(select(Account.account_id, Account.risk_tier)).all())
        records = list(s.execute(select(EvidenceRecord).where(EvidenceRecord.kind == "risk_tier")
                                 .order_by(EvidenceRecord.seq)).scalars())
    assert tiers == {"A1": "medium", "Z1": "high"}
    by_account = {r.account_id: json.loads(r.payload) for r in records}
    assert by_account["A1"] == {"from": "low", "to": "medium", "score": 30,
                                "points": {"days_past_due>=30": 30}}
    assert by_account["Z1"]["to"] == "high" and by_account["Z1"]["points"]["dispute"] == 20
    # a second run with nothing new changes nothing and records nothing
    assert main(["tiers", "recompute", "--now", NOW.isoformat()]) == 0
    assert capsys.readouterr().out.startswith("0 tier change(s)")
    assert main(["evidence", "verify"]) == 0


def test_bad_now_is_one_line_exit_2(db, capsys) -> None:
    assert main(["tiers", "recompute", "--now", "yesterday"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--now" in err[0]


def test_weekly_rescore_runs_once_a_week(db, tmp_path) -> None:
    from datetime import timedelta

    from bot.store.tiers import recompute_if_due

    import_portfolio(good_csv(tmp_path))
    with session_scope() as s:
        assert recompute_if_due(s, NOW) is not None          # never ran: due
        assert recompute_if_due(s, NOW + timedelta(days=6)) is None
        assert recompute_if_due(s, NOW + timedelta(days=7)) is not None
        runs = s.execute(select(EvidenceRecord.payload).where(
            EvidenceRecord.kind == "risk_tier.recompute")).scalars().all()
    assert [json.loads(r)["accounts"] for r in runs] == [2, 2]
