"""Rasa's SQL tracker store on DATABASE_URL.

Rasa's `SQLTrackerStore` wants dialect/host/db pieces and Rasa's `${VAR}` substitution
fails when a variable is unset, but our default database URL is computed (SQLite under
var/). This subclass takes the whole URL from `bot.config` so one setting drives both.

Rasa wraps every tracker store in a `FailSafeTrackerStore`: when the database fails it
answers "no tracker" (Rasa then starts the conversation afresh) or saves into process
memory, and the turn looks successful. `fail_loudly` makes such an error fail the turn
instead, so the inbox retries it once the database is back and nothing is forgotten.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Iterator, Optional

from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import get_settings

#: attribute a retrieved tracker carries until its first save: how many event rows of its
#: conversation session the store held when the tracker was read
STORED_ROWS_ATTR = "_collectbot_stored_rows"


class UrlSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` built from a full SQLAlchemy URL (default: settings.database_url).

    Rasa's `save` first counts the session's rows in the database (one more query per
    turn, with a subquery for the session start) to know which of the tracker's events are
    new. A tracker this store has just read already tells: its rows were counted when it
    was read, and while a turn holds the conversation's lock nobody else writes them. So
    the tracker carries that count (`STORED_ROWS_ATTR`) to its first save, which inserts
    the same events Rasa would; any other save (a tracker built elsewhere, a second save
    of the same tracker after a new session started) asks the database as Rasa does."""

    def __init__(self, domain: Any = None, host: Optional[str] = None,
                 event_broker: Any = None, url: Optional[str] = None, **kwargs: Any) -> None:
        database_url = url or (host if host and "://" in host else None) \
            or get_settings().database_url
        kwargs.pop("dialect", None)
        super().__init__(domain=domain, host=database_url, event_broker=event_broker, **kwargs)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        """Rasa's `_retrieve`, the tracker marked with the number of rows it was read from."""
        with self.session_scope() as session:
            rows = self._event_query(
                session, sender_id,
                fetch_events_from_all_sessions=fetch_events_from_all_sessions).all()
            if not (self.domain and rows):
                return None
            tracker = DialogueStateTracker.from_dict(
                sender_id, [json.loads(row.data) for row in rows], self.domain.slots)
        if not fetch_events_from_all_sessions:  # what `_additional_events` counts
            setattr(tracker, STORED_ROWS_ATTR, len(rows))
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events not stored yet: after its read's row count, for a tracker
        read by this store and not saved since; else Rasa's count query decides."""
        stored = tracker.__dict__.pop(STORED_ROWS_ATTR, None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store failed; the turn must be retried, not answered from memory."""


def _raise(error: Exception) -> None:
    raise TrackerStoreUnavailable(f"tracker store failed: {error}") from error


def fail_loudly(agent: Any) -> bool:
    """Turn the agent's fail-safe fallback off (its error callback raises); True if set."""
    store = getattr(agent, "tracker_store", None)
    if not isinstance(store, FailSafeTrackerStore):
        return False
    store._on_tracker_store_error = _raise  # the constructor's documented callback
    return True
