"""`action_handoff` queues through the console's routing: intents so far, priority, queue."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoff
from tests.actions.conftest import make_tracker, portfolio  # noqa: F401  (fixture)


async def test_handoff_keeps_the_intents_so_far_and_routes(portfolio) -> None:  # noqa: F811
    from bot.store.db import session_scope
    from bot.store.models import Handoff, HandoffRouting

    earlier = [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
               {"event": "bot", "text": "hello"},
               {"event": "user", "text": "no", "parse_data": {"intent": {"name": "dispute_debt"}}}]
    tracker = make_tracker(intent="express_distress", text="I can't cope", events=earlier)
    await ActionHandoff().run(CollectingDispatcher(), tracker, {})
    with session_scope() as s:
        handoff = s.query(Handoff).one()
        routing = s.get(HandoffRouting, handoff.id)
        assert handoff.reason == "distress" and handoff.conversation_id == tracker.sender_id
        assert routing.intents == ["greet", "dispute_debt", "express_distress"]
        assert (routing.priority, routing.skill, routing.language, routing.pack) == (0, "hardship", "en", "us")
