"""Console users: who they are, what they can work on, and their argon2 password hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Optional, Sequence, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock
from bot.store import evidence
from bot.store.models import AGENT_ROLES, Agent

LANGUAGES = ("en", "zh")
PACKS = ("us", "cn")
SKILLS = ("hardship", "legal")
MIN_PASSWORD = 8
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)

_hasher = PasswordHasher()


class AgentError(ValueError):
    """Bad input for an agent (unknown role, duplicate name, short password ...)."""


@dataclass(frozen=True)
class AgentView:
    """An agent as the routing and the web layer see it (detached from the session)."""

    id: int
    name: str
    role: str
    languages: Tuple[str, ...]
    packs: Tuple[str, ...]
    skills: Tuple[str, ...]
    capacity: int

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


def view(agent: Agent) -> AgentView:
    return AgentView(agent.id, agent.name, agent.role, tuple(agent.languages), tuple(agent.packs),
                     tuple(agent.skills), agent.capacity)


def _choices(values: Sequence[str], allowed: Sequence[str], what: str) -> list:
    out = []
    for value in values:
        value = value.strip().lower()
        if not value:
            continue
        if value not in allowed:
            raise AgentError(f"{what} must be among {', '.join(allowed)}, not {value!r}")
        if value not in out:
            out.append(value)
    return out


def add_agent(s: Session, name: str, *, role: str, password: str,
              languages: Sequence[str] = ("en",), packs: Sequence[str] = PACKS,
              skills: Sequence[str] = (), capacity: int = 3) -> AgentView:
    """Create a console user; nothing is written when any field is invalid."""
    name = name.strip()
    if not name or len(name) > 64:
        raise AgentError("name must be 1 to 64 characters")
    if role not in AGENT_ROLES:
        raise AgentError(f"role must be one of {', '.join(AGENT_ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD:
        raise AgentError(f"password must be at least {MIN_PASSWORD} characters")
    if capacity < 1:
        raise AgentError("capacity must be at least 1")
    langs = _choices(languages, LANGUAGES, "--lang")
    if not langs:
        raise AgentError("an agent needs at least one language")
    pack_list = _choices(packs, PACKS, "--packs") or list(PACKS)
    skill_list = _choices(skills, SKILLS, "--skills")
    if s.execute(select(Agent.id).where(Agent.name == name)).first() is not None:
        raise AgentError(f"an agent named {name!r} already exists")
    at = clock.now()
    agent = Agent(name=name, role=role, languages=langs, packs=pack_list, skills=skill_list,
                  capacity=capacity, password_hash=_hasher.hash(password), active=True,
                  created_at=at)
    s.add(agent)
    s.flush()
    evidence.append(s, "console.agent_added", None, {
        "agent": name, "role": role, "languages": langs, "packs": pack_list,
        "skills": skill_list}, at=at)
    return view(agent)


def authenticate(s: Session, name: str, password: str) -> Optional[AgentView]:
    """The agent when `password` matches its hash, else None (same answer for unknown names).

    `MAX_FAILURES` wrong passwords in a row lock the name for `LOCKOUT` (an evidence
    record); during the lock even the right password is refused, so guessing gains nothing.
    """
    agent = s.execute(select(Agent).where(Agent.name == name.strip(),
                                          Agent.active.is_(True))).scalars().first()
    if agent is None:
        _hasher.hash(password)  # spend the same time as a real check: names are not probed
        return None
    now = clock.now()
    if agent.locked_until is not None and agent.locked_until > now:
        return None
    try:
        _hasher.verify(agent.password_hash, password)
    except (VerificationError, InvalidHashError):
        agent.failed_logins += 1
        if agent.failed_logins >= MAX_FAILURES:
            agent.failed_logins, agent.locked_until = 0, now + LOCKOUT
            evidence.append(s, "console.locked", None, {
                "agent": agent.name, "until": agent.locked_until}, at=now)
        return None
    agent.failed_logins, agent.locked_until = 0, None
    if _hasher.check_needs_rehash(agent.password_hash):
        agent.password_hash = _hasher.hash(password)
    return view(agent)


def get_agent(s: Session, name: str) -> Optional[AgentView]:
    agent = s.execute(select(Agent).where(Agent.name == name)).scalars().first()
    return view(agent) if agent is not None else None


def list_agents(s: Session) -> list:
    return [view(a) for a in s.execute(select(Agent).where(Agent.active.is_(True))
                                       .order_by(Agent.name)).scalars()]
