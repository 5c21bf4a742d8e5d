"""Early-warning alerts: thresholds from config, levels, evidence records, no duplicates."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from bot.cli import main
from bot.reports.alerts import level_for, parse_thresholds
from bot.store.db import session_scope
from bot.store.evidence import verify
from bot.store.models import EvidenceRecord
from tests.reports.history import generate


def _alerts(capsys: pytest.CaptureFixture, *extra: str) -> dict:
    capsys.readouterr()
    assert main(["report", "alerts", "--from", "2026-10-01", "--to", "2026-10-30",
                 "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_levels_and_threshold_parsing() -> None:
    assert parse_thresholds("complaints=2, gate_blocks=10") == {
        "complaints": Decimal(2), "gate_blocks": Decimal(10)}
    assert "complaints" in parse_thresholds("")  # defaults
    with pytest.raises(ValueError, match="name one of"):
        parse_thresholds("furious=3")
    with pytest.raises(ValueError, match="not a number"):
        parse_thresholds("complaints=many")
    t = Decimal(10)
    assert [level_for(Decimal(v), t) for v in (9, 10, 15, 20, 40)] == \
        [None, "blue", "yellow", "orange", "red"]


def test_days_over_threshold_raise_alerts_in_the_evidence_log_once(db, tmp_path, capsys,
                                                                   monkeypatch) -> None:
    generate(tmp_path, accounts=40)
    monkeypatch.setenv("COLLECTBOT_ALERT_THRESHOLDS", "gate_blocks=2,opt_outs=1")
    from bot.config import reset_settings

    reset_settings()
    # independent count of blocked contacts per UTC day, from the export
    capsys.readouterr()
    assert main(["export", "contacts"]) == 0
    blocked = Counter(json.loads(line)["at"][:10] for line in capsys.readouterr().out.splitlines()
                      if json.loads(line)["status"] == "blocked")
    want = {day: level_for(Decimal(n), Decimal(2)) for day, n in blocked.items()
            if "2026-10-01" <= day <= "2026-10-30" and n >= 2}

    first = _alerts(capsys)
    got = {a["day"]: a["level"] for a in first["alerts"] if a["metric"] == "gate_blocks"}
    assert got == want and want
    assert first["new"] == len(first["alerts"])
    assert {a["metric"] for a in first["alerts"]} <= {"gate_blocks", "opt_outs"}

    again = _alerts(capsys)
    assert again["new"] == 0 and again["alerts"] == first["alerts"]
    with session_scope() as s:
        records = s.query(EvidenceRecord).filter(EvidenceRecord.kind == "report.alert").count()
        assert records == len(first["alerts"])
        assert verify(s).ok

    listed = _alerts(capsys, "--no-check")
    assert listed["alerts"] == first["alerts"]
    capsys.readouterr()
    assert main(["report", "alerts", "--from", "2026-10-01", "--to", "2026-10-30"]) == 0
    table = capsys.readouterr().out
    assert "gate_blocks" in table and next(iter(want.values())) in table


def test_bad_threshold_config_is_one_line_exit_2(db, capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLLECTBOT_ALERT_THRESHOLDS", "complaints=-1")
    from bot.config import reset_settings

    reset_settings()
    assert main(["report", "alerts"]) == 2
    assert "must be positive" in capsys.readouterr().err
