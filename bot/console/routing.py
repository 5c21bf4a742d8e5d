"""Routing handoffs to people: priority, the queue a handoff belongs to, its SLA, assignment.

A handoff's queue is (language, pack, skill): the debtor's language and rule pack, and the
skill its reason needs (distress -> hardship; dispute, attorney, bankruptcy, deceased,
complaint -> legal). It goes to a *free* matching agent (logged in, fewer open handoffs than
their capacity, the least loaded first) or waits in its queue, visible to every matching
agent, until one claims it. Supervisors see every queue and can reassign.

The SLA clock runs from the handoff's creation until an agent claims it; the allowance per
reason comes from COLLECTBOT_HANDOFF_SLA ("complaint=2h,distress=15m,default=1h") on top of
`DEFAULT_SLA`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.config import get_settings
from bot.console.agents import AgentView, view
from bot.store import evidence, outcomes, repo
from bot.store.models import Account, Agent, ConsoleSession, Handoff, HandoffRouting

#: Lower is more urgent: distress first, then legal matters, then requests.
PRIORITY_DISTRESS, PRIORITY_LEGAL, PRIORITY_REQUEST = 0, 1, 2
LEGAL_REASONS = frozenset({"dispute", "attorney", "bankruptcy"})
SKILL_FOR_REASON = {"distress": "hardship", "hardship": "hardship", "dispute": "legal",
                    "attorney": "legal", "bankruptcy": "legal", "deceased": "legal",
                    "complaint": "legal"}
DEFAULT_SLA: Dict[str, timedelta] = {
    "distress": timedelta(minutes=15), "dispute": timedelta(hours=4),
    "attorney": timedelta(hours=4), "bankruptcy": timedelta(hours=4),
    "complaint": timedelta(hours=2), "default": timedelta(hours=1),
}
OPEN = ("queued", "claimed")
_DURATION = re.compile(r"^(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def priority_of(reason: str) -> int:
    if reason == "distress":
        return PRIORITY_DISTRESS
    if reason in LEGAL_REASONS:
        return PRIORITY_LEGAL
    return PRIORITY_REQUEST


def parse_sla(text: str) -> Dict[str, timedelta]:
    """`DEFAULT_SLA` overridden by "reason=15m,reason=2h,default=1d"; ValueError names a bad entry."""
    table = dict(DEFAULT_SLA)
    for entry in filter(None, (e.strip() for e in text.split(","))):
        reason, sep, amount = entry.partition("=")
        match = _DURATION.match(amount.strip().lower())
        if not sep or not reason.strip() or match is None:
            raise ValueError(f"COLLECTBOT_HANDOFF_SLA entry {entry!r} is not reason=<n>m|h|d")
        table[reason.strip()] = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    return table


def sla_for(reason: str) -> timedelta:
    table = parse_sla(get_settings().handoff_sla)
    return table.get(reason, table["default"])


@dataclass(frozen=True)
class QueueItem:
    """One open handoff as a queue shows it."""

    handoff: Handoff
    routing: HandoffRouting
    account: Account

    @property
    def breached(self) -> bool:
        return self.handoff.status == "queued" and clock.now() > self.routing.due_at

    @property
    def minutes_left(self) -> int:
        return int((self.routing.due_at - clock.now()).total_seconds() // 60)


def ensure_routing(s: Session, handoff: Handoff, intents: Sequence[str] = ()) -> HandoffRouting:
    """The handoff's routing row, made on first sight (handoffs may come from any code path)."""
    routing = s.get(HandoffRouting, handoff.id)
    if routing is not None:
        return routing
    account = repo.get_account(s, handoff.account_id)
    routing = HandoffRouting(
        handoff_id=handoff.id, priority=priority_of(handoff.reason),
        language=(account.language if account else None) or "en",
        pack=(account.pack if account else None) or "us",
        skill=SKILL_FOR_REASON.get(handoff.reason),
        due_at=handoff.created_at + sla_for(handoff.reason), intents=list(intents))
    s.add(routing)
    s.flush()
    return routing


def matches(agent: AgentView, routing: HandoffRouting) -> bool:
    """Can `agent` work this queue? (language, pack, and the reason's skill)."""
    return (routing.language in agent.languages and routing.pack in agent.packs
            and (routing.skill is None or routing.skill in agent.skills))


def _load(s: Session) -> Dict[str, int]:
    rows = s.execute(select(Handoff.agent, func.count()).where(
        Handoff.status.in_(OPEN), Handoff.agent.is_not(None)).group_by(Handoff.agent))
    return {name: count for name, count in rows}


def online_agents(s: Session) -> List[AgentView]:
    """Agents (not supervisors) with a live console session."""
    now = clock.now()
    live = select(ConsoleSession.agent_id).where(ConsoleSession.expires_at > now)
    return [view(a) for a in s.execute(select(Agent).where(
        Agent.active.is_(True), Agent.role == "agent", Agent.id.in_(live)).order_by(Agent.id)).scalars()]


def _assign(s: Session, handoff: Handoff, routing: HandoffRouting, agent: str, by: str) -> None:
    at = clock.now()
    previous = handoff.agent
    handoff.agent, routing.assigned_at = agent, at
    s.flush()
    evidence.append(s, "console.assigned", handoff.account_id, {
        "handoff_id": handoff.id, "agent": agent, "previous": previous, "by": by}, at=at)


