"""The evidence hash chain: verify passes on an intact log and names the first edited,
deleted or reordered record; two processes appending at once never fork the chain."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text, update

from bot.cli import main
from bot.store import evidence
from bot.store.db import get_engine, session_scope
from bot.store.models import EvidenceRecord

AT = datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def _fill(n: int = 5) -> None:
    with session_scope() as s:
        for i in range(1, n + 1):
            evidence.append(s, "note", "A1", {"n": i, "amount": Decimal("12.50"), "text": "还款 ok"}, at=AT)


def _verify_cli(capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["evidence", "verify"])
    return code, capsys.readouterr().out.strip()


def test_an_intact_chain_verifies(db, capsys):
    _fill()
    assert _verify_cli(capsys) == (0, "ok: 5 records")
    with session_scope() as s:
        records = s.query(EvidenceRecord).order_by(EvidenceRecord.seq).all()
        assert records[0].prev_hash == evidence.GENESIS
        assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
        assert records[0].payload == '{"amount":"12.50","n":1,"text":"还款 ok"}'
        assert records[0].at == AT


def test_an_empty_log_verifies(db, capsys):
    assert _verify_cli(capsys) == (0, "ok: 0 records")


def test_the_hash_is_over_canonical_json():
    a = evidence.record_hash(1, "k", AT, "A1", {"b": 1, "a": [Decimal("1.10")]}, evidence.GENESIS)
    b = evidence.record_hash(1, "k", AT, "A1", {"a": ["1.10"], "b": 1}, evidence.GENESIS)
    c = evidence.record_hash(1, "k", AT, "A1", {"a": ["1.1"], "b": 1}, evidence.GENESIS)
    assert a == b != c
    with pytest.raises(TypeError):
        evidence.record_hash(1, "k", AT, None, {"x": 1.5}, evidence.GENESIS)


def _raw(sql: str, **params) -> None:
    with get_engine().begin() as conn:
        conn.execute(text(sql), params)


def test_an_edited_payload_is_named(db, capsys):
    _fill()
    _raw("UPDATE evidence SET payload = :p WHERE seq = 3", p='{"amount":"1.00","n":3,"text":"还款 ok"}')
    code, out = _verify_cli(capsys)
    assert code == 1
    assert out == "TAMPERED: record seq 3 (id 3): content does not match its hash (edited) (2 records intact before it)"


def test_an_edited_time_or_kind_is_named(db, capsys):
    _fill()
    with session_scope() as s:
        s.execute(update(EvidenceRecord).where(EvidenceRecord.seq == 4)
                  .values(at=datetime(2026, 11, 29, tzinfo=timezone.utc)))
    code, out = _verify_cli(capsys)
    assert (code, out.split(":")[1].strip()) == (1, "record seq 4 (id 4)")


def test_a_deleted_record_is_named(db, capsys):
    _fill()
    _raw("DELETE FROM evidence WHERE seq = 2")
    code, out = _verify_cli(capsys)
    assert code == 1
    assert out == ("TAMPERED: record seq 3 (id 3): the record before it (seq 2) was deleted "
                   "(1 records intact before it)")


def test_a_deleted_and_renumbered_record_is_caught_by_the_hash_link(db, capsys):
    _fill()
    _raw("DELETE FROM evidence WHERE seq = 2")
    for seq in (3, 4, 5):
        _raw(f"UPDATE evidence SET seq = {seq - 1} WHERE seq = {seq}")
    code, out = _verify_cli(capsys)
    assert code == 1
    assert out.startswith("TAMPERED: record seq 2 (id 3): prev_hash does not match the record before it")


def test_two_swapped_records_are_named(db, capsys):
    _fill()
    # swap rows 2 and 4 completely (every column but the id), as an attacker reordering would
    cols = "seq, kind, at, account_id, payload, prev_hash, hash"
    with get_engine().begin() as conn:
        two = conn.execute(text(f"SELECT {cols} FROM evidence WHERE id = 2")).one()
        four = conn.execute(text(f"SELECT {cols} FROM evidence WHERE id = 4")).one()
        conn.execute(text("DELETE FROM evidence WHERE id IN (2, 4)"))
        for new_id, row in ((2, four), (4, two)):
            conn.execute(text(f"INSERT INTO evidence (id, {cols}) VALUES (:id, :seq, :kind, :at, "
                              ":account_id, :payload, :prev_hash, :hash)"),
                         {"id": new_id, **row._asdict()})
    code, out = _verify_cli(capsys)
    assert code == 1
    assert out == ("TAMPERED: record seq 3 (id 3): out of order (id 3 after id 4): reordered "
                   "(2 records intact before it)")


def test_swapped_sequence_numbers_are_named(db, capsys):
    _fill()
    _raw("UPDATE evidence SET seq = 100 WHERE seq = 2")
    _raw("UPDATE evidence SET seq = 2 WHERE seq = 3")
    _raw("UPDATE evidence SET seq = 3 WHERE seq = 100")
    code, out = _verify_cli(capsys)
    assert code == 1
    assert out == ("TAMPERED: record seq 2 (id 3): prev_hash does not match the record before it "
                   "(deleted, reordered or edited) (1 records intact before it)")


def test_a_fork_is_refused_by_the_database(db):
    from sqlalchemy.exc import IntegrityError

    _fill(2)
    with pytest.raises(IntegrityError):
        with session_scope() as s:
            tail = s.query(EvidenceRecord).filter_by(seq=2).one()
            s.add(EvidenceRecord(seq=3, kind="x", at=AT, account_id=None, payload="{}",
                                 prev_hash=tail.prev_hash, hash="f" * 64))


def _writer(url: str, name: str, count: int, start) -> None:
    import os

    os.environ["DATABASE_URL"] = url
    from bot.config import reset_settings
    from bot.store.db import reset_engine

    reset_settings()
    reset_engine()
    start.wait(30)
    for i in range(count):
        with session_scope() as s:
            evidence.append(s, "note", None, {"writer": name, "i": i})


def test_two_processes_appending_at_once_keep_one_chain(db, capsys):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    count = 200
    workers = [ctx.Process(target=_writer, args=(db, name, count, start)) for name in ("p1", "p2")]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert _verify_cli(capsys) == (0, f"ok: {2 * count} records")
    with session_scope() as s:
        writers = [r.payload for r in s.query(EvidenceRecord).order_by(EvidenceRecord.seq)]
    assert sum('"writer":"p1"' in p for p in writers) == count
    assert sum('"writer":"p2"' in p for p in writers) == count


def test_a_transactions_records_are_written_together_at_commit(db, capsys):
    """Three appends in one transaction: on PostgreSQL one statement in all (the server's
    `collectbot_evidence_append` takes the lock, reads the tail, inserts and hashes; it was
    a lock, a tail read and an INSERT), on SQLite one tail read and one INSERT."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    _fill(2)
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        _fill(3)
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    if db.startswith("postgresql"):
        assert len(statements) == 1 and "collectbot_evidence_append" in statements[0], statements
    else:
        assert sum(sql.lstrip().upper().startswith("INSERT INTO EVIDENCE")
                   for sql in statements) == 1
        assert sum("FROM evidence" in sql for sql in statements) == 1
    assert _verify_cli(capsys) == (0, "ok: 5 records")


