"""An idle queue runner: one task polls, the others wait to be woken; work still spreads
over every task when rows arrive unannounced."""

from __future__ import annotations

import asyncio
from typing import Any, List

from bot.channels.outbox_sender import OutboxSender
from bot.store import queue
from bot.store.db import session_scope
from bot.store.models import OutboxMessage


class _Counting(OutboxSender):
    """An outbox sender that counts its claims and sends nothing anywhere."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(_NoClient(), **kwargs)  # type: ignore[arg-type]
        self.claims = 0
        self.busy: List[int] = []
        self._in_flight = 0

    def _claim(self) -> Any:
        self.claims += 1
        return super()._claim()

    async def process(self, row: Any) -> None:
        self._in_flight += 1
        self.busy.append(self._in_flight)
        try:
            await asyncio.sleep(0.2)  # a slow Twilio: the other rows need other tasks
            await super().process(row)
        finally:
            self._in_flight -= 1


class _Sent:
    sid = "SMidle"


class _Messages:
    def create(self, **_: Any) -> _Sent:
        return _Sent()


class _NoClient:
    messages = _Messages()


async def test_idle_tasks_do_not_all_poll(db):
    """Eight idle tasks, `poll` 0.05 s, for 0.6 s: one poller claims about a dozen times;
    before, each of the eight polled (about a hundred claims)."""
    runner = _Counting(tasks=8, poll=0.05)
    runner.start()
    try:
        await asyncio.sleep(0.6)
    finally:
        await runner.close()
    # the first look of each task, then the poller's (at most one per poll)
    assert runner.claims <= 8 + 0.6 / 0.05 + 4, runner.claims


async def test_unannounced_rows_still_reach_several_tasks(db):
    """Rows of four conversations stored without a wake (another process, no
    notification): the poller finds one and wakes the next task, and so on, so the four
    are sent side by side, not one after the other."""
    runner = _Counting(tasks=4, poll=0.05)
    runner.start()
    try:
        await asyncio.sleep(0.1)  # every task asleep
        with session_scope() as s:
            ids = [queue.enqueue_outbound(s, conversation_id=f"+1555000000{i}", channel="sms",
                                          to_number=f"+1555000000{i}",
                                          from_number="+15005550006", body="hi")
                   for i in range(4)]
        await runner.drain(timeout=30)
    finally:
        await runner.close()
    with session_scope() as s:
        assert [s.get(OutboxMessage, i).status for i in ids] == ["sent"] * 4
    assert max(runner.busy) >= 2  # in parallel, though nobody announced them
