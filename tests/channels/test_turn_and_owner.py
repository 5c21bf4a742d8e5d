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
