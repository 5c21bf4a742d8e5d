"""One-statement transactions without BEGIN/COMMIT round trips (`db.statement_scope`), the
pipeline's claims and closes on them, and the `sent` record on a Core connection: the same
rows, durability and evidence as before, fewer round trips."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, List, Tuple

import pytest
from sqlalchemy import event, select, text

from bot.store import db as store_db
from bot.store import evidence, queue, repo
from bot.store.db import connection_scope, get_engine, session_scope, statement_scope
from bot.store.models import ContactAttempt, EvidenceRecord, OutboxMessage
from tests.store.helpers import EN, NOW, OURS


def _postgres(url: str) -> bool:
    return url.startswith("postgresql")


def test_a_statement_scope_statement_is_its_own_transaction(store):
    """PostgreSQL: the connection is in autocommit mode, so psycopg2 sends no BEGIN before
    the statement and no COMMIT after it, and no transaction is left open; `durable`
    picks the flush setting as `session_scope` does. SQLite: an ordinary transaction."""
    for durable, flush in ((True, "on"), (False, "off")):
        with statement_scope(durable=durable) as conn:
            if _postgres(store):
                dbapi_conn = conn.connection.dbapi_connection
                assert dbapi_conn.autocommit is True
                assert conn.execute(text("SHOW synchronous_commit")).scalar() == flush
                import psycopg2.extensions as ext

                assert dbapi_conn.status == ext.STATUS_READY  # no transaction open
            else:
                assert conn.execute(text("SELECT 1")).scalar() == 1
    # the session pools are untouched: their connections still open transactions
    with session_scope() as s:
        if _postgres(store):
            assert s.connection().connection.dbapi_connection.autocommit is False


def test_the_autocommit_pools_are_among_the_store_pools(store):
    pools = store_db.pools()
    assert get_engine().pool in pools
    assert len(pools) == (4 if _postgres(store) else 1)


def _queue_one() -> int:
    with session_scope() as s:
        return queue.enqueue_outbound(s, conversation_id=EN, channel="sms", to_number=EN,
                                      from_number=OURS, body="Thanks", account_id="A1")


class _Sent:
    sid = "SMsent1"


class _Messages:
    def create(self, **_: Any) -> _Sent:
        return _Sent()


class _Client:
    messages = _Messages()


def _hook_statements() -> Tuple[List[Tuple[str, bool]], Any]:
    """(statement's first words, was its connection in autocommit mode) for each statement,
    and the listener (to remove)."""
    seen: List[Tuple[str, bool]] = []

    def before(conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        dbapi_conn = conn.connection.dbapi_connection
        seen.append((" ".join(sql.split()[:3]), bool(getattr(dbapi_conn, "autocommit", False))))

    event.listen(get_engine(), "before_cursor_execute", before)
    return seen, before


@pytest.mark.asyncio
async def test_the_senders_claim_and_its_record_are_one_autocommit_statement_each(
        store):
    """The outbox claim goes alone (no BEGIN/COMMIT); the close, the `sent` contact and
    its evidence are one statement, which also goes alone on an autocommit connection
    (PostgreSQL; it was an UPDATE/INSERT and an append in a BEGIN ... COMMIT: three round
    trips more); the row, the contact and the evidence chain are as before."""
    from bot.channels.outbox_sender import OutboxSender

    row_id = _queue_one()
    sender = OutboxSender(_Client(), tasks=1)  # type: ignore[arg-type]
    seen, listener = _hook_statements()
    try:
        assert await sender.run_once()
    finally:
        event.remove(get_engine(), "before_cursor_execute", listener)
        await sender.close()
    with session_scope() as s:
        row = s.get(OutboxMessage, row_id)
        assert (row.status, row.provider_sid) == ("sent", "SMsent1")
        contact = s.execute(select(ContactAttempt)).scalars().one()
        assert (contact.status, contact.provider_sid) == ("sent", "SMsent1")
        assert evidence.verify(s).ok
        kinds = s.execute(select(EvidenceRecord.kind).order_by(EvidenceRecord.seq)
                          ).scalars().all()
        assert kinds[-1] == "message.outbound"
    if _postgres(store):
        claim = [auto for sql, auto in seen if sql.startswith("UPDATE outbox")]
        record = [auto for sql, auto in seen if sql.startswith("WITH closed")
                  or "collectbot_evidence_append" in sql]
        assert claim == [True]  # the claim: one statement, no transaction around it
        # close + contact + evidence: one statement, its own (durable) transaction
        assert record == [True], seen


@pytest.mark.postgres
def test_record_sent_on_a_connection_commits_all_or_nothing(store):
    """PostgreSQL: the row's close, the contact and its evidence record in one Core
    transaction; a failure after them rolls all three back."""
    if not _postgres(store):
        pytest.skip("the Core path of record_sent is PostgreSQL's")
    row_id = _queue_one()
    with connection_scope() as conn:
        assert queue.claim(conn, OutboxMessage, "w1", timedelta(seconds=60)).id == row_id
    with pytest.raises(RuntimeError):
        with connection_scope() as conn:
            assert repo.record_sent(conn, outbox_id=row_id, worker="w1", account_id="A1",
                                    to=EN, from_=OURS, text="Thanks", provider_sid="SM9",
                                    debt_id=None, at=NOW)
            raise RuntimeError("the process dies before the commit")
    with session_scope() as s:
        assert s.get(OutboxMessage, row_id).status == "claimed"
        assert s.execute(select(ContactAttempt.id)).first() is None
        assert not s.execute(select(EvidenceRecord.id).where(
            EvidenceRecord.kind == "message.outbound")).first()
    with connection_scope() as conn:
        assert repo.record_sent(conn, outbox_id=row_id, worker="w1", account_id="A1", to=EN,
                                from_=OURS, text="Thanks", provider_sid="SM9", debt_id=None,
                                at=NOW)
    with session_scope() as s:
        assert s.get(OutboxMessage, row_id).status == "sent"
        contact = s.execute(select(ContactAttempt)).scalars().one()
        assert evidence.verify(s).ok
        payload = s.execute(text("SELECT payload FROM evidence WHERE kind = "
                                 "'message.outbound'")).scalar()
        assert f'"contact_id":{contact.id}' in payload


def test_the_gates_number_facts_carry_the_inconvenient_times_in_one_query(store):
    """`recipient_for` reads the phones, the number's opt-outs, consents and verification
    and the account's inconvenient times in one statement: the times as stored (start,
    end, weekdays, note), in the order they were added."""
    from datetime import time as clock_time

    with session_scope() as s:
        repo.add_inconvenient_time(s, "A1", clock_time(22, 30), clock_time(7, 0), note="night")
        repo.add_inconvenient_time(s, "A1", clock_time(12, 0), clock_time(13, 15),
                                   weekdays=[0, 2], note="lunch")
    seen, listener = _hook_statements()
    try:
        with session_scope() as s:
            account, debt = repo.gate_account(s, "A1")
            del seen[:]
            recipient = repo.recipient_for(s, account, EN, debt=debt)
    finally:
        event.remove(get_engine(), "before_cursor_execute", listener)
    assert len(seen) == 1, seen
    assert [(i.start, i.end, sorted(i.weekdays), i.note) for i in recipient.inconvenient] == [
        (clock_time(22, 30), clock_time(7, 0), list(range(7)), "night"),
        (clock_time(12, 0), clock_time(13, 15), [0, 2], "lunch")]
    assert recipient.phones[0] == EN
    with session_scope() as s:  # an account without any
        z1, z1_debt = repo.gate_account(s, "Z1")
        assert repo.recipient_for(s, z1, debt=z1_debt).inconvenient == ()
