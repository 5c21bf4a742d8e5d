"""The dispatcher: plan what is due, then send each planned message exactly once.

Exactly once rests on the ledger (`campaign_sends`), unique on (account, step, local day):

1. planning inserts one `pending` row per due message (`INSERT ... ON CONFLICT DO NOTHING`:
   a rerun, or a second dispatcher, plans nothing twice);
2. a row is claimed in its own committed transaction (`sending`, who, when) BEFORE the
   send; on PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`, so workers never share a row,
   and on SQLite every transaction holds the write lock from its start;
3. the send goes through the one gated entry point (`start_sms` / `start_call`), and the
   row becomes sent, deferred (retried at the gate's `next_allowed_at` until the step's
   retry days run out, then `expired`), blocked (with the gate's reasons) or failed.

A row still `sending` whose worker is gone (killed mid-send) is never resent blindly: if the
contact log shows the attempt happened it becomes `sent`, otherwise `unknown`, which every
summary reports for a person to look at.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot import clock
from bot.campaigns.definitions import Campaign, load_campaigns, render
from bot.campaigns.planner import HANDOFF_REASON, Planned, plan
from bot.campaigns.ratelimit import RateLimiter
from bot.config import get_settings
from bot.console.routing import queue_handoff
from bot.store import evidence, repo, tiers
from bot.store.db import session_scope
from bot.store.models import CampaignSend, ContactAttempt
from bot.store.payments import reconcile

STALE_AFTER = timedelta(minutes=15)
RETRYABLE = ("pending", "deferred")
INSERT_BATCH = 1000


@dataclass(frozen=True)
class Claim:
    """A claimed ledger row: what to send, to whom."""

    id: int
    account_id: str
    step_key: str
    channel: str
    text: str


# A sender: (claim, at) -> an OutboundResult-like object (status, reasons, next_allowed_at).
Sender = Callable[[Claim, datetime], Awaitable[object]]


async def default_sender(claim: Claim, at: datetime):
    """The one gated way out: start_call for voice steps, start_sms for SMS steps."""
    from bot.channels.outbound import start_call, start_sms

    if claim.channel == "voice":
        return await start_call(claim.account_id, at=at)
    return await start_sms(claim.account_id, at=at, text=claim.text or None)


@dataclass
class Summary:
    planned: int = 0
    outcomes: Counter = field(default_factory=Counter)
    blocked_reasons: Counter = field(default_factory=Counter)
    unknown: List[str] = field(default_factory=list)
    plan: List[Planned] = field(default_factory=list)
    #: dry runs: the gate's verdict on each planned item, in `plan` order
    verdicts: List[str] = field(default_factory=list)

    def add(self, status: str, reasons: Iterable[str] = ()) -> None:
        self.outcomes[status] += 1
        if status == "blocked":
            for r in reasons or ("unspecified",):
                self.blocked_reasons[r.split(":")[0]] += 1


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _alive(claimed_by: Optional[str]) -> bool:
    """Is the worker that claimed a row still running? (only knowable on this host)"""
    host, _, pid = (claimed_by or "").rpartition(":")
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return True  # another host's worker: only STALE_AFTER decides
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _insert(s: Session):
    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


def write_plan(s: Session, items: Iterable[Planned], now: datetime) -> int:
    """Insert the planned rows the ledger does not hold yet; returns how many were new."""
    table = CampaignSend.__table__
    new = 0
    batch: List[Dict[str, object]] = []

    def flush() -> int:
        if not batch:
            return 0
        stmt = _insert(s)(table).on_conflict_do_nothing(
            index_elements=["account_id", "step_key", "local_day"])
        result = s.execute(stmt, batch)
        count = result.rowcount if result.rowcount and result.rowcount > 0 else 0
        batch.clear()
        return count

    for p in items:
        batch.append({"account_id": p.account_id, "campaign": p.campaign, "step_key": p.step_key,
                      "local_day": p.local_day, "channel": p.channel, "status": "pending",
                      "reasons": [], "next_attempt_at": now, "expires_at": p.expires_at,
                      "attempts": 0, "created_at": now, "updated_at": now})
        if len(batch) >= INSERT_BATCH:
            new += flush()
    return new + flush()


def recover(s: Session, now: datetime) -> List[CampaignSend]:
    """Rows left `sending` by a worker that is gone: `sent` when the contact log shows the
    attempt, else `unknown` (reported, never resent). Returns the rows now unknown."""
    unknown = []
    rows = s.execute(select(CampaignSend).where(CampaignSend.status == "sending")
                     .order_by(CampaignSend.id)).scalars()
    for row in list(rows):
        if _alive(row.claimed_by) and row.claimed_at and row.claimed_at > now - STALE_AFTER:
            continue
        attempted = s.execute(select(ContactAttempt.id).where(
            ContactAttempt.account_id == row.account_id, ContactAttempt.direction == "outbound",
            ContactAttempt.channel == row.channel, ContactAttempt.at >= row.claimed_at,
            ContactAttempt.status.notin_(("blocked", "deferred"))).limit(1)).first()
        row.status = "sent" if attempted else "unknown"
        row.reasons = list(row.reasons or []) + [
            "recovered: the contact log shows the attempt" if attempted else
            f"unknown: {row.claimed_by} stopped while sending; not resent"]
        row.updated_at = now
        evidence.append(s, "campaign.recovered", row.account_id, {
            "send_id": row.id, "step_key": row.step_key, "local_day": row.local_day,
            "status": row.status, "claimed_by": row.claimed_by}, at=now)
        if not attempted:
            unknown.append(row)
    s.flush()
    return unknown


def expire(s: Session, now: datetime) -> int:
    """Deferred or pending rows whose retry days ran out: `expired`."""
    result = s.execute(update(CampaignSend).where(
        CampaignSend.status.in_(RETRYABLE), CampaignSend.expires_at <= now)
        .values(status="expired", updated_at=now).execution_options(synchronize_session=False))
    return result.rowcount or 0


def _due(now: datetime):
    return (CampaignSend.status.in_(RETRYABLE), CampaignSend.next_attempt_at <= now,
            CampaignSend.expires_at > now)


def count_due(s: Session, now: datetime) -> int:
    return s.execute(select(func.count()).select_from(CampaignSend).where(*_due(now))).scalar_one()


def claim(s: Session, now: datetime, who: str) -> Optional[CampaignSend]:
    """Take the next due row for this worker (committed by the caller before sending)."""
    query = select(CampaignSend).where(*_due(now)).order_by(
        CampaignSend.next_attempt_at, CampaignSend.id).limit(1)
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = s.execute(query).scalars().first()
    if row is None:
        return None
    row.status, row.claimed_by, row.claimed_at = "sending", who, now
    row.attempts += 1
    row.updated_at = now
    s.flush()
    return row


def finish(s: Session, send_id: int, result: object, now: datetime) -> str:
    """Record what the gate and the sender made of a claimed row; returns the new status."""
    row = s.get(CampaignSend, send_id)
    status = getattr(result, "status", "failed")
    reasons = list(getattr(result, "reasons", ()) or ())
    detail = getattr(result, "detail", "")
    if status == "deferred":
        until = getattr(result, "next_allowed_at", None)
        if until is None or until >= row.expires_at:
            status = "expired"
            reasons.append("deferred past the step's retry days")
        else:
            row.next_attempt_at = until
    if status not in ("sent", "deferred", "blocked", "failed", "expired"):
        status = "failed"
    if detail:
        reasons.append(detail)
    row.status, row.reasons, row.updated_at = status, reasons, now
    s.flush()
    return status


def _text_for(row: CampaignSend, campaigns: Sequence[Campaign], language: str, name: str) -> str:
    step_id = row.step_key.split("/")[1] if "/" in row.step_key else ""
    settings = get_settings()
    for c in campaigns:
        if c.name == row.campaign:
            for st in c.steps:
                if st.id == step_id:
                    return render(st, language, {"name": name, "company": settings.company_for(language),
                                                 "callback": settings.callback_number})
    return ""


def verdict(item: Planned, now: datetime) -> str:
    """The gate's answer for one planned item, as a dry run prints it (nothing recorded)."""
    from bot.channels.outbound import preview

    if item.channel == "handoff":
        return "handoff (no gate: nothing is sent)"
    settings = get_settings()
    text = render(item.step, item.language, {"name": item.name,
                                             "company": settings.company_for(item.language),
                                             "callback": settings.callback_number}) \
        if item.step is not None and item.channel == "sms" else None
    result = preview(item.account_id, "voice" if item.channel == "voice" else "sms", at=now,
                     text=text or None)
    if result.status == "allowed":
        return "allowed"
    reasons = ", ".join(result.reasons)
    if result.status == "deferred" and result.next_allowed_at is not None:
        return f"deferred until {result.next_allowed_at.isoformat()}" + \
            (f" ({reasons})" if reasons else "")
    return f"{result.status}" + (f": {reasons}" if reasons else "")


