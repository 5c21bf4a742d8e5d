"""Rasa's SQL tracker store on DATABASE_URL.

Rasa's `SQLTrackerStore` wants dialect/host/db pieces and Rasa's `${VAR}` substitution
fails when a variable is unset, but our default database URL is computed (SQLite under
var/). This subclass takes the whole URL from `bot.config` so one setting drives both.
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.tracker_store import SQLTrackerStore

from bot.config import get_settings


class UrlSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` built from a full SQLAlchemy URL (default: settings.database_url)."""

    def __init__(self, domain: Any = None, host: Optional[str] = None,
                 event_broker: Any = None, url: Optional[str] = None, **kwargs: Any) -> None:
        database_url = url or (host if host and "://" in host else None) \
            or get_settings().database_url
        kwargs.pop("dialect", None)
        super().__init__(domain=domain, host=database_url, event_broker=event_broker, **kwargs)
