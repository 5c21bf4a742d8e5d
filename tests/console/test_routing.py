"""Routing: priority, the queue a handoff belongs to, free matching agents, capacity, SLA."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.channels.conftest import CN_PHONE, US_PHONE
from tests.console.conftest import add_agents, queue


@pytest.fixture
def agents_online(debtors, fixed_clock):
    """alice (en/us/legal), li (zh/cn), sam (supervisor); alice and li logged in."""
    from bot.console import agents, sessions
    from bot.store.db import session_scope

    add_agents()
    with session_scope() as s:
        for name in ("alice", "li"):
            sessions.start(s, agents.get_agent(s, name))
    return fixed_clock


def _row(hid: int):
    from bot.store.db import session_scope
    from bot.store.models import Handoff, HandoffRouting

    with session_scope() as s:
        return s.get(Handoff, hid), s.get(HandoffRouting, hid)


def test_priority_distress_then_legal_then_requests():
    from bot.console.routing import priority_of

    assert priority_of("distress") < priority_of("dispute") == priority_of("attorney") \
        == priority_of("bankruptcy") < priority_of("requested_human") == priority_of("complaint")


def test_a_handoff_goes_to_the_free_agent_of_its_language_pack_and_skill(agents_online):
    zh = queue("A-CN-1", "requested_human", CN_PHONE)
    en = queue("A-US-1", "dispute", US_PHONE)
    (h_zh, r_zh), (h_en, r_en) = _row(zh), _row(en)
    assert (h_zh.agent, r_zh.language, r_zh.pack, r_zh.skill) == ("li", "zh", "cn", None)
    assert (h_en.agent, r_en.skill) == ("alice", "legal")
    assert h_en.status == "queued" and r_en.assigned_at is not None


def test_no_matching_skill_means_waiting_in_the_queue(agents_online):
    hid = queue("A-CN-1", "distress", CN_PHONE)  # needs hardship: li has no such skill
    handoff, routing = _row(hid)
    assert handoff.agent is None and routing.skill == "hardship" and routing.priority == 0


def test_capacity_and_logged_out_agents_are_respected(agents_online):
    from bot.console.routing import assign_pending
    from bot.store.db import session_scope

    # four conversations (calls) of one debtor: one open handoff per conversation
    ids = [queue("A-US-1", "requested_human", f"CA{i:032d}") for i in range(4)]
    assert [_row(h)[0].agent for h in ids] == ["alice", "alice", "alice", None]  # capacity 3
    agents_online.advance(timedelta(hours=1))  # every session expired: nobody is online
    late = queue("A-US-1", "requested_human", US_PHONE)  # a fifth conversation, the SMS thread
    with session_scope() as s:
        assert assign_pending(s) == 0
    assert [_row(h)[0].agent for h in ids + [late]] == [None] * 5  # back in the queue


def test_sla_comes_from_the_settings(agents_online, monkeypatch):
    from bot.config import reset_settings

    monkeypatch.setenv("COLLECTBOT_HANDOFF_SLA", "complaint=2h, default=30m")
    reset_settings()
    complaint = queue("A-US-1", "complaint", US_PHONE)
    other = queue("A-US-1", "paid_claim", "CA" + "9" * 32)  # another conversation
    (h1, r1), (h2, r2) = _row(complaint), _row(other)
    assert r1.due_at - h1.created_at == timedelta(hours=2)
    assert r2.due_at - h2.created_at == timedelta(minutes=30)


def test_the_takeover_check_follows_the_claim(agents_online):
    from bot.console import agents, work
    from bot.console.takeover import agent_owns
    from bot.store.db import session_scope

    hid = queue("A-US-1", "requested_human", US_PHONE)
    with session_scope() as s:
        assert not agent_owns(s, US_PHONE)
        alice = agents.get_agent(s, "alice")
        work.claim(s, alice, hid)
    with session_scope() as s:
        assert agent_owns(s, US_PHONE) and not agent_owns(s, CN_PHONE)
        work.close(s, alice, hid, "handed_back")
    with session_scope() as s:
        assert not agent_owns(s, US_PHONE)


def test_a_handoff_held_by_an_agent_who_logged_out_goes_back_to_the_queue(agents_online):
    from bot.console import agents, routing
    from bot.store.db import session_scope
    from bot.store.models import ConsoleSession

    hid = queue("A-US-1", "requested_human", US_PHONE)
    assert _row(hid)[0].agent == "alice"
    with session_scope() as s:
        alice = agents.get_agent(s, "alice")
        s.query(ConsoleSession).filter(ConsoleSession.agent_id == alice.id).delete()
    with session_scope() as s:
        routing.assign_pending(s)
    handoff, row = _row(hid)
    assert handoff.agent is None and row.assigned_at is None and handoff.status == "queued"
    with session_scope() as s:
        sam = agents.get_agent(s, "sam")
        with pytest.raises(ValueError, match="alice is not logged in"):
            routing.reassign(s, s.get(type(handoff), hid), "alice", sam)


def test_a_claim_is_one_conditional_update(agents_online):
    from sqlalchemy import update

    from bot.console import agents, work
    from bot.store.db import session_scope
    from bot.store.models import Handoff

    hid = queue("A-US-1", "requested_human", US_PHONE)  # assigned to alice
    with session_scope() as s:
        sam = agents.get_agent(s, "sam")
        work.claim(s, sam, hid)  # a supervisor may take an assigned handoff
    with session_scope() as s:
        alice = agents.get_agent(s, "alice")
        with pytest.raises(work.WorkError, match="no such handoff"):
            work.claim(s, alice, hid)  # no longer in her queue
    other = queue("A-US-1", "requested_human", "CA" + "3" * 32)  # another conversation
    with session_scope() as s:
        seen = work.open_handoff(s, alice, other)  # alice's page shows it as hers to claim ...
        s.execute(update(Handoff.__table__).where(Handoff.id == other)  # ... when sam takes it
                  .values(status="claimed", agent="sam"))
        with pytest.raises(work.WorkError, match="already taken by sam"):
            work.claim(s, alice, other)
        assert seen.handoff.agent == "sam"  # refreshed from the database
    assert _row(hid)[0].agent == "sam" and _row(other)[0].agent == "sam"
