"""Waking the pipeline's workers in other processes: PostgreSQL LISTEN/NOTIFY.

A webhook stored by the front process (or another replica) would otherwise wait for a
worker's next poll (half a second) before its turn starts. Every inbox or outbox INSERT
on PostgreSQL also sends `NOTIFY collectbot_pipeline` in the same transaction (delivered
at commit, free when nobody listens); each process with workers keeps one connection
LISTENing in a thread and wakes its workers. Polling stays as the fallback: a lost
notification (the listener reconnecting after a database restart) only costs the poll.
"""

from __future__ import annotations

import logging
import select
import threading
from typing import Any, Callable, List, Optional

from bot.store.queue import WAKE_CHANNEL as CHANNEL
from bot.store.queue import notify

__all__ = ["CHANNEL", "Listener", "notify"]

logger = logging.getLogger(__name__)


class Listener:
    """A daemon thread that calls every `wake` callback on each notification."""

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
        for wake in self.wakes:
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
                            conn.notifies.clear()
                            self._wake_all()
                conn.close()
            except Exception as exc:  # the database restarting: poll until it is back
                logger.info("pipeline listener: %s; reconnecting", type(exc).__name__)
                self._stop.wait(2.0)