def release_offline(s: Session, online: Iterable[str]) -> int:
    """Queued (unclaimed) handoffs held by agents who are no longer logged in go back to
    their queue, so a handoff never waits on someone who left."""
    held = list(s.execute(select(Handoff).where(
        Handoff.status == "queued", Handoff.agent.is_not(None),
        Handoff.agent.not_in(list(online)))).scalars())
    for handoff in held:
        routing = ensure_routing(s, handoff)
        evidence.append(s, "console.assigned", handoff.account_id, {
            "handoff_id": handoff.id, "agent": None, "previous": handoff.agent, "by": "offline"})
        handoff.agent, routing.assigned_at = None, None
    s.flush()
    return len(held)


def assign_pending(s: Session) -> int:
    """Give unassigned queued handoffs (most urgent first) to free matching agents."""
    agents = online_agents(s)
    release_offline(s, [a.name for a in agents])
    pending = list(s.execute(select(Handoff).where(
        Handoff.status == "queued", Handoff.agent.is_(None)).order_by(Handoff.created_at, Handoff.id)
    ).scalars())
    if not pending:
        return 0
    routed = sorted(((ensure_routing(s, h), h) for h in pending),
                    key=lambda pair: (pair[0].priority, pair[1].created_at, pair[1].id))
    load = _load(s)
    assigned = 0
    for routing, handoff in routed:
        free = [a for a in agents if matches(a, routing) and load.get(a.name, 0) < a.capacity]
        if not free:
            continue
        chosen = min(free, key=lambda a: (load.get(a.name, 0), a.id))
        _assign(s, handoff, routing, chosen.name, by="routing")
        load[chosen.name] = load.get(chosen.name, 0) + 1
        assigned += 1
    return assigned


def queue_handoff(s: Session, *, account_id: str, reason: str, conversation_id: Optional[str],
                  intents: Iterable[str] = ()) -> Handoff:
    """Create a handoff (or add `reason` to the conversation's open one), route it and hand it
    to a free matching agent if there is one."""
    handoff, created = outcomes.request_handoff(s, account_id=account_id, reason=reason,
                                                conversation_id=conversation_id)
    routing = ensure_routing(s, handoff, list(intents))
    if created:
        assign_pending(s)
    else:
        escalate(routing, reason)
    return handoff


def escalate(routing: HandoffRouting, reason: str) -> None:
    """A further reason on an open handoff can only make it more urgent: a higher priority,
    an earlier SLA deadline, and its skill when the queue had none (a request that turns
    into distress moves up the queue instead of waiting behind requests)."""
    routing.priority = min(routing.priority, priority_of(reason))
    routing.due_at = min(routing.due_at, clock.now() + sla_for(reason))
    if routing.skill is None:
        routing.skill = SKILL_FOR_REASON.get(reason)


def reassign(s: Session, handoff: Handoff, agent_name: Optional[str], by: AgentView) -> None:
    """A supervisor moves an open handoff to `agent_name` (None: back to its queue)."""
    if not by.supervisor:
        raise PermissionError("only supervisors reassign")
    if handoff.status not in OPEN:
        raise ValueError("the handoff is already resolved")
    routing = ensure_routing(s, handoff)
    if agent_name is None:
        handoff.agent, routing.assigned_at, handoff.status = None, None, "queued"
        evidence.append(s, "console.assigned", handoff.account_id, {
            "handoff_id": handoff.id, "agent": None, "by": by.name})
        return
    target = s.execute(select(Agent).where(Agent.name == agent_name, Agent.active.is_(True))
                       ).scalars().first()
    if target is None:
        raise ValueError(f"no agent {agent_name!r}")
    if not matches(view(target), routing):
        raise ValueError(f"{agent_name} does not match this queue "
                         f"({routing.language}/{routing.pack}/{routing.skill or 'any'})")
    if agent_name not in {a.name for a in online_agents(s)}:
        raise ValueError(f"{agent_name} is not logged in")
    _assign(s, handoff, routing, agent_name, by=by.name)


def can_see(agent: AgentView, handoff: Handoff, routing: HandoffRouting) -> bool:
    """Supervisors see everything; an agent sees what is theirs or waits in their queues."""
    if agent.supervisor or handoff.agent == agent.name:
        return True
    return handoff.status == "queued" and handoff.agent is None and matches(agent, routing)


def visible_queue(s: Session, agent: AgentView) -> List[QueueItem]:
    """The open handoffs `agent` may see, most urgent first."""
    assign_pending(s)
    rows = s.execute(select(Handoff, Account).join(Account, Account.account_id == Handoff.account_id)
                     .where(Handoff.status.in_(OPEN)).order_by(Handoff.created_at, Handoff.id)).all()
    items = []
    for handoff, account in rows:
        routing = ensure_routing(s, handoff)
        if can_see(agent, handoff, routing):
            items.append(QueueItem(handoff, routing, account))
    items.sort(key=lambda i: (i.handoff.status != "claimed" or i.handoff.agent != agent.name,
                              i.routing.priority, i.handoff.created_at, i.handoff.id))
    return items


def queue_key(routing: HandoffRouting) -> Tuple[str, str, str]:
    return routing.language, routing.pack, routing.skill or "-"


def queue_counts(items: Sequence[QueueItem]) -> List[Tuple[str, int, int, int]]:
    """Per queue ("en/us/legal"): waiting, claimed, SLA breaches; for the supervisors' view."""
    counts: Dict[str, List[int]] = {}
    for item in items:
        row = counts.setdefault("/".join(queue_key(item.routing)), [0, 0, 0])
        row[0 if item.handoff.status == "queued" else 1] += 1
        row[2] += item.breached
    return [(key, *row) for key, row in sorted(counts.items())]
