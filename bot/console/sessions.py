"""Console logins: random cookie tokens (only their SHA-256 stored), idle expiry, CSRF tokens.

A session lives `COLLECTBOT_CONSOLE_SESSION_MINUTES` (default 30) after its last use; an
expired one is deleted when it is next presented. Each session has its own CSRF token that
every form posts back; `csrf_ok` compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Optional, Tuple

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot import clock
from bot.config import get_settings
from bot.console.agents import AgentView, view
from bot.store import evidence
from bot.store.models import Agent, ConsoleSession

COOKIE = "collectbot_console"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(minutes=get_settings().console_session_minutes)


def start(s: Session, agent: AgentView) -> str:
    """A new session for `agent`; returns the cookie token (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    s.add(ConsoleSession(token_hash=_digest(token), agent_id=agent.id,
                         csrf=secrets.token_urlsafe(24), created_at=now, last_seen=now,
                         expires_at=now + _lifetime()))
    s.flush()
    evidence.append(s, "console.login", None, {"agent": agent.name}, at=now)
    return token


def resume(s: Session, token: Optional[str], *, touch: bool = True) -> Optional[Tuple[AgentView, str]]:
    """(agent, csrf token) for a live session; None when absent or expired.

    `touch` extends the session: what a person does, not the page's own polling (an open
    tab would otherwise keep a session alive for ever)."""
    if not token:
        return None
    row = s.get(ConsoleSession, _digest(token))
    if row is None:
        return None
    now = clock.now()
    if row.expires_at <= now:
        s.delete(row)
        return None
    agent = s.get(Agent, row.agent_id)
    if agent is None or not agent.active:
        return None
    if touch:
        row.last_seen, row.expires_at = now, now + _lifetime()
    return view(agent), row.csrf


def end(s: Session, token: Optional[str], agent: AgentView) -> None:
    if token:
        s.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))
        evidence.append(s, "console.logout", None, {"agent": agent.name})


def csrf_ok(expected: Optional[str], given: Optional[str]) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
