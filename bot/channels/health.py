"""Is this replica fit to work? Database, Redis, model and the pipeline's backlog.

The same checks gate the inbox workers (with REDIS_URL set and Redis unreachable, no
replica may take a turn: without the shared lock two replicas could answer one
conversation out of order) and feed the health route an operator or a load balancer reads.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Dict, Optional, Tuple

import aiohttp

from bot.config import get_settings
from bot.store import queue
from bot.store.db import session_scope

#: a positive answer is trusted this long (a check per message would cost a round trip)
CACHE_SECONDS = 1.0
_ok_until: Dict[str, float] = {}
#: set by `collectbot run` when turn worker processes run beside this one ("2 of 2 running")
turn_processes_status: Optional[Callable[[], str]] = None


def _cached_ok(key: str) -> bool:
    return _ok_until.get(key, 0.0) > time.monotonic()


def _remember_ok(key: str) -> None:
    _ok_until[key] = time.monotonic() + CACHE_SECONDS


def redis_problem_sync(url: Optional[str]) -> Optional[str]:
    """None when Redis at `url` answers PING (or no Redis is configured), else the reason."""
    if not url:
        return None
    if _cached_ok("redis:" + url):
        return None
    import redis

    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        client.ping()
    except Exception as exc:  # redis.ConnectionError, timeouts, auth errors
        return f"Redis unreachable ({type(exc).__name__}); REDIS_URL is set, so turns wait"
    finally:
        client.close()
    _remember_ok("redis:" + url)
    return None


async def redis_problem() -> Optional[str]:
    return await asyncio.to_thread(redis_problem_sync, get_settings().redis_url)


async def action_server_problem(webhook_url: Optional[str]) -> Optional[str]:
    """None when the action server behind `webhook_url` answers /health, else the reason.

    Rasa logs a failed custom action and carries on without its events, so a turn run
    while the action server is down would silently lose its answer: we check first."""
    if not webhook_url:
        return None
    health = webhook_url.rsplit("/", 1)[0] + "/health"
    if _cached_ok(health):
        return None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            async with http.get(health) as resp:
                if resp.status != 200:
                    return f"action server answered {resp.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return f"action server unreachable ({type(exc).__name__})"
    _remember_ok(health)
    return None


def report(agent: Any) -> Tuple[bool, Dict[str, Any]]:
    """The health report: (all fine, details). `agent` is Rasa's agent (None: not loaded)."""
    details: Dict[str, Any] = {}
    ok = True
    try:
        with session_scope() as s:
            details["backlog"] = queue.backlog(s)
        details["database"] = "ok"
    except Exception as exc:  # any database failure is reported, not raised
        details["database"] = f"unreachable ({type(exc).__name__})"
        ok = False
    redis_url = get_settings().redis_url
    problem = redis_problem_sync(redis_url)
    details["redis"] = problem or ("ok" if redis_url else "not configured (single replica)")
    ok = ok and problem is None
    model_ready = bool(agent is not None and agent.is_ready())
    details["model"] = "loaded" if model_ready else "not loaded"
    ok = ok and model_ready
    if turn_processes_status is not None:
        details["turn_processes"] = turn_processes_status()
        ok = ok and not details["turn_processes"].startswith("0 of")
    details["status"] = "ok" if ok else "degraded"
    return ok, details
