"""Portfolio import through the `collectbot import` command: happy path, every bad-file
case (exact messages, exit 2, database unchanged), re-import keeping history, dry run."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot import clock
from bot.cli import main
from bot.clock import FixedClock
from tests.store.helpers import GOOD_ROWS, HEADER, good_csv, stderr_lines, table_counts, write

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fixed_clock():
    previous = clock.set_clock(FixedClock(NOW))
    yield
    clock.set_clock(previous)


def test_happy_path_loads_accounts_phones_and_debts(db, tmp_path, capsys):
    from bot.store import repo
    from bot.store.db import session_scope
    from bot.store.models import Account, Debt, Phone

    assert main(["import", str(good_csv(tmp_path))]) == 0
    assert capsys.readouterr().out == "imported 2 accounts (2 new, 0 updated)\n"
    with session_scope() as s:
        ada = repo.get_account(s, "A1")
        assert (ada.name, ada.language, ada.timezone, ada.pack) == ("Ada Lovelace", "en", "America/New_York", "us")
        debt = repo.primary_debt(s, ada)
        assert (debt.principal, debt.interest, debt.fees, debt.balance, debt.currency) == (
            Decimal("1000.00"), Decimal("150.00"), Decimal("50.00"), Decimal("1200.00"), "USD")
        assert (debt.due_date, debt.days_past_due, debt.status) == (date(2026, 10, 1), 60, "open")
        assert ada.risk_tier == "medium"  # 60 days past due, balance under 5,000
        fang = repo.find_account_by_phone(s, "+8613912345678")  # national number read as CN
        assert fang.account_id == "Z1" and fang.risk_tier == "high"  # 90 days past due
        phones = s.execute(select(Phone.account_id, Phone.e164, Phone.kind, Phone.zones)
                           .order_by(Phone.account_id)).all()
        assert [tuple(p) for p in phones] == [
            ("A1", "+12025550143", "primary", ["America/New_York"]),
            ("Z1", "+8613912345678", "primary", ["Asia/Shanghai"])]
        assert s.execute(select(Debt.balance).where(Debt.account_id == "Z1")).scalar_one() == Decimal("6000.00")
        assert s.get(Account, "Z1").dob_hash is not None


def test_defaults_come_from_the_phone(db, tmp_path):
    from bot.store import repo
    from bot.store.db import session_scope

    path = write(tmp_path, "account_id,name,phone,balance,alt_phone\n"
                           "B1,Chen Li,+8613800138000,35000.00,\n"
                           "B2,Sam Roe,(850) 555-0100,20.00,+1 541 555 0100\n")
    assert main(["import", str(path)]) == 0
    with session_scope() as s:
        b1, b2 = repo.get_account(s, "B1"), repo.get_account(s, "B2")
        assert (b1.pack, b1.language, b1.timezone, repo.primary_debt(s, b1).currency) == ("cn", "zh", "Asia/Shanghai", "CNY")
        assert b1.risk_tier == "medium"  # low by days, one up for a large CNY balance
        assert (b2.pack, b2.language, repo.primary_debt(s, b2).currency) == ("us", "en", "USD")
        assert [p.e164 for p in b2.phones] == ["+18505550100", "+15415550100"]
        assert repo.find_account_by_phone(s, "+15415550100").account_id == "B2"


BAD_CASES = [
    ("invalid phone", "A1,Ada,+1 555 0100,10.00", "line 2: phone: '+1 555 0100' is not a valid phone number"),
    ("bad zone", "A1,Ada,+12025550143,10.00,Mars/Olympus", "line 2: timezone: 'Mars/Olympus' is not an IANA time zone name (e.g. America/New_York)"),
    ("negative balance", "A1,Ada,+12025550143,-10.00", "line 2: balance: must not be negative (-10.00)"),
    ("bad amount", "A1,Ada,+12025550143,12.345", "line 2: balance: '12.345' has more than 2 decimal places"),
    ("bad date", "A1,Ada,+12025550143,10.00,,2026-02-30", "line 2: due_date: '2026-02-30' is not an ISO date (YYYY-MM-DD)"),
    ("bad enum", "A1,Ada,+12025550143,10.00,,,fr", "line 2: language: 'fr' is not one of en, zh"),
    ("bad tier", "A1,Ada,+12025550143,10.00,,,,extreme", "line 2: risk_tier: 'extreme' is not one of low, medium, high"),
    ("missing name", "A1,,+12025550143,10.00", "line 2: name: is required"),
]


@pytest.mark.parametrize("label,row,message", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_a_bad_row_imports_nothing(db, tmp_path, capsys, label, row, message):
    fields = row.split(",") + [""] * (8 - len(row.split(",")))
    header = "account_id,name,phone,balance,timezone,due_date,language,risk_tier"
    path = write(tmp_path, f"{header}\n" + ",".join(fields) + "\n" + "A2,Bo,+12025550144,5.00,,,,\n")
    before = table_counts()
    assert main(["import", str(path)]) == 2
    err = stderr_lines(capsys.readouterr())
    assert err == [message, f"collectbot: error: {path}: 1 problem(s) listed above; nothing imported"]
    assert table_counts() == before


def test_every_problem_of_every_row_is_listed(db, tmp_path, capsys):
    path = write(tmp_path, "\n".join([
        HEADER, GOOD_ROWS[0],
        "A2,Bo,+12025550144,-1,en,Europe/Nowhere,us,USD,,,,,,,",
        "A3,Cy,12345,5.00,xx,,us,USD,,,,2026-1-1,,12,",
        GOOD_ROWS[0],
        "A4,Di,+12025550145,1.00",
    ]) + "\n")
    assert main(["import", str(path)]) == 2
    assert stderr_lines(capsys.readouterr())[:-1] == [
        "line 3: timezone: 'Europe/Nowhere' is not an IANA time zone name (e.g. America/New_York)",
        "line 3: balance: must not be negative (-1)",
        "line 4: phone: '12345' is not a valid phone number",
        "line 4: language: 'xx' is not one of en, zh",
        "line 4: due_date: '2026-1-1' is not an ISO date (YYYY-MM-DD)",
        "line 4: id_last4: '12' is not 4 digits (or X)",
        "line 5: account_id: 'A1' repeats line 2",
        "line 6: row: has 4 fields, the header has 15",
    ]
    assert table_counts()["accounts"] == 0


@pytest.mark.parametrize("content,expected", [
    (b"", "the file is empty; expected a header row starting account_id,name,phone,balance"),
    (b"account_id,name,balance\nA1,Ada,10.00\n", "missing required column(s) phone"),
    (b"account_id,name,phone,balance,balanse\n", "unknown column(s) balanse"),
    (b"account_id,name,phone,balance\n", "has a header but no rows"),
    ("account_id,name,phone,balance\nA1,Zoë,+12025550143,1.00\n".encode("latin-1"),
     "not UTF-8 text (line 2 has byte 0xeb); save it as UTF-8"),
], ids=["empty", "missing column", "unknown column", "no rows", "not utf-8"])
def test_unreadable_files_give_one_line(db, tmp_path, capsys, content, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    before = table_counts()
    assert main(["import", str(path)]) == 2
    [line] = stderr_lines(capsys.readouterr())
    assert line.startswith(f"collectbot: error: {path}: {expected}")
    assert table_counts() == before


def test_missing_file(db, tmp_path, capsys):
    assert main(["import", str(tmp_path / "nope.csv")]) == 2
    assert stderr_lines(capsys.readouterr()) == [f"collectbot: error: {tmp_path / 'nope.csv'}: no such file"]


def test_dry_run_writes_nothing(db, tmp_path, capsys):
    before = table_counts()
    assert main(["import", str(good_csv(tmp_path)), "--dry-run"]) == 0
    assert capsys.readouterr().out == "ok: 2 rows valid; dry run, nothing written\n"
    assert table_counts() == before


def test_reimport_updates_without_losing_history(db, tmp_path, capsys):
    from bot.store import evidence, repo
    from bot.store.db import session_scope
    from bot.store.models import Phone

    assert main(["import", str(good_csv(tmp_path))]) == 0
    with session_scope() as s:
        account = repo.get_account(s, "A1")
        debt = repo.primary_debt(s, account)
        repo.record_contact(s, account_id="A1", channel="sms", direction="outbound", to="+12025550143",
                            from_="+15005550006", status="sent", text="Hello", provider_sid="SM1", debt_id=debt.id)
        repo.create_arrangement(s, account_id="A1", debt_id=debt.id, kind="promise", total=Decimal("100.00"),
                                currency="USD", installments=[(date(2026, 12, 5), Decimal("100.00"))])
        repo.record_optout(s, account_id="A1", phone="+12025550143", channel="voice", source="agent")
        repo.mark_wrong_number(s, "+12025550143")
        debt_id = debt.id
    changed = GOOD_ROWS[0].replace("Ada Lovelace", "Ada King").replace("1200.00", "900.00")
    path = write(tmp_path, f"{HEADER}\n{changed}\n", "again.csv")
    capsys.readouterr()
    assert main(["import", str(path)]) == 0
    assert capsys.readouterr().out == "imported 1 accounts (0 new, 1 updated)\n"
    with session_scope() as s:
        account = repo.get_account(s, "A1")
        debt = repo.primary_debt(s, account)
        assert (account.name, debt.id, debt.balance) == ("Ada King", debt_id, Decimal("900.00"))
        assert [c.outcome for c in repo.contact_history(s, "A1")] == ["sent"]
        assert repo.is_opted_out(s, "+12025550143", "voice")
        # the same number stays flagged as a wrong number
        assert s.execute(select(Phone.wrong_number).where(Phone.account_id == "A1")).scalar_one() is True
        assert evidence.verify(s).ok
    assert main(["export", "arrangements"]) == 0
    assert '"account_id":"A1","kind":"promise"' in capsys.readouterr().out


def test_identity_answers_are_stored_only_as_keyed_hashes(db, tmp_path):
    from sqlalchemy import text

    from bot.store import repo
    from bot.store.db import get_engine, session_scope

    assert main(["import", str(good_csv(tmp_path))]) == 0
    with get_engine().connect() as conn:
        cells = [str(v) for t in ("accounts", "phones", "debts", "evidence")
                 for r in conn.execute(text(f"SELECT * FROM {t}")) for v in r]
        hashes = conn.execute(text("SELECT dob_hash, id_last4_hash, zip_hash FROM accounts")).all()
    assert all(re.fullmatch("[0-9a-f]{64}", h) for row in hashes for h in row)
    readable = [c for c in cells if not re.fullmatch("[0-9a-f]{64}", c)]
    for secret in ("1980-01-31", "19800131", "4821", "20500", "1985-06-15", "9067"):
        assert not [c for c in readable if secret in c]
    with session_scope() as s:
        assert repo.verify_identity(s, "A1", "dob", "01/31/1980")
        assert repo.verify_identity(s, "A1", "dob", "January 31, 1980")
        assert repo.verify_identity(s, "A1", "id_last4", "48 21")
        assert repo.verify_identity(s, "A1", "zip", "20500-1234")
        assert not repo.verify_identity(s, "A1", "dob", "1980-01-30")
        assert not repo.verify_identity(s, "A1", "zip", "20501")
        assert not repo.verify_identity(s, "Z1", "id_last4", "4821")  # A1's answer, Z1's account
        assert repo.verify_identity(s, "Z1", "dob", "1985年6月15日")
        assert not repo.verify_identity(s, "nobody", "dob", "1980-01-31")


def test_a_different_key_does_not_verify(db, tmp_path, monkeypatch):
    from bot.config import reset_settings
    from bot.store import repo
    from bot.store.db import session_scope

    assert main(["import", str(good_csv(tmp_path))]) == 0
    monkeypatch.setenv("COLLECTBOT_HMAC_KEY", "another-key")
    reset_settings()
    with session_scope() as s:
        assert not repo.verify_identity(s, "A1", "dob", "1980-01-31")


def test_demo_data_imports_and_is_deterministic(db, tmp_path, capsys):
    import phonenumbers
    from phonenumbers import timezone as phone_timezone

    from bot.demo_data import DEMO_ACCOUNTS
    from bot.store import repo
    from bot.store.db import session_scope

    first, second, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    for path, seed in ((first, 5), (second, 5), (other, 6)):
        assert main(["demo-data", "--accounts", "300", "--seed", str(seed), "--out", str(path)]) == 0
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()
    assert main(["import", str(first)]) == 0
    import csv

    rows = list(csv.DictReader(first.open(encoding="utf-8")))
    assert {r["pack"] for r in rows} == {"us", "cn"}
    assert {(r["pack"], r["language"]) for r in rows} == {("us", "en"), ("us", "zh"), ("cn", "zh")}
    assert {r["risk_tier"] for r in rows} == {"low", "medium", "high", ""}
    assert len({r["timezone"] for r in rows}) >= 6
    area_zones = {}
    for r in rows:
        if r["pack"] == "us":
            number = phonenumbers.parse(r["phone"])
            assert phonenumbers.is_valid_number(number)
            area_zones.setdefault(r["phone"][2:5], set()).update(phone_timezone.time_zones_for_number(number))
    assert {a for a, zones in area_zones.items() if len(zones) > 1} >= {"850", "541"}
    with session_scope() as s:
        for demo in DEMO_ACCOUNTS:
            account = repo.find_account_by_phone(s, demo["phone"])
            assert account.account_id == demo["account_id"]
            assert repo.verify_identity(s, account.account_id, "dob", demo["dob"])
            assert str(repo.primary_debt(s, account).balance) == demo["balance"]
        tiers = {repo.get_account(s, r["account_id"]).risk_tier for r in rows}
        assert tiers == {"low", "medium", "high"}
