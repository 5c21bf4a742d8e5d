"""The inbound turn's party and the takeover check come from one query
(`outbox.turn_and_owner`), with the same answers as `turn_for` and `agent_owns`."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot import clock
from bot.channels import outbox
from bot.console.takeover import agent_owns
from bot.store.db import get_engine, session_scope
from bot.store.models import Handoff
from tests.channels.conftest import CN_PHONE, UNKNOWN_PHONE, US_PHONE

pytestmark = pytest.mark.usefixtures("debtors")


def _handoff(account_id: str, conversation_id, status: str = "claimed") -> None:
    with session_scope() as s:
        s.add(Handoff(account_id=account_id, reason="test", conversation_id=conversation_id,
                      status=status, created_at=clock.now()))


def _answers(phone: str):
    with session_scope() as s:
        statements = []

        def seen(_conn, _cursor, sql, *_args):
            if not sql.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE
                statements.append(sql)

        event.listen(get_engine(), "before_cursor_execute", seen)
        try:
            turn, owned = outbox.turn_and_owner(s, phone, inbox_id=7)
        finally:
            event.remove(get_engine(), "before_cursor_execute", seen)
        expected = outbox.turn_for(s, phone, inbox_id=7)
        owner = agent_owns(s, phone, expected.account_id)
    assert len(statements) == 1
    assert turn == expected
    assert owned == owner
    return turn, owned


def test_nobody_owns_a_conversation_without_a_claimed_handoff():
    _handoff("A-US-1", US_PHONE, status="queued")  # waiting for an agent: the bot answers
    turn, owned = _answers(US_PHONE)
    assert (turn.account_id, turn.language, turn.inbox_id, owned) == ("A-US-1", "en", 7, False)
    assert turn.debt_id is not None


def test_a_claimed_handoff_of_the_account_or_the_conversation_silences_the_bot():
    _handoff("A-US-1", None)  # by account (e.g. a voice handoff)
    assert _answers(US_PHONE)[1] is True
    assert _answers(CN_PHONE)[1] is False
    _handoff("A-US-1", CN_PHONE)  # by the conversation's number
    assert _answers(CN_PHONE)[1] is True


def test_an_unknown_number_gets_the_country_defaults_and_its_conversation_check():
    turn, owned = _answers(UNKNOWN_PHONE)
    assert (turn.account_id, turn.timezone, owned) == (None, "UTC", False)
    _handoff("A-US-1", UNKNOWN_PHONE)
    assert _answers(UNKNOWN_PHONE)[1] is True


def _claim_joined():
    from datetime import timedelta

    from bot.store import queue
    from bot.store.models import InboxMessage

    with session_scope() as s:
        return queue.claim_with(s, InboxMessage, "w1", timedelta(seconds=60),
                                outbox.claimed_with_turn)


def test_the_claim_reads_the_party_and_the_takeover_check_itself(db):
    from bot.channels.inbox import accept
    from tests.channels.conftest import OUR_NUMBER

    for i, phone in enumerate((US_PHONE, UNKNOWN_PHONE)):
        assert accept(sid=f"SM-j{i}", channel="sms", from_number=phone,
                      to_number=OUR_NUMBER, body="hello")
    _handoff("A-US-1", UNKNOWN_PHONE)  # a person owns the unknown number's conversation
    for phone in (US_PHONE, UNKNOWN_PHONE):
        row = _claim_joined()
        assert row.from_number == phone and row.status == "claimed"
        joined = outbox.turn_of_claimed(row)
        if not db.startswith("postgresql"):
            assert joined is None  # SQLite: a plain claim; the turn reads them itself
            continue
        with session_scope() as s:
            assert joined == outbox.turn_and_owner(s, phone, inbox_id=row.id)
    assert _claim_joined() is None


async def test_a_person_owning_the_conversation_silences_the_turn(db):
    from bot.channels.inbox import accept
    from bot.channels.twilio_sms import CompliantTwilioInput
    from tests.channels.conftest import OUR_NUMBER, ScriptedAssistant

    channel = CompliantTwilioInput.from_credentials({})
    assistant = ScriptedAssistant()
    worker = channel.inbox_worker(assistant, tasks=1)
    try:
        assert accept(sid="SM-own1", channel="sms", from_number=US_PHONE,
                      to_number=OUR_NUMBER, body="first")
        assert await worker.run_once()
        _handoff("A-US-1", US_PHONE)
        assert accept(sid="SM-own2", channel="sms", from_number=US_PHONE,
                      to_number=OUR_NUMBER, body="second")
        assert await worker.run_once()
    finally:
        await worker.stop()
        await channel.sender.close()
    assert [m.text for m in assistant.received] == ["first"]
