"""A per-sender-number send rate limit (Twilio queues, then drops, what a number cannot
send: a long code sends about one message per second).

`RateLimiter.wait(number)` returns once the next send from `number` keeps it at or under
`per_second`; each number has its own schedule. Time and sleeping are injectable so the
limit can be checked without waiting (and the bench measures it with the real clock).
"""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, Dict


class RateLimiter:
    def __init__(self, per_second: float,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._monotonic, self._sleep = monotonic, sleep
        self._next: Dict[str, float] = {}

    async def wait(self, number: str) -> None:
        """Wait for `number`'s next slot and take it (a rate of 0 or less means no limit)."""
        if self.interval <= 0:
            return
        while True:
            # The next slot counts from when the previous send really went (a late wake-up
            # must not be made up by sending the next one sooner), and a sleep that ends a
            # little early is simply slept again.
            now = self._monotonic()
            slot = self._next.get(number, now)
            if now >= slot:
                self._next[number] = now + self.interval
                return
            await self._sleep(slot - now)
