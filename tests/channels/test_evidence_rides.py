"""A queued text's decision evidence rides in the outbox INSERT (PostgreSQL): one
statement, not the INSERT and an append at commit; the chain stays whole, a text already
queued still gets its decision recorded once, and a savepoint keeps its records apart."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from bot.channels import outbox
from bot.store import evidence, queue
from bot.store.db import get_engine, session_scope
from bot.store.models import EvidenceRecord, OutboxMessage
from tests.channels.conftest import OUR_NUMBER, US_PHONE

pytestmark = pytest.mark.usefixtures("debtors")


def _decisions() -> int:
    with session_scope() as s:
        return s.execute(select(func.count()).select_from(EvidenceRecord).where(
            EvidenceRecord.kind == "decision")).scalar()


def _appends(statements):
    return [sql for sql in statements if "collectbot_evidence_append" in sql]


def test_the_decision_is_written_by_the_outbox_insert(db):
    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    with session_scope() as s:
        turn = outbox.turn_for(s, US_PHONE, inbox_id=None)
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        with session_scope() as s:
            sent = outbox.send(s, turn, "Thanks, noted.")
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert sent.send and sent.queued is not None
    assert _decisions() == 1
    if db.startswith("postgresql"):
        [append] = _appends(statements)  # no append statement of its own at commit
        assert "INSERT INTO outbox" in append
    with session_scope() as s:
        assert evidence.verify(s).ok


def test_a_text_already_queued_for_its_inbox_row_still_records_its_decision_once(db):
    with session_scope() as s:
        turn = outbox.turn_for(s, US_PHONE, inbox_id=41)
        first = outbox.send(s, turn, "Thanks, noted.")
    with session_scope() as s:  # the turn retried: the same text is not queued again
        again = outbox.send(s, turn, "Thanks, noted.")
    assert again.queued == first.queued
    with session_scope() as s:
        assert s.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 1
        assert evidence.verify(s).ok
    assert _decisions() == 2  # each decision recorded, once each


def test_records_of_the_outer_transaction_are_not_taken_inside_a_savepoint(db):
    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    with session_scope() as s:
        evidence.append(s, "note", None, {"n": 1})
        event.listen(get_engine(), "before_cursor_execute", record)
        try:
            with s.begin_nested():
                assert evidence.take_pending(s) is None
                queue.enqueue_outbound(s, conversation_id=US_PHONE, channel="sms",
                                       to_number=US_PHONE, from_number=OUR_NUMBER, body="hi")
        finally:
            event.remove(get_engine(), "before_cursor_execute", record)
    assert not any("INSERT INTO outbox" in sql for sql in _appends(statements))
    with session_scope() as s:
        assert s.execute(select(EvidenceRecord.kind).where(
            EvidenceRecord.kind == "note")).scalars().all() == ["note"]
        assert evidence.verify(s).ok


def test_pending_records_are_taken_once(db):
    with session_scope() as s:
        assert evidence.take_pending(s) is None
        evidence.append(s, "note", None, {"n": 1})
        taken = evidence.take_pending(s)
        assert taken is not None and taken["kinds"] == ["note"]
        assert evidence.take_pending(s) is None
        s.rollback()
