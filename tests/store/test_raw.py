"""The hot statements on the raw cursor (bot.store.raw), the gate's plain account
(`repo.gate_account`) and the one-statement `sent` record (`repo.record_sent`): the same
rows, conversions, events, error handling and evidence as the ordinary path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.store import db as store_db
from bot.store import evidence, queue, raw, repo
from bot.store.db import connection_scope, get_engine, session_scope
from bot.store.models import ContactAttempt, InboxMessage, OutboxMessage
from tests.store.helpers import EN, NOW, OURS, kill_pooled_connection


def _accept(sid: str) -> None:
    with connection_scope() as conn:
        assert queue.accept_inbound(conn, sid=sid, channel="sms", from_number=EN,
                                    to_number=OURS, body="hello", wake=True)


def test_a_claimed_row_reads_the_same_as_through_the_session(store):
    """Attribute access by column, aware UTC datetimes (the `UTCDateTime` conversion),
    literal parameters (the statuses) and the lease's own values."""
    _accept("SM1")
    with connection_scope() as conn:
        row = queue.claim(conn, InboxMessage, "w1", timedelta(seconds=60))
    assert row is not None and row.sid == "SM1" and row.status == "claimed"
    assert row.attempts == 1 and row.claimed_by == "w1"
    assert row.received_at == NOW and row.received_at.tzinfo is not None
    assert row.received_at.utcoffset() == timedelta(0)
    assert row.lease_until == NOW + timedelta(seconds=60)
    with session_scope() as s:
        stored = s.execute(select(InboxMessage.__table__)).one()
    assert (stored.id, stored.sid, stored.received_at) == (row.id, row.sid, row.received_at)
    with connection_scope() as conn:  # nothing else is due: the conversation's row is held
        assert queue.claim(conn, InboxMessage, "w2", timedelta(seconds=60)) is None
        assert queue.finish(conn, InboxMessage, row.id, "w2", "done") is False  # not w2's
        assert queue.finish(conn, InboxMessage, row.id, "w1", "done") is True


def test_a_repeated_sid_is_stored_once(store):
    _accept("SM1")
    with connection_scope() as conn:
        assert not queue.accept_inbound(conn, sid="SM1", channel="sms", from_number=EN,
                                        to_number=OURS, body="again", wake=True)
        assert queue.accept_inbound_many(conn, [
            {"sid": "SM2", "channel": "sms", "from_number": EN, "to_number": OURS,
             "body": "b"}], wake=True) == [True]
    with session_scope() as s:
        assert sorted(s.execute(select(InboxMessage.sid)).scalars()) == ["SM1", "SM2"]


def test_an_expanding_in_list_and_an_empty_one(store):
    """The history's account ids travel as one tuple; an empty list is no error."""
    with session_scope() as s:
        repo.record_contact(s, account_id="A1", channel="sms", direction="inbound", to=OURS,
                            from_=EN, status="received", text="hi", at=NOW)
    with session_scope() as s:
        assert len(repo.contact_history(s, ["A1", "Z1"], since=NOW - timedelta(days=1))) == 1
        assert repo.contact_history(s, [], since=NOW - timedelta(days=1)) == []


def test_a_statement_missing_a_parameter_is_refused_by_name(store):
    if not store.startswith("postgresql"):
        pytest.skip("the raw cursor is PostgreSQL's")
    with connection_scope() as conn:
        with pytest.raises(ValueError, match="lease_until"):
            raw.execute(conn, queue._claim_statements(InboxMessage, True)[0],
                        {"now": NOW, "worker": "w"})


def test_engine_listeners_see_raw_statements(store):
    """Statement counters and the tests' fault hooks listen on the engine."""
    seen = []

    def record(_conn, _cursor, sql, *_args):
        seen.append(sql)

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        _accept("SM1")
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert sum("INSERT INTO inbox" in sql for sql in seen) == 1


def test_a_constraint_violation_is_sqlalchemys_integrity_error(store):
    with pytest.raises(IntegrityError):
        with session_scope() as s:
            for _ in range(2):
                repo.record_contact(s, account_id="A1", channel="sms", direction="outbound",
                                    to=EN, from_=OURS, status="sent", text="x",
                                    provider_sid="SMdup", new=True)
    with session_scope() as s:  # rolled back as a whole, evidence too
        assert s.execute(select(ContactAttempt.id)).first() is None
        assert evidence.verify(s).ok


@pytest.mark.postgres
def test_a_dropped_connection_fails_one_raw_statement_and_the_pool_renews(store, monkeypatch):
    """As with the session path (tests/store/test_db_pools.py): the raw cursor's error
    goes through SQLAlchemy's handler, which recognises the disconnect."""
    if not store.startswith("postgresql"):
        pytest.skip("PostgreSQL's pool")
    monkeypatch.setattr(store_db, "PING_IDLE_SECONDS", 3600.0)
    kill_pooled_connection()
    with pytest.raises(OperationalError):
        _accept("SM1")
    _accept("SM1")  # a new connection; the failed one stored nothing
    with session_scope() as s:
        assert s.execute(select(InboxMessage.sid)).scalars().all() == ["SM1"]


