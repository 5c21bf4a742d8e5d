"""The one send path (`outbox.send`): screen -> fallback -> record -> deliver."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.channels import outbox
from bot.store.db import session_scope
from bot.store.models import ContactAttempt, EvidenceRecord, InboxMessage, OutboxMessage
from tests.channels.conftest import OUR_NUMBER, US_PHONE

pytestmark = pytest.mark.usefixtures("debtors")


def count(model, *where):
    with session_scope() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar()


def test_queued_texts_get_the_next_sequence_numbers_with_their_decision():
    with session_scope() as s:
        turn = outbox.turn_for(s, US_PHONE)
        first = outbox.send(s, turn, "Thanks, noted.")
        second = outbox.send(s, turn, "Anything else?")
    assert turn.account_id == "A-US-1" and first.send and second.send
    with session_scope() as s:
        rows = s.execute(select(OutboxMessage).order_by(OutboxMessage.seq)).scalars().all()
    assert [(r.seq, r.id) for r in rows] == [(1, first.queued), (2, second.queued)]
    assert rows[0].body == first.text and "STOP" in first.text  # the pack's additions
    assert (rows[0].to_number, rows[0].from_number, rows[0].status) == (
        US_PHONE, OUR_NUMBER, "pending")
    assert count(EvidenceRecord, EvidenceRecord.kind == "decision") == 2
    assert count(ContactAttempt) == 0  # the contact row is written when Twilio takes it


def test_a_blocked_text_is_replaced_by_the_fallback_once_asked():
    with session_scope() as s:
        turn = outbox.turn_for(s, US_PHONE)
        replaced = outbox.send(s, turn, "We will have you arrested.")
        dropped = outbox.send(s, turn, "We will have you arrested.", fallback=False)
    assert replaced.send and replaced.fallback and "call" in replaced.text.lower()
    assert not dropped.send and dropped.queued is None
    assert count(OutboxMessage) == 1
    assert count(ContactAttempt, ContactAttempt.status == "blocked") == 2


def test_spoken_and_shown_lines_are_not_queued():
    with session_scope() as s:
        turn = outbox.turn_for(s, US_PHONE)
        said = outbox.send(s, turn, "Thanks for calling.", channel="voice", deliver="say")
        shown = outbox.send(s, turn, "Thanks for writing.", deliver="show")
    assert said.send and shown.send and said.queued is None and shown.queued is None
    assert count(OutboxMessage) == 0
    with session_scope() as s:
        [spoken] = s.execute(select(ContactAttempt)).scalars().all()
    # a spoken line is part of its call (one contact record per call): status "spoken"
    assert (spoken.channel, spoken.status) == ("voice", "spoken")


def test_an_unknown_delivery_is_refused_before_anything_is_recorded():
    with session_scope() as s:
        turn = outbox.turn_for(s, US_PHONE)
        with pytest.raises(ValueError):
            outbox.send(s, turn, "hello", deliver="fax")
    assert count(EvidenceRecord, EvidenceRecord.kind == "decision") == 0


def test_preflight_screen_records_nothing():
    with session_scope() as s:
        screened = outbox.screen(s, phone=US_PHONE, text="hello", channel="sms",
                                 kind="outbound", record=False)
    assert screened.decision is not None
    assert count(EvidenceRecord, EvidenceRecord.kind == "decision") == 0
    assert count(ContactAttempt) == 0


async def test_rest_and_chat_collector_shows_what_a_debtor_could_receive():
    from bot.channels.rest import ScreeningCollector

    collector = ScreeningCollector("sms")
    await collector.send_response(US_PHONE, {"text": "Thanks, noted."})
    await collector.send_response(US_PHONE, {"text": "We will have you arrested."})
    await collector.send_response(US_PHONE, {"text": "You will go to jail."})
    texts = [m["text"] for m in collector.messages]
    assert len(texts) == 2 and texts[0].startswith("Thanks, noted.")
    assert "arrested" not in texts[1] and "call" in texts[1].lower()  # one fallback only
    assert count(OutboxMessage) == 0  # shown, never queued for Twilio
    assert count(EvidenceRecord, EvidenceRecord.kind == "decision") == 4


def test_an_agent_text_is_queued_behind_what_the_conversation_already_has():
    with session_scope() as s:
        outbox.send(s, outbox.turn_for(s, US_PHONE), "Thanks, noted.")
    sent = outbox.send_sms(US_PHONE, "Hi, this is Sam from the team. How can I help?")
    blocked = outbox.send_sms(US_PHONE, "We will have you arrested.")
    assert sent.send and sent.queued is not None
    assert not blocked.send and not blocked.fallback  # the agent sees the block
    with session_scope() as s:
        rows = s.execute(select(OutboxMessage).order_by(OutboxMessage.seq)).scalars().all()
    assert [r.seq for r in rows] == [1, 2] and rows[1].id == sent.queued


def test_one_reply_costs_few_statements_and_decides_as_before(db):
    """Screening and queuing one reply: the gate's reads in one query (`repo.gate_party`:
    the account with its statuses and primary debt, the phones with the number's
    opt-outs, consents, verification and inconvenient times, and the history), and the
    outbox row in one INSERT ... SELECT with its NOTIFY and the decision's evidence on
    PostgreSQL: 2 (was 4 with three reads; 6 before, 10 before that; 18 before that: nine
    reads, savepoint + lookup + max(seq) + INSERT + release); SQLite 5 (was 8, 9)."""
    from sqlalchemy import event

    from bot.store.db import get_engine

    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    with session_scope() as s:
        turn = outbox.turn_for(s, US_PHONE)
    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        with session_scope() as s:
            sent = outbox.send(s, turn, "Thanks, noted.")
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
    assert sent.send and sent.queued is not None and sent.decision.status == "allowed"
    postgres = db.startswith("postgresql")
    # SQLite adds its BEGIN IMMEDIATE and reads the evidence tail itself
    assert len(statements) <= (2 if postgres else 5), statements


async def test_a_whole_message_costs_at_most_8_statements(db, standin):
    """Inbox INSERT with its NOTIFY; the claim with the account and the takeover check,
    the inbound contact and its evidence (one transaction); the gate's reads (one
    statement, was three), the outbox
    row with the decision evidence; the outbox claim (with the opt-out recheck); the
    outbox row closed with the `sent` contact in one statement, and its evidence; the
    inbox row closed by the worker's next claim: 8 statements on PostgreSQL (10 before the
    gate's three reads became one), 7 per message when that claim takes the next one (16 before the close rode in the next
    claim, the takeover check and the account in the claim, and the decision evidence in
    the outbox INSERT; 18 before the NOTIFY rode in the inbox INSERT and the `sent` UPDATE
    and contact INSERT became one statement; 31 before the evidence chain became one call,
    `synchronous_commit` a pool setting, the outbox row one INSERT with its NOTIFY and the
    keyword check stopped asking for the opt-out; 42 before the gate's reads were merged;
    SQLite 27, was 30, 35 and 46)."""
    import uuid

    from sqlalchemy import event

    from bot.channels import inbox
    from bot.channels.twilio_sms import CompliantTwilioInput
    from bot.store.db import get_engine
    from tests.channels.conftest import ScriptedAssistant

    channel = CompliantTwilioInput.from_credentials({})
    assistant = ScriptedAssistant()
    worker = channel.inbox_worker(assistant, tasks=1)
    statements = []

    def record(_conn, _cursor, sql, *_args):
        statements.append(sql)

    event.listen(get_engine(), "before_cursor_execute", record)
    try:
        inbox.accept(sid="SM" + uuid.uuid4().hex, channel="sms", from_number=US_PHONE,
                     to_number=OUR_NUMBER, body="hello")
        assert await worker.run_once()
        assert await channel.sender.run_once()
        assert not await worker.run_once()  # closes the answered inbox row
    finally:
        event.remove(get_engine(), "before_cursor_execute", record)
        await channel.sender.close()
    assert [m.body for m in standin.messages(US_PHONE)] and assistant.received
    with session_scope() as s:
        assert s.execute(select(func.count()).select_from(ContactAttempt)).scalar() == 2
    with session_scope() as s:
        assert s.execute(select(InboxMessage.status)).scalars().all() == ["done"]
    if db.startswith("postgresql"):
        assert len(statements) <= 8, statements
    else:  # no NOTIFY; a BEGIN IMMEDIATE per transaction, the evidence tail read here
        assert len(statements) <= 27, statements
