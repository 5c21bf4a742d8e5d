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
import threading
from collections import OrderedDict
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

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
    of the same tracker after a new session started) asks the database as Rasa does.

    Rasa's read fetches every event row of the conversation (all sessions, as ORM
    objects) at each turn, so a turn's read grows with the conversation. This store keeps,
    per conversation, the rows its last read returned (`_SessionRows`: their JSON text,
    not the events, which a turn may edit) and asks the database only for the rows stored
    since, in one statement that also proves the kept rows are still all there is: the
    number of the conversation's rows up to the last one kept, and that last row's
    timestamp (a row committed late under a lower id, a deleted row, a recreated table:
    any mismatch reads everything again, as Rasa does). Every read still asks the
    database, so a row another replica stored is never missed. The tracker is then built
    from the same rows, in the same order, as Rasa's query returns: those from the latest
    `session_started` row's timestamp on (all rows when there is none).

    Rasa's save adds each new event as an ORM object (one INSERT ... RETURNING per event
    on PostgreSQL); here the same rows are one multi-row INSERT."""

    def __init__(self, domain: Any = None, host: Optional[str] = None,
                 event_broker: Any = None, url: Optional[str] = None, **kwargs: Any) -> None:
        database_url = url or (host if host and "://" in host else None) \
            or get_settings().database_url
        kwargs.pop("dialect", None)
        super().__init__(domain=domain, host=database_url, event_broker=event_broker, **kwargs)
        #: sender id -> the rows of its latest read, least recently read first
        self._kept: OrderedDict[str, _SessionRows] = OrderedDict()
        self._kept_chars = 0
        self._kept_lock = threading.Lock()  # reads of different conversations may overlap

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        """Rasa's `_retrieve`, the tracker marked with the number of rows it was read from;
        the latest session's rows from what this store kept plus the rows stored since."""
        if fetch_events_from_all_sessions:
            with self.session_scope() as session:
                rows = self._event_query(session, sender_id,
                                         fetch_events_from_all_sessions=True).all()
                data = [row.data for row in rows]
        else:
            kept = self._read_session(sender_id)
            data = [row[2] for row in kept.rows] if kept is not None else []
        if not (self.domain and data):
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(text) for text in data], self.domain.slots)
        if not fetch_events_from_all_sessions:  # what `_additional_events` counts
            setattr(tracker, STORED_ROWS_ATTR, len(data))
        return tracker

    def _read_session(self, sender_id: str) -> Optional[_SessionRows]:
        """The rows of `sender_id`'s latest session as Rasa's `_event_query` returns them,
        kept for the next read; None if the conversation has no rows."""
        kept = self._forget(sender_id)
        with self.engine.connect() as conn:
            if kept is not None:
                rows = conn.execute(_SINCE, {"sender": sender_id, "last": kept.last_id}).all()
                count, last_ts = rows[0][4], rows[0][5]
                if count == kept.count and last_ts == kept.last_ts:
                    kept.extend((row[0], row[1], row[2], row[3]) for row in rows
                                if row[0] is not None)
                else:  # not what was read before: read everything, as Rasa does
                    kept = None
            if kept is None:
                kept = _SessionRows()
                kept.extend(tuple(row) for row in conn.execute(_ALL, {"sender": sender_id}))
        if not kept.count:
            return None
        self._keep(sender_id, kept)
        return kept

    def _forget(self, sender_id: str) -> Optional[_SessionRows]:
        """Take `sender_id`'s kept rows out of the cache (a failed read keeps nothing)."""
        with self._kept_lock:
            kept = self._kept.pop(sender_id, None)
            if kept is not None:
                self._kept_chars -= kept.chars
            return kept

    def _keep(self, sender_id: str, kept: _SessionRows) -> None:
        """Keep `kept` as the most recently read; the least recently read go first when
        there are more than KEEP_CONVERSATIONS or KEEP_CHARS of row text."""
        with self._kept_lock:
            self._kept[sender_id] = kept
            self._kept_chars += kept.chars
            while self._kept and (len(self._kept) > KEEP_CONVERSATIONS
                                  or self._kept_chars > KEEP_CHARS):
                _, oldest = self._kept.popitem(last=False)
                self._kept_chars -= oldest.chars

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The tracker's events not stored yet: after its read's row count, for a tracker
        read by this store and not saved since; else Rasa's count query decides."""
        stored = tracker.__dict__.pop(STORED_ROWS_ATTR, None)
        if stored is None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `save`: the same rows, inserted by one statement."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [_event_row(tracker.sender_id, event)
                    for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()


def _event_row(sender_id: str, event: Any) -> Dict[str, Any]:
    """The `events` row Rasa's `SQLTrackerStore.save` stores for `event`."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


#: conversations whose rows a store keeps, and the most row text it keeps in all
KEEP_CONVERSATIONS = 2000
KEEP_CHARS = 64 * 1024 * 1024

#: every row of a conversation, all sessions, in Rasa's order
_ALL = sa.text('SELECT id, type_name, "timestamp", data FROM events '
               "WHERE sender_id = :sender ORDER BY id")
#: the rows after the last kept one, each with the number of the conversation's rows up
#: to that one and its timestamp (one row of NULLs and those two when nothing is new)
_SINCE = sa.text(
    'SELECT e.id, e.type_name, e."timestamp", e.data, c.n, c.last_ts FROM '
    "(SELECT (SELECT count(*) FROM events WHERE sender_id = :sender AND id <= :last) AS n, "
    '(SELECT "timestamp" FROM events WHERE id = :last AND sender_id = :sender) AS last_ts) c '
    "LEFT JOIN events e ON e.sender_id = :sender AND e.id > :last ORDER BY e.id")


class _SessionRows:
    """What a store read of one conversation: how many rows up to which id (all
    sessions), and the rows Rasa's `_event_query` returns, (id, timestamp, data)."""

    __slots__ = ("count", "last_id", "last_ts", "session_start", "rows", "chars")

    def __init__(self) -> None:
        self.count = 0
        self.last_id: Optional[int] = None
        self.last_ts: Optional[float] = None
        #: the latest (greatest) timestamp of a `session_started` row, as Rasa's MAX()
        self.session_start: Optional[float] = None
        self.rows: List[Tuple[int, Optional[float], str]] = []
        self.chars = 0

    def _in_session(self, timestamp: Optional[float]) -> bool:
        """Rasa's filter: `timestamp >= session_start OR session_start IS NULL`."""
        return self.session_start is None or (
            timestamp is not None and timestamp >= self.session_start)

    def extend(self, rows: Iterable[Tuple[int, str, Optional[float], str]]) -> None:
        """Add rows (id, type_name, timestamp, data) stored after the last one, in id
        order; a newer session start drops the rows before it."""
        for row_id, type_name, timestamp, data in rows:
            self.count += 1
            self.last_id, self.last_ts = row_id, timestamp
            if type_name == SessionStarted.type_name and timestamp is not None and (
                    self.session_start is None or timestamp > self.session_start):
                self.session_start = timestamp
                self.rows = [row for row in self.rows if self._in_session(row[1])]
                self.chars = sum(len(row[2]) for row in self.rows)
            if self._in_session(timestamp):
                self.rows.append((row_id, timestamp, data))
                self.chars += len(data)


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
