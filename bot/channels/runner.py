"""Background workers over a durable queue table (the inbox and the outbox).

A `QueueRunner` keeps a few asyncio tasks that claim one row at a time (see
`bot.store.queue.claim`: the oldest unfinished row of a conversation, never two of one
conversation at once, in any number of processes), process it, and close it. A failure
puts the row back with exponential backoff and jitter; after `max_attempts` claims the
subclass decides what giving up means. Database calls run in a thread so a slow claim
never holds up the webhook acknowledgements served by the same event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import time
import uuid
from collections import deque
from datetime import timedelta
from typing import Deque, List, Optional, Sequence, Type

from bot.store import queue
from bot.store.db import session_scope, statement_scope

logger = logging.getLogger(__name__)


def backoff(attempt: int, base: float, cap: float = 300.0) -> timedelta:
    """Exponential backoff with full-range jitter (0.5x to 1.5x): retries do not stampede."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


class QueueRunner:
    """Claim -> process -> finish loop over `model`; subclasses implement `process`."""

    model: Type = None  # type: ignore[assignment]
    name = "queue"
    #: must a claim reach the disk before the row is worked on? The outbox's must (a Twilio
    #: send follows, and its commit flushes the turn that queued the row); an inbox claim
    #: lost in a database crash only means the row is claimed again (bot.store.db).
    durable_claim = True

    #: how long an idle task other than the poller sleeps before it looks by itself, as a
    #: multiple of `poll` (a safety net: wakes come from notifications, from the webhook in
    #: the same process, from a task that claimed a row, and from the poller)
    IDLE_POLLS = 20

    def __init__(self, *, tasks: int = 4, poll: float = 0.5, lease: float = 120.0,
                 retry_base: float = 1.0, max_attempts: int = 4) -> None:
        self.tasks = tasks
        self.poll = poll
        #: is one sleeping task polling the table every `poll`? (see `_sleep`)
        self._polling = False
        self.lease = timedelta(seconds=lease)
        self.retry_base = retry_base
        self.max_attempts = max_attempts
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{self.name}:{uuid.uuid4().hex[:6]}"
        #: one event per sleeping task, oldest sleeper first (see `wake`)
        self._sleepers: Deque[asyncio.Event] = deque()
        self._pending_wakes = 0
        self._tasks: List[asyncio.Task] = []
        self._stopping = False
        self._blocked_logged_at = 0.0

    # ---------------------------------------------------------------- subclass hooks
    async def process(self, row) -> None:  # pragma: no cover - abstract
        """Do the row's work; raise to have it retried. Must close the row itself."""
        raise NotImplementedError

    async def give_up(self, row, error: str) -> None:
        """Called once when a row failed `max_attempts` times (default: mark it failed)."""
        await asyncio.to_thread(self._finish, row.id, "failed", last_error=error[:2000])

    async def blocked_reason(self) -> Optional[str]:
        """Why no row may be claimed right now (e.g. Redis down), or None."""
        return None

    # ---------------------------------------------------------------- the loop
    def wake(self) -> None:
        """New work was queued: one sleeping task stops sleeping now.

        One, not all: every stored message NOTIFYs every process, and waking all of a
        process's tasks for it made each of them run a claim query, all but one finding
        nothing (a dozen empty claims per message per process). A task that claimed a row
        wakes the next sleeper itself (`run_once`), so a burst still gets every task."""
        while self._sleepers:
            event = self._sleepers.popleft()
            if not event.is_set():
                event.set()
                return
        # every task is busy (or between a claim and its sleep): the next one to go to
        # sleep looks again first, so a row stored meanwhile never waits for the poll
        self._pending_wakes = min(self._pending_wakes + 1, self.tasks)

    def idle_tasks(self) -> int:
        """How many of this runner's tasks wait for a wake now (0 when it is not
        running): a writer that will `wake` it for that many rows need not also wake every
        other process's runners (`queue.notify`), whose claims would come back empty. Safe
        to read from another thread (a length, read under the GIL); a task that stops
        waiting meanwhile only leaves the row to the next task free, or the poll."""
        if self._stopping or not self._tasks:
            return 0
        return len(self._sleepers)

    def _wake_all(self) -> None:
        while self._sleepers:
            self._sleepers.popleft().set()

    def start(self) -> None:
        self._stopping = False
        self._sleepers.clear()
        self._pending_wakes = 0
        self._polling = False
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._loop(), name=f"{self.name}-{i}")
                       for i in range(self.tasks)]
        logger.info("%s: %d workers started (%s)", self.name, self.tasks, self.worker_id)

    async def stop(self) -> None:
        """Stop claiming; a row in progress finishes (or its lease lets another take it)."""
        self._stopping = True
        self._pending_wakes = self.tasks
        self._wake_all()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=self.lease.total_seconds())
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def run_once(self) -> bool:
        """Claim and process one row; False when nothing was claimable."""
        row = await self._take()
        if row is None:
            return False
        try:
            await self.process(row)
        except Exception as exc:  # any failure of one message: retry it, keep the worker
            error = f"{type(exc).__name__}: {exc}"
            if row.attempts >= self.max_attempts:
                logger.error("%s: row %s failed %d times, giving up: %s",
                             self.name, row.id, row.attempts, error)
                await self.give_up(row, error)
            else:
                delay = backoff(row.attempts, self.retry_base)
                logger.warning("%s: row %s attempt %d failed (%s); retrying in %.1f s",
                               self.name, row.id, row.attempts, error, delay.total_seconds())
                await asyncio.to_thread(self._retry, row.id, error, delay)
                self._schedule_wake(delay.total_seconds())
        return True

    async def _take(self):
        """Claim a row in a worker thread (None: nothing claimable) and, having one, wake
        one more task: there may be more, and it looks while this one works."""
        row = await asyncio.to_thread(self._claim)
        if row is not None:
            self.wake()
        return row

    async def _loop(self) -> None:
        while not self._stopping:
            reason = await self.blocked_reason()
            if reason is not None:
                now = time.monotonic()
                if now - self._blocked_logged_at > 30:
                    logger.error("%s: not processing: %s", self.name, reason)
                    self._blocked_logged_at = now
                await self._sleep()
                continue
            try:
                worked = await self.run_once()
            except Exception:  # the database itself is unreachable: wait and try again
                logger.exception("%s: cannot claim work", self.name)
                worked = False
            if not worked:
                await self._sleep()

    async def _sleep(self) -> None:
        """Wait for a wake. One sleeping task (the poller) also looks every `poll` by
        itself, for rows nobody announced (another process's, on a database without
        notifications; a retry coming due; a lease running out); the others wait for a
        wake, or `IDLE_POLLS` polls as a safety net. Every idle task used to poll: a
        process's dozen idle worker and sender tasks made a dozen empty claims every
        `poll`, on the cores the turns need, where one finds the same rows."""
        if self._pending_wakes:
            self._pending_wakes -= 1
            await asyncio.sleep(0)
            return
        event = asyncio.Event()
        self._sleepers.append(event)
        polling = not self._polling
        if polling:
            self._polling = True
        try:
            await asyncio.wait_for(event.wait(),
                                   self.poll if polling else self.poll * self.IDLE_POLLS)
        except asyncio.TimeoutError:
            pass
        finally:
            if polling:
                self._polling = False
            if not event.is_set():
                try:
                    self._sleepers.remove(event)
                except ValueError:
                    pass

    def _schedule_wake(self, after: float) -> None:
        if after < self.poll:
            asyncio.get_running_loop().call_later(after, self.wake)

    # ---------------------------------------------------------------- store calls
    # A claim, a close and a retry are one Core statement each (on PostgreSQL; SQLite's
    # claim is three, in one transaction): a plain connection, not an ORM session (whose
    # bookkeeping cost more CPU than such a statement), and on PostgreSQL in autocommit
    # mode, so the statement goes alone, without BEGIN and COMMIT round trips
    # (bot.store.db.statement_scope). An idle worker's empty claim is one round trip.
    def _claim(self, done: Sequence[int] = ()):
        """Claim a row (None: nothing claimable); `done`: rows to close in the same
        statement (`queue.claim`)."""
        with statement_scope(durable=self.durable_claim) as conn:
            return queue.claim(conn, self.model, self.worker_id, self.lease, done=done)

    def _finish(self, row_id: int, status: str, **values: object) -> bool:
        with statement_scope() as conn:
            return queue.finish(conn, self.model, row_id, self.worker_id, status, **values)

    def _retry(self, row_id: int, error: str, delay: timedelta) -> None:
        with statement_scope(durable=False) as conn:  # lost in a crash: the row is due
            queue.retry_later(conn, self.model, row_id, self.worker_id, error, delay)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until this queue has no unfinished rows (tests, shutdown, benchmarks)."""
        deadline = time.monotonic() + timeout
        while True:
            left = await asyncio.to_thread(self._unfinished)
            if left == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: {left} rows still unfinished")
            await asyncio.sleep(0.02)

    def _unfinished(self) -> int:
        from sqlalchemy import func, select

        t = self.model.__table__
        with session_scope() as s:
            return s.execute(select(func.count()).where(t.c.status.in_(queue.UNFINISHED))).scalar()
