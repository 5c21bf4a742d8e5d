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

from typing import Any, Optional

from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore

from bot.config import get_settings


class UrlSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` built from a full SQLAlchemy URL (default: settings.database_url)."""

    def __init__(self, domain: Any = None, host: Optional[str] = None,
                 event_broker: Any = None, url: Optional[str] = None, **kwargs: Any) -> None:
        database_url = url or (host if host and "://" in host else None) \
            or get_settings().database_url
        kwargs.pop("dialect", None)
        super().__init__(domain=domain, host=database_url, event_broker=event_broker, **kwargs)


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