def test_the_gates_plain_account_says_what_the_loaded_one_says(store):
    with session_scope() as s:
        repo.set_status(s, "A1", "dispute")
        repo.set_status(s, "A1", "cease")
        repo.mark_mini_miranda_given(s, "A1")
    with session_scope() as s:
        account, debt = repo.load_account(s, "A1")
        plain, plain_debt = repo.gate_account(s, "A1")
        assert plain.statuses == account.statuses == frozenset({"dispute", "cease"})
        for name in ("account_id", "name", "language", "timezone", "pack", "state",
                     "creditor", "mini_miranda_at", "employer_prohibits"):
            assert getattr(plain, name) == getattr(account, name), name
        assert (plain_debt.id, plain_debt.time_barred) == (debt.id, debt.time_barred)
        assert repo.recipient_for(s, plain, EN, debt=plain_debt) == \
            repo.recipient_for(s, account, EN, debt=debt)
        assert repo.same_person_accounts(s, plain) == ["A1"]
        assert repo.gate_account(s, "nobody") == (None, None)
        z1, _ = repo.gate_account(s, "Z1")
        assert z1.statuses == frozenset()


def _queued_and_claimed() -> int:
    with session_scope() as s:
        queue.enqueue_outbound(s, conversation_id=EN, channel="sms", to_number=EN,
                               from_number=OURS, body="Thanks", account_id="A1")
    with connection_scope() as conn:
        return queue.claim(conn, OutboxMessage, "w1", timedelta(seconds=60)).id


def test_record_sent_closes_the_row_and_records_the_contact_with_evidence(store):
    row_id = _queued_and_claimed()
    with session_scope() as s:
        assert repo.record_sent(s, outbox_id=row_id, worker="w1", account_id="A1", to=EN,
                                from_=OURS, text="Thanks", provider_sid="SM9", debt_id=None,
                                at=NOW)
    with session_scope() as s:
        row = s.get(OutboxMessage, row_id)
        assert (row.status, row.provider_sid, row.sent_at, row.lease_until) == \
            ("sent", "SM9", NOW, None)
        contact = s.execute(select(ContactAttempt)).scalars().one()
        assert (contact.status, contact.direction, contact.provider_sid, contact.at,
                contact.reasons, contact.text) == ("sent", "outbound", "SM9", NOW, [], "Thanks")
        assert evidence.verify(s).ok
        payload = s.execute(text("SELECT payload FROM evidence WHERE kind = 'message.outbound'")
                            ).scalar()
        assert f'"contact_id":{contact.id}' in payload


def test_record_sent_after_the_lease_was_lost_still_records_the_contact(store):
    row_id = _queued_and_claimed()
    with session_scope() as s:
        assert not repo.record_sent(s, outbox_id=row_id, worker="someone-else",
                                    account_id="A1", to=EN, from_=OURS, text="Thanks",
                                    provider_sid="SM9", debt_id=None, at=NOW)
    with session_scope() as s:
        assert s.get(OutboxMessage, row_id).status == "claimed"
        assert s.execute(select(ContactAttempt.provider_sid)).scalars().all() == ["SM9"]


def test_a_null_skips_only_processors_that_keep_it_null():
    """`shape` leaves a NULL as None without calling a processor that would return None
    anyway, and still calls one that makes something of a NULL (a TypeDecorator with a
    default, say): the rows are what SQLAlchemy's own result processing gives."""
    from datetime import datetime, timezone

    from sqlalchemy import Column, Integer, MetaData, String, Table, TypeDecorator
    from sqlalchemy.dialects import postgresql

    calls = []

    class Defaulted(TypeDecorator):
        impl = String
        cache_ok = True

        def process_result_value(self, value, dialect):
            calls.append(value)
            return "none given" if value is None else value.upper()

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True),
                  Column("label", Defaulted()), Column("at", InboxMessage.lease_until.type))
    prepared = raw._Prepared(select(table.c.label, table.c.at), postgresql.dialect())
    kept = {index: keeps for index, _fn, keeps in prepared.results}
    assert kept == {0: False, 1: True}
    calls.clear()
    at = datetime(2026, 12, 1, 9, 30)
    rows = prepared.shape([(None, None), ("x", at)])
    assert rows[0].label == "none given" and rows[0].at is None
    assert rows[1].label == "X" and rows[1].at == at.replace(tzinfo=timezone.utc)
    assert calls == [None, "x"]  # the defaulted column is processed for its NULL too
