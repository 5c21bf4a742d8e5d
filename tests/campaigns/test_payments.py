"""Payments import: all rows or none, idempotent on reference, balances, reconciliation."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from bot import clock
from bot.cli import main
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import Arrangement, Debt
from bot.store.payments import reconcile
from bot.store.portfolio import import_portfolio
from tests.store.helpers import good_csv, table_counts, write

HEADER = "account_id,amount,currency,paid_at,reference"


def _plan(account_id: str, currency: str, dues) -> int:
    with session_scope() as s:
        debt = s.execute(select(Debt).where(Debt.account_id == account_id)).scalars().first()
        kind = "promise" if len(dues) == 1 else "plan"
        a = repo.create_arrangement(s, account_id=account_id, debt_id=debt.id, kind=kind,
                                    total=sum(Decimal(x) for _, x in dues), currency=currency,
                                    installments=[(d, Decimal(x)) for d, x in dues])
        return a.id


def _export(kind: str, capsys):
    assert main(["export", kind]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_import_updates_balances_and_is_idempotent(db, tmp_path, capsys) -> None:
    import_portfolio(good_csv(tmp_path))
    plan = _plan("A1", "USD", [(date(2026, 11, 1), "100.00"), (date(2026, 12, 1), "100.00")])
    path = write(tmp_path, f"{HEADER}\nA1,100.00,USD,2026-10-30T10:00:00Z,R-1\n"
                           f"Z1,500,cny,2026-11-02,R-2\n", "pay.csv")
    assert main(["payments", "import", str(path), "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert _export("payments", capsys) == []
    assert main(["payments", "import", str(path)]) == 0
    assert "imported 2 payments" in capsys.readouterr().out
    rows = _export("payments", capsys)
    assert [(r["account_id"], r["amount"], r["currency"], r["reference"], r["arrangement_id"])
            for r in rows] == [("A1", "100.00", "USD", "R-1", plan), ("Z1", "500.00", "CNY", "R-2", None)]
    assert rows[0]["paid_at"] == "2026-10-30T10:00:00+00:00"
    with session_scope() as s:
        balances = dict(s.execute(select(Debt.account_id, Debt.balance)).all())
    assert balances == {"A1": Decimal("1100.00"), "Z1": Decimal("5500.00")}
    # the same file again: nothing new, balances unchanged
    assert main(["payments", "import", str(path)]) == 0
    assert "imported 0 payments (2 already imported)" in capsys.readouterr().out
    assert len(_export("payments", capsys)) == 2
    arrangements = _export("arrangements", capsys)
    assert arrangements[0]["status"] == "accepted"


def test_bad_rows_change_nothing_and_are_listed(db, tmp_path, capsys) -> None:
    import_portfolio(good_csv(tmp_path))
    path = write(tmp_path, f"{HEADER}\nA1,100.00,USD,2026-10-30,R-1\nNOPE,1,USD,2026-10-30,R-2\n"
                           f"A1,-5,USD,2026-10-30,R-3\nZ1,1.234,USD,soon,R-4\nA1,5,USD,2026-10-30,R-1\n",
                 "pay.csv")
    before = table_counts()
    assert main(["payments", "import", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "line 3: account_id: no account 'NOPE' in the store" in err
    assert any(e.startswith("line 4: amount:") for e in err)
    assert any(e.startswith("line 5: amount:") for e in err)
    assert any(e.startswith("line 5: currency:") for e in err)
    assert any(e.startswith("line 5: paid_at:") for e in err)
    assert "line 6: reference: 'R-1' repeats line 2" in err
    assert err[-1].endswith("nothing imported")
    assert table_counts() == before
    bad_header = write(tmp_path, "account,amount\nA1,1\n", "bad.csv")
    assert main(["payments", "import", str(bad_header)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_changed_reference_is_an_error(db, tmp_path, capsys) -> None:
    import_portfolio(good_csv(tmp_path))
    first = write(tmp_path, f"{HEADER}\nA1,100.00,USD,2026-10-30,R-1\n", "a.csv")
    second = write(tmp_path, f"{HEADER}\nA1,90.00,USD,2026-10-30,R-1\n", "b.csv")
    assert main(["payments", "import", str(first)]) == 0
    assert main(["payments", "import", str(second)]) == 2
    assert "line 2: reference: 'R-1' was already imported with different details" in \
        capsys.readouterr().err


def test_reconcile_keeps_and_breaks_after_grace(db, tmp_path, capsys) -> None:
    import_portfolio(good_csv(tmp_path))
    previous = clock.set_clock(clock.FixedClock(datetime(2026, 11, 20, 12, tzinfo=timezone.utc)))
    try:
        promise = _plan("A1", "USD", [(date(2026, 11, 18), "200.00")])
        plan = _plan("Z1", "CNY", [(date(2026, 11, 10), "300.00"), (date(2026, 12, 10), "300.00")])
        path = write(tmp_path, f"{HEADER}\nZ1,300.00,CNY,2026-11-09,P-1\n", "pay.csv")
        assert main(["payments", "import", str(path)]) == 0
        with session_scope() as s:
            # day 20: the promise was due the 18th, grace 2 days: not broken yet
            assert reconcile(s, clock.now(), grace_days=2) == 0
            assert s.get(Arrangement, promise).status == "accepted"
            assert [i.status for i in s.get(Arrangement, plan).installments] == ["paid", "due"]
            assert reconcile(s, datetime(2026, 11, 21, 12, tzinfo=timezone.utc), grace_days=2) == 2
            assert s.get(Arrangement, promise).status == "broken"
            assert reconcile(s, datetime(2026, 12, 13, 12, tzinfo=timezone.utc), grace_days=2) == 2
            assert s.get(Arrangement, plan).status == "broken"
        paid = write(tmp_path, f"{HEADER}\nA1,200.00,USD,2026-11-20,P-2\n", "pay2.csv")
        other = _plan("A1", "USD", [(date(2026, 11, 25), "200.00")])
        assert main(["payments", "import", str(paid)]) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        assert last.endswith("; 2 arrangement/installment status change(s)")  # paid + kept
        statuses = {a["id"]: a["status"] for a in _export("arrangements", capsys)}
        assert statuses == {promise: "broken", plan: "broken", other: "kept"}
    finally:
        clock.set_clock(previous)
