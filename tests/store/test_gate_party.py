"""The gate's reads for a turn's own account in one statement (`repo.gate_party`, used by
`outbox.read_party`): the same account, recipient, pack and history as the three
statements it replaces (`gate_account`, `recipient_for`'s number facts,
`contact_history`), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, List

import pytest
from sqlalchemy import event

from bot import clock
from bot.channels import outbox
from bot.clock import FixedClock
from bot.store import repo
from bot.store.db import get_engine, session_scope
from tests.importing import import_csv

US = "+12025550143"
ALT = "+12025550199"
CN = "+8613912345678"
#: 10:00 in Shanghai, 21:00 in New York
AT = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
CSV = (
    "account_id,name,phone,balance,language,timezone,pack,currency,creditor,state,time_barred\n"
    f"A1,John Smith,{US},1200.00,en,America/New_York,us,USD,Acme Bank,MA,true\n"
    f"Z1,王芳,{CN},6000.00,zh,Asia/Shanghai,cn,CNY,招商银行,,false\n"
    f"Z2,王芳,{CN},800.00,zh,Asia/Shanghai,cn,CNY,华夏银行,,false\n"
)


@pytest.fixture
def accounts(db, tmp_path: Path):
    previous = clock.set_clock(FixedClock(AT))
    import_csv(tmp_path, CSV)
    with session_scope() as s:
        repo.set_status(s, "A1", "dispute")
        repo.mark_mini_miranda_given(s, "A1")
        repo.record_optout(s, account_id="A1", phone=US, channel="voice", source="agent")
        repo.record_consent(s, account_id="A1", phone=US, channel="all", source="import")
        repo.mark_verified(s, "A1", US, at=AT - timedelta(minutes=5))
        repo.add_inconvenient_time(s, "A1", time(12, 0), time(13, 0), note="lunch")
        repo.add_inconvenient_time(s, "A1", time(22, 0), time(7, 0), weekdays=[5, 6])
        # contacts inside and outside the horizons, counted and not (blocked), and on the
        # same person's other account; two at the same instant (ordered by id)
        for account, phone, minutes, status, direction in (
                ("A1", US, 30, "sent", "outbound"), ("A1", US, 30, "received", "inbound"),
                ("A1", US, 60 * 24 * 40, "sent", "outbound"),
                ("A1", US, 10, "blocked", "outbound"),
                ("Z1", CN, 20, "answered", "outbound"), ("Z2", CN, 15, "answered", "outbound"),
                ("Z2", CN, 60 * 24 * 3, "answered", "outbound")):
            repo.record_contact(s, account_id=account, channel="sms" if account == "A1"
                                else "voice", direction=direction,
                                to=phone if direction == "outbound" else "+15005550006",
                                from_="+15005550006" if direction == "outbound" else phone,
                                status=status, text="", at=AT - timedelta(minutes=minutes))
    yield db
    clock.set_clock(previous)


def _ordinary(s: Any, phone: str, turn: outbox.Turn, monkeypatch) -> outbox.Party:
    """`read_party` the way it read before `gate_party` (three statements)."""
    with monkeypatch.context() as m:
        m.setattr(outbox, "_read_turn_party", lambda *_: None)
        return outbox.read_party(s, phone, AT, turn=turn)


def _statements() -> List[str]:
    seen: List[str] = []
    event.listen(get_engine(), "before_cursor_execute",
                 lambda _c, _cur, sql, *_: seen.append(sql))
    return seen


@pytest.mark.parametrize("phone", [US, CN])
def test_one_statement_reads_what_the_three_did(accounts, phone, monkeypatch):
    with session_scope() as s:
        turn = outbox.turn_for(s, phone)
        assert turn.account_id is not None
        seen = _statements()
        party = outbox.read_party(s, phone, AT, turn=turn)
        assert len(seen) == 1  # was three: account, number facts, history
        old = _ordinary(s, phone, turn, monkeypatch)
    assert party.account == old.account
    assert party.pack is old.pack
    assert party.recipient == old.recipient
    assert party.history == old.history
    assert party.history  # the scenario has history to compare


def test_the_scenario_is_read_in_full(accounts):
    """What the one statement reads, checked against the scenario, not only against the
    ordinary path: statuses, verification, opt-outs, consents, inconvenient times, and a
    history inside the horizon, without blocked contacts, in (at, id) order."""
    with session_scope() as s:
        party = outbox.read_party(s, US, AT, turn=outbox.turn_for(s, US))
    r = party.recipient
    assert r.statuses == frozenset({"dispute"}) and r.verified
    assert r.opted_out == frozenset({"voice"}) and "sms" in r.consents
    assert [t.note for t in r.inconvenient] == ["lunch", ""]
    assert r.mini_miranda_given and r.time_barred and r.creditors == ("Acme Bank",)
    assert [(h.at, h.initiated_by) for h in party.history] == [
        (AT - timedelta(minutes=30), "collector"), (AT - timedelta(minutes=30), "debtor")]
    with session_scope() as s:  # the cn pack counts the person: Z1's and Z2's calls
        party = outbox.read_party(s, CN, AT, turn=outbox.turn_for(s, CN))
    assert party.account.account_id == "Z1"
    assert [h.at for h in party.history] == [AT - timedelta(minutes=20),
                                             AT - timedelta(minutes=15)]


def test_a_turn_whose_pack_guess_is_wrong_reads_the_accounts_own(accounts, monkeypatch):
    """The turn says "cn" (debtor scope, its horizon) for a us account: the account's own
    pack decides, and its history is read again for that pack."""
    with session_scope() as s:
        turn = outbox.turn_for(s, US)
        wrong = outbox.Turn(turn.phone, turn.account_id, turn.language, turn.timezone, "cn",
                            turn.debt_id, turn.inbox_id)
        party = outbox.read_party(s, US, AT, turn=wrong)
        old = _ordinary(s, US, turn, monkeypatch)
    assert party.pack.name == "us"
    assert (party.account, party.recipient, party.history) == \
        (old.account, old.recipient, old.history)


def test_an_account_gone_since_the_turn_began_is_an_unknown_number(accounts, monkeypatch):
    with session_scope() as s:
        turn = outbox.turn_for(s, US)
        gone = outbox.Turn(turn.phone, "NOBODY", turn.language, turn.timezone, turn.pack)
        party = outbox.read_party(s, US, AT, turn=gone)
        old = _ordinary(s, US, gone, monkeypatch)
    assert party.account is None and party == old


def test_an_allowed_text_is_redacted_for_the_log_only_when_debug_is_on(accounts, monkeypatch,
                                                                        caplog):
    import logging

    calls: List[str] = []
    monkeypatch.setattr(outbox, "redact", lambda text: calls.append(text) or "[redacted]")
    with session_scope() as s:
        turn = outbox.turn_for(s, US)
        caplog.set_level(logging.INFO, logger=outbox.logger.name)
        quiet = outbox.screen(s, phone=US, text="Thanks.", channel="sms", turn=turn, at=AT,
                              record=False)
        assert quiet.send and calls == []
        caplog.set_level(logging.DEBUG, logger=outbox.logger.name)
        outbox.screen(s, phone=US, text="Thanks.", channel="sms", turn=turn, at=AT,
                      record=False)
    assert len(calls) == 2 and "allowed sms to [redacted]" in caplog.text
