"""The conversation lock store: Redis when REDIS_URL is set, else in process memory.

Several replicas must share locks (Redis); a single process does not need a server.
endpoints.yml names this class so the choice follows the environment, not the file.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.config import get_settings


def lock_store_for(redis_url: Optional[str]) -> LockStore:
    """A `RedisLockStore` for `redis_url`, or an `InMemoryLockStore` when it is empty."""
    if not redis_url:
        return InMemoryLockStore()
    parts = urlsplit(redis_url)
    db = int(parts.path.lstrip("/") or 1)
    return RedisLockStore(
        host=parts.hostname or "localhost", port=parts.port or 6379, db=db,
        username=parts.username or None, password=parts.password or None,
        use_ssl=parts.scheme == "rediss", key_prefix="collectbot",
    )


class SettingsLockStore:
    """Factory Rasa instantiates from endpoints.yml: returns the store REDIS_URL calls for."""

    def __new__(cls, endpoint_config: Any = None, **_: Any) -> LockStore:  # type: ignore[misc]
        url = getattr(endpoint_config, "url", None) or get_settings().redis_url
        return lock_store_for(url)
