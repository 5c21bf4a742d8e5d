"""A call the bot transfers with <Dial> is linked to its handoff, and the console shows it."""

from __future__ import annotations

from tests.channels.conftest import US_PHONE, server  # noqa: F401  (fixture)
from tests.channels.test_voice import call, turn
from tests.console.conftest import queue


async def test_a_dial_transfer_links_the_call_to_its_handoff(server, debtors):  # noqa: F811
    from bot.store.db import session_scope
    from bot.store.models import EvidenceRecord, HandoffRouting

    hid = queue("A-US-1", "requested_human", US_PHONE)  # what action_handoff does in the turn
    server.assistant.script["agent please"] = [
        {"text": "I'm connecting you with an agent."},
        {"custom": {"handoff": True, "reason": "request_human"}}]
    params = call(SpeechResult="agent please")
    root = await turn(server, params, gather=True)
    assert [v.tag for v in root] == ["Say", "Dial"]
    with session_scope() as s:
        assert s.get(HandoffRouting, hid).call_sid == params["CallSid"]
        kinds = [r.kind for r in s.query(EvidenceRecord).order_by(EvidenceRecord.seq)]
    assert "console.call_linked" in kinds


async def test_a_turn_without_transfer_links_nothing(server, debtors):  # noqa: F811
    from bot.store.db import session_scope
    from bot.store.models import HandoffRouting

    hid = queue("A-US-1", "requested_human", US_PHONE)
    await turn(server, call(SpeechResult="hello"), gather=True)
    with session_scope() as s:
        assert s.get(HandoffRouting, hid).call_sid is None
