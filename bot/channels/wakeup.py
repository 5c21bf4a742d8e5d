"""Waking the pipeline's workers in other processes: PostgreSQL LISTEN/NOTIFY.

A webhook stored by the front process (or another replica) would otherwise wait for a
worker's next poll (half a second) before its turn starts. Every inbox or outbox INSERT
on PostgreSQL also sends `NOTIFY collectbot_pipeline` in the same transaction (delivered
at commit, free when nobody listens); each process with workers keeps one connection
LISTENing in a thread and wakes its workers. Polling stays as the fallback: a lost
notification (the listener reconnecting after a database restart) only costs the poll.

A notification whose payload names a queue ("inbox", "outbox": `QUEUES`) wakes only that
queue's workers: each wake makes a sleeping worker run a claim query, and an inbox row
woke every process's outbox sender too (and a queued reply every inbox worker), claims
that could only come back empty, on the same cores as the turns. Any other payload (the
empty one of a writer that does not say) wakes every worker, as before.
"""

from __future__ import annotations

import logging
import select
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Set

from bot.store.queue import WAKE_CHANNEL as CHANNEL
from bot.store.queue import notify

__all__ = ["CHANNEL", "QUEUES", "Listener", "notify", "queue_of"]

logger = logging.getLogger(__name__)

#: the payloads that wake one queue's workers only (QueueRunner.name of each queue)
QUEUES = ("inbox", "outbox")


def queue_of(wake: Callable[[], None]) -> Optional[str]:
    """The queue a wake callback works on: a `QueueRunner`'s bound `wake` serves its
    runner's queue (`name`); any other callback (None) is woken by every notification."""
    name = getattr(getattr(wake, "__self__", None), "name", None)
    return name if name in QUEUES else None


def to_wake(wakes: List[Callable[[], None]], payloads: Iterable[str]) -> List[Callable[[], None]]:
    """The callbacks that one poll's notifications (their payloads) call, each once."""
    named: Set[str] = set()
    for payload in payloads:
        if payload not in QUEUES:
            return list(wakes)  # a writer that does not say which queue: wake them all
        named.add(payload)
    return [wake for wake in wakes if queue_of(wake) in named or queue_of(wake) is None]


class Listener:
    """A daemon thread that calls the `wake` callbacks a notification concerns (all of them
    unless its payload names a queue: `to_wake`)."""

    def __init__(self, database_url: str, wakes: List[Callable[[], None]],
                 loop: Any) -> None:
        self.database_url = database_url
        self.wakes = wakes
        self.loop = loop
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> Optional[Listener]:
        if not self.database_url.startswith("postgresql"):
            return None
        self._thread = threading.Thread(target=self._run, name="pipeline-listen", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _wake_all(self) -> None:
        self._wake(self.wakes)

    def _wake(self, wakes: List[Callable[[], None]]) -> None:
        for wake in wakes:
            self.loop.call_soon_threadsafe(wake)

    def _run(self) -> None:
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url).set(drivername="postgresql")
        while not self._stop.is_set():
            try:
                import psycopg2

                conn = psycopg2.connect(url.render_as_string(hide_password=False))
                conn.autocommit = True
                conn.cursor().execute(f"LISTEN {CHANNEL}")
                self._wake_all()  # anything stored while we were not listening
                while not self._stop.is_set():
                    if select.select([conn], [], [], 1.0)[0]:
                        conn.poll()
                        if conn.notifies:
                            payloads: Dict[str, None] = dict.fromkeys(
                                n.payload for n in conn.notifies)
                            conn.notifies.clear()
                            self._wake(to_wake(self.wakes, payloads))
                conn.close()
            except Exception as exc:  # the database restarting: poll until it is back
                logger.info("pipeline listener: %s; reconnecting", type(exc).__name__)
                self._stop.wait(2.0)