async def run_once(*, now: Optional[datetime] = None, dry_run: bool = False,
                   limit: Optional[int] = None, sender: Optional[Sender] = None,
                   campaigns: Optional[Sequence[Campaign]] = None,
                   limiter: Optional[RateLimiter] = None, who: Optional[str] = None,
                   progress: Optional[Callable[[int], Callable[[], None]]] = None) -> Summary:
    """One dispatcher pass: reconcile, recover, expire, plan, then claim and send."""
    settings = get_settings()
    campaigns = list(campaigns) if campaigns is not None else load_campaigns()
    sender = sender or default_sender
    who = who or worker_id()
    limiter = limiter or RateLimiter(settings.sends_per_second)
    summary = Summary()
    fixed = now
    now = now or clock.now()
    if dry_run:
        with session_scope() as s:
            summary.plan = list(plan(s, campaigns, now, settings.promise_grace_days))
            summary.planned = len(summary.plan)
            s.rollback()
        summary.verdicts = [verdict(p, now) for p in summary.plan]
        return summary
    with session_scope() as s:
        reconcile(s, now)
        summary.unknown = [f"{r.account_id} {r.step_key} {r.local_day}" for r in recover(s, now)]
        expired = expire(s, now)
        if expired:
            summary.outcomes["expired"] += expired
    with session_scope() as s:
        summary.planned = write_plan(s, plan(s, campaigns, now, settings.promise_grace_days), now)
    with session_scope() as s:
        total = count_due(s, now)
    if limit is not None:
        total = min(total, limit)
    advance = progress(total) if progress else (lambda: None)
    done = 0
    while limit is None or done < limit:
        at = fixed or clock.now()
        with session_scope() as s:
            row = claim(s, at, who)
            if row is None:
                break
            if row.channel == "handoff":
                # nothing leaves the building: the handoff and the ledger commit together
                queue_handoff(s, account_id=row.account_id, reason=HANDOFF_REASON,
                              conversation_id=None)
                row.status, row.updated_at = "handoff", at
                item = None
            else:
                account = repo.get_account(s, row.account_id)
                item = Claim(row.id, row.account_id, row.step_key, row.channel,
                             _text_for(row, campaigns, account.language if account else "en",
                                       account.name if account else ""))
        if item is None:
            summary.add("handoff")
        else:
            await limiter.wait(settings.twilio_number)
            try:
                result = await sender(item, at)
            except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row
                result = _Failed(f"{type(exc).__name__}: {exc}")
            with session_scope() as s:
                status = finish(s, item.id, result, fixed or clock.now())
                reasons = list(getattr(result, "reasons", ()) or ())
            summary.add(status, reasons)
        done += 1
        advance()
    return summary


@dataclass(frozen=True)
class _Failed:
    detail: str
    status: str = "failed"
    reasons: tuple = ()


async def worker(*, stop: asyncio.Event, tick_seconds: Optional[float] = None,
                 sender: Optional[Sender] = None,
                 on_summary: Optional[Callable[[Summary], None]] = None) -> int:
    """Run `run_once` every tick until `stop` is set; returns how many passes ran.
    Risk tiers are re-scored first whenever the last full re-score is a week old."""
    tick = tick_seconds if tick_seconds is not None else get_settings().worker_tick_seconds
    limiter = RateLimiter(get_settings().sends_per_second)
    passes = 0
    while not stop.is_set():
        with session_scope() as s:
            tiers.recompute_if_due(s, clock.now())
        summary = await run_once(sender=sender, limiter=limiter)
        passes += 1
        if on_summary:
            on_summary(summary)
        try:
            await asyncio.wait_for(stop.wait(), timeout=tick)
        except asyncio.TimeoutError:
            pass
    return passes