def test_the_hash_prefix_completed_by_the_database_is_the_record_hash():
    """PostgreSQL hashes `hash_prefix(...) + prev_hash + '","seq":N}'`: the same text
    `record_hash` (and so `verify`) hashes, also for non-ASCII text and no account."""
    import hashlib

    for account in ("A1", None):
        payload = {"text": "还款 ok", "amount": Decimal("12.50"), "n": [1, 2]}
        prefix = evidence.hash_prefix("note", AT, account, payload)
        completed = prefix + "f" * 64 + '","seq":' + "17" + "}"
        assert hashlib.sha256(completed.encode("utf-8")).hexdigest() == evidence.record_hash(
            17, "note", AT, account, payload, "f" * 64)


def test_a_query_of_the_log_in_the_same_transaction_sees_its_own_records(db):
    with session_scope() as s:
        evidence.append(s, "note", "A1", {"n": 1}, at=AT)
        evidence.append(s, "note", "A1", {"n": 2}, at=AT)
        assert s.query(EvidenceRecord).count() == 2
        evidence.append(s, "note", "A1", {"n": 3}, at=AT)
        assert s.execute(text("SELECT count(*) FROM evidence")).scalar() == 3
    with session_scope() as s:
        assert [r.seq for r in s.query(EvidenceRecord).order_by(EvidenceRecord.seq)] == [1, 2, 3]


def test_a_rolled_back_transaction_leaves_no_record(db, capsys):
    _fill(1)
    with pytest.raises(RuntimeError):
        with session_scope() as s:
            evidence.append(s, "note", "A1", {"n": 2}, at=AT)
            raise RuntimeError("the turn failed")
    with session_scope() as s:  # the next transaction on a pooled session starts clean
        evidence.append(s, "note", "A1", {"n": 3}, at=AT)
    assert _verify_cli(capsys) == (0, "ok: 2 records")
    with session_scope() as s:
        assert [r.payload for r in s.query(EvidenceRecord).order_by(EvidenceRecord.seq)] == \
            ['{"amount":"12.50","n":1,"text":"还款 ok"}', '{"n":3}']


def test_the_prefix_built_from_the_payload_text_is_hash_prefix():
    """`_prefix` (PostgreSQL's appends) reuses the payload's canonical JSON; it must be
    exactly `hash_prefix`'s text, or the server's hashes would not verify."""
    from bot.store.canonical import canonical_json
    from bot.store.evidence import _prefix, hash_prefix

    at = datetime(2026, 11, 30, 15, 0, 1, 5, tzinfo=timezone.utc)
    for kind, account_id, payload in (
            ("decision", "A1", {"text": "你好 \"quoted\" \\ é", "reasons": [{"rule": "r"}],
                                "n": 3, "none": None, "ok": True}),
            ("message.outbound", None, {}),
            ("arrangement", "Z1", {"total": Decimal("10.50"), "when": at, 2: "int key"})):
        assert _prefix(kind, at, account_id, canonical_json(payload)) == \
            hash_prefix(kind, at, account_id, payload)
