"""`collectbot export` field sets and formats, and `collectbot db upgrade` on both backends."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bot import clock
from bot.cli import main
from bot.clock import FixedClock
from bot.store import repo
from bot.store.db import session_scope
from tests.store.helpers import good_csv

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)
EN = "+12025550143"


@pytest.fixture
def filled(db, tmp_path):
    previous = clock.set_clock(FixedClock(NOW))
    assert main(["import", str(good_csv(tmp_path))]) == 0
    with session_scope() as s:
        debt = repo.primary_debt(s, repo.get_account(s, "A1"))
        repo.record_contact(s, account_id="A1", channel="sms", direction="outbound", to=EN,
                            from_="+15005550006", status="blocked", text="Hi, 你好",
                            reasons=("window", "cap.sms_daily"), debt_id=debt.id)
        repo.create_arrangement(s, account_id="A1", debt_id=debt.id, kind="plan", total=Decimal("1200.00"),
                                currency="USD", installments=[(date(2026, 12, 1), Decimal("600.00")),
                                                              (date(2027, 1, 1), Decimal("600.00"))])
        repo.create_handoff(s, account_id="Z1", reason="hardship", conversation_id="+8613912345678")
        repo.record_optout(s, account_id="A1", phone=EN, channel="all", source="agent")
    yield
    clock.set_clock(previous)


EXPECTED = {
    "contacts": [{"id": 1, "account_id": "A1", "channel": "sms", "direction": "outbound",
                  "at": "2026-11-30T15:00:00+00:00", "to": EN, "from": "+15005550006",
                  "status": "blocked", "reasons": ["window", "cap.sms_daily"], "text": "Hi, 你好",
                  "provider_sid": None, "outcome": None}],
    "arrangements": [{"id": 1, "account_id": "A1", "kind": "plan", "total": "1200.00", "currency": "USD",
                      "installments": [{"due_date": "2026-12-01", "amount": "600.00"},
                                       {"due_date": "2027-01-01", "amount": "600.00"}],
                      "status": "accepted", "created_at": "2026-11-30T15:00:00+00:00"}],
    "handoffs": [{"id": 1, "account_id": "Z1", "reason": "hardship",
                  "created_at": "2026-11-30T15:00:00+00:00", "status": "queued", "agent": None}],
    "optouts": [{"account_id": "A1", "phone": EN, "channel": "all",
                 "at": "2026-11-30T15:00:00+00:00", "source": "agent"}],
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_jsonl_export(filled, capsys, kind):
    capsys.readouterr()
    assert main(["export", kind, "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    assert [json.loads(line) for line in out.splitlines()] == EXPECTED[kind]
    assert [list(json.loads(line)) for line in out.splitlines()][0] == list(EXPECTED[kind][0])


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_csv_export(filled, capsys, kind):
    capsys.readouterr()
    assert main(["export", kind, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    expected = EXPECTED[kind][0]
    assert list(rows[0]) == list(expected)
    for field, value in expected.items():
        if isinstance(value, list):
            assert json.loads(rows[0][field]) == value
        else:
            assert rows[0][field] == ("" if value is None else str(value))


def test_export_of_an_empty_store(db, capsys):
    assert main(["export", "contacts"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["export", "optouts", "--format", "csv"]) == 0
    assert capsys.readouterr().out == "account_id,phone,channel,at,source\n"


def test_export_rejects_unknown_kinds(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "accounts"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'accounts'" in capsys.readouterr().err


def test_db_upgrade_creates_every_table_at_head(db, capsys):
    from bot.store.db import get_engine
    from bot.store.migrate import current_revision, head_revision
    from bot.store.models import Base

    assert main(["db", "upgrade"]) == 0  # already at head: a no-op that still succeeds
    assert capsys.readouterr().out.startswith("database is at the newest schema")
    with get_engine().connect() as conn:
        assert current_revision(conn) == head_revision()
        tables = set(sa.inspect(conn).get_table_names())
    assert tables == {t.name for t in Base.metadata.sorted_tables} | {"alembic_version"}


def test_db_upgrade_on_a_fresh_sqlite_file(tmp_path, monkeypatch, capsys):
    from bot.config import reset_settings
    from bot.store.db import get_engine, reset_engine

    target = tmp_path / "sub" / "fresh.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    reset_settings()
    reset_engine()
    assert main(["db", "upgrade"]) == 0
    assert target.exists()
    with get_engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_models_match_the_migrations(db):
    """Autogenerate finds nothing to add: the migrations create exactly the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bot.store.db import get_engine
    from bot.store.models import Base

    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_db_upgrade_reports_an_unreachable_server(monkeypatch, capsys):
    from bot.config import reset_settings
    from bot.store.db import reset_engine

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    reset_settings()
    reset_engine()
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err.startswith("collectbot: error: cannot migrate the database: ")


@pytest.mark.parametrize("argv", [["evidence", "verify"], ["export", "contacts"]])
def test_commands_on_a_database_without_schema_say_so(tmp_path, monkeypatch, capsys, argv):
    from bot.config import reset_settings
    from bot.store.db import reset_engine

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    reset_settings()
    reset_engine()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"collectbot: error: {' '.join(argv)}: database error: no such table")
    assert err.endswith("did 'collectbot db upgrade' run?)\n")
