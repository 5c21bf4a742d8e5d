"""What an agent does with a handoff: claim, read, reply, record an arrangement, resolve,
hand back. Every step is checked against the agent's rights and leaves an evidence record.

A reply takes the bot's road out: `outbox.screen` (the one gate) and then the SMS sender;
the contact window always applies to agents (see `_reply_kind`). A text the gate stops is never sent; the agent gets the rules that
stopped it. Arrangements go through the negotiation engine, so the creditor's policy limits
hold for people as they do for the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, true, update
from sqlalchemy.orm import Session

from bot import clock, negotiation
from bot.channels import outbox
from bot.console.agents import AgentView
from bot.console.routing import OPEN, can_see, ensure_routing
from bot.store import evidence, outcomes, repo
from bot.store.db import session_scope
from bot.store.models import Account, Arrangement, ContactAttempt, Handoff, HandoffRouting
from compliance_filters import ZoneError, check_window, load_pack, redact


class WorkError(Exception):
    """The agent may not do this (not theirs, already resolved, bad input): shown as is."""


@dataclass(frozen=True)
class Opened:
    """A handoff the agent may see, with the account behind it."""

    handoff: Handoff
    routing: HandoffRouting
    account: Account

    @property
    def phone(self) -> str:
        conversation = self.handoff.conversation_id or ""
        if conversation.startswith("+"):
            return conversation
        phones = self.account.phones
        return phones[0].e164 if phones else ""


@dataclass(frozen=True)
class ReplyResult:
    status: str  # sent | blocked | deferred | failed
    text: str
    reasons: Tuple[Tuple[str, str], ...] = ()
    next_allowed_at: Optional[datetime] = None
    detail: str = ""


@dataclass(frozen=True)
class ArrangementResult:
    accepted: bool
    reason: str
    arrangement_id: Optional[int] = None
    counter: Dict[str, Any] = field(default_factory=dict)


def open_handoff(s: Session, agent: AgentView, handoff_id: int) -> Opened:
    """The handoff if `agent` may see it; WorkError otherwise (same message for 'absent')."""
    handoff = s.get(Handoff, handoff_id)
    if handoff is None:
        raise WorkError("no such handoff in your queues")
    routing = ensure_routing(s, handoff)
    if not can_see(agent, handoff, routing):
        raise WorkError("no such handoff in your queues")
    account = repo.get_account(s, handoff.account_id)
    assert account is not None  # handoffs.account_id is a foreign key
    return Opened(handoff, routing, account)


def _owned(s: Session, agent: AgentView, handoff_id: int) -> Opened:
    """An open handoff the agent has claimed (supervisors may act on any claimed one)."""
    opened = open_handoff(s, agent, handoff_id)
    h = opened.handoff
    if h.status != "claimed":
        raise WorkError("claim this conversation first" if h.status == "queued"
                        else "this conversation is already closed")
    if h.agent != agent.name and not agent.supervisor:
        raise WorkError(f"this conversation belongs to {h.agent}")
    return opened


def _note(s: Session, action: str, opened: Opened, agent: AgentView, **payload: Any) -> None:
    evidence.append(s, f"console.{action}", opened.handoff.account_id,
                    {"handoff_id": opened.handoff.id, "agent": agent.name, **payload})


def claim(s: Session, agent: AgentView, handoff_id: int) -> Opened:
    """Take the conversation: from now on the bot stays silent on it."""
    opened = open_handoff(s, agent, handoff_id)
    h = opened.handoff
    if h.status not in OPEN:
        raise WorkError("this conversation is already closed")
    if h.status == "claimed" and h.agent != agent.name:
        raise WorkError(f"already claimed by {h.agent}")
    if h.status == "claimed":
        return opened
    at = clock.now()
    # One conditional UPDATE: of two agents claiming at once, exactly one wins.
    # One conditional UPDATE: of two people claiming at once, exactly one wins. An agent
    # claims what is unassigned or theirs; a supervisor may take anything still queued.
    mine = true() if agent.supervisor else or_(Handoff.agent.is_(None), Handoff.agent == agent.name)
    won = s.execute(update(Handoff).where(Handoff.id == h.id, Handoff.status == "queued", mine)
                    .values(status="claimed", agent=agent.name, claimed_at=at)
                    .execution_options(synchronize_session=False)).rowcount == 1
    s.refresh(h)
    if not won:
        raise WorkError(f"already taken by {h.agent}" if h.agent else "this conversation moved")
    opened.routing.assigned_at = opened.routing.assigned_at or h.claimed_at
    s.flush()
    _note(s, "claim", opened, agent, sla_breached=h.claimed_at > opened.routing.due_at)
    return opened


def close(s: Session, agent: AgentView, handoff_id: int, outcome: str, note: str = "") -> Opened:
    """Resolve (`resolved`) or give the conversation back to the bot (`handed_back`)."""
    if outcome not in ("resolved", "handed_back"):
        raise WorkError("outcome must be resolved or handed_back")
    opened = _owned(s, agent, handoff_id)
    opened.handoff.status, opened.handoff.resolved_at = "resolved", clock.now()
    opened.routing.outcome = outcome
    s.flush()
    _note(s, "resolve" if outcome == "resolved" else "hand_back", opened, agent,
          note=redact(note))
    return opened


def view_transcript(s: Session, agent: AgentView, opened: Opened) -> List[ContactAttempt]:
    """The account's messages, oldest first (reading one is itself an evidence record)."""
    rows = list(s.execute(select(ContactAttempt).where(
        ContactAttempt.account_id == opened.account.account_id)
        .order_by(ContactAttempt.at.desc(), ContactAttempt.id.desc()).limit(200)).scalars())
    _note(s, "view", opened, agent)
    return rows[::-1]


def summary(s: Session, opened: Opened) -> Dict[str, Any]:
    """What the agent needs at a glance: verification, intents, arrangement, flags, balance."""
    account, phone = opened.account, opened.phone
    debt = repo.primary_debt(s, account)
    latest = s.execute(select(Arrangement).where(Arrangement.account_id == account.account_id)
                       .order_by(Arrangement.created_at.desc(), Arrangement.id.desc()).limit(1)
                       ).scalars().first()
    flags = sorted(account.statuses)
    if phone and repo.is_opted_out(s, phone, "sms"):
        flags.append("opted_out")
    flags += [f"work_phone {p.e164}" for p in account.phones if p.work]
    if account.employer_prohibits:
        flags.append("no_contact_at_work")
    return {
        "verified": bool(phone) and repo.is_verified(s, account.account_id, phone),
        "intents": list(opened.routing.intents or []),
        "arrangement": (f"{latest.kind} {latest.total} {latest.currency} ({latest.status})"
                        if latest is not None else ""),
        "flags": flags,
        "balance": f"{debt.balance} {debt.currency}" if debt is not None else "",
        "language": account.language, "pack": account.pack,
    }


def _reply_kind(s: Session, account: Account, phone: str, at: datetime) -> str:
    """How the gate must see an agent's text: a `reply` (no caps) only while the debtor is in
    a conversation (wrote in the last 24 h) AND inside the contact window; otherwise a new
    contact attempt (`outbound`: window and caps). Unlike the bot's instant answers, a
    person's reply can wait for the morning, so the window always applies to agents."""
    last = s.execute(select(ContactAttempt.at).where(
        ContactAttempt.account_id == account.account_id, ContactAttempt.direction == "inbound",
        ContactAttempt.from_number == phone).order_by(ContactAttempt.at.desc()).limit(1)).scalar()
    if last is None or at - last > outbox.CONVERSATION_WINDOW:
        return "outbound"
    pack = load_pack(account.pack or outbox.pack_for_phone(phone))
    recipient = repo.recipient_for(s, account, phone)
    try:
        inside = check_window(pack, recipient.phones, recipient.address_zones, at,
                              recipient.inconvenient).allowed
    except ZoneError:  # no zone known: let the gate decide (it blocks outbound attempts)
        inside = False
    return "reply" if inside else "outbound"


async def reply(agent: AgentView, handoff_id: int, text: str) -> ReplyResult:
    """Screen the agent's text like the bot's and queue it only if the gate allows it.

    The text takes the one send path (`outbox.send`): the same decision record, the same
    per-conversation outbox order as the bot's replies, sent by the channel's outbox sender.
    No fallback replaces a blocked agent text: the agent sees the rule and rewrites it."""
    text = text.strip()
    if not text:
        raise WorkError("the reply is empty")
    at = clock.now()
    with session_scope() as s:
        opened = _owned(s, agent, handoff_id)
        phone = opened.phone
        if not phone:
            raise WorkError("the account has no phone number")
        kind = _reply_kind(s, opened.account, phone, at)
        screened = outbox.send(s, outbox.turn_for(s, phone), text, channel="sms", kind=kind,
                               sender="agent", fallback=False, at=at)
        reasons = tuple((r.rule, r.match) for r in screened.decision.reasons)
        _note(s, "reply", opened, agent, kind=kind, status=screened.decision.status,
              reasons=[f"{r}: {m}" if m else r for r, m in reasons],
              text=redact(screened.text))
    if not screened.send:
        return ReplyResult(screened.decision.status, screened.text, reasons,
                           screened.decision.next_allowed_at)
    return ReplyResult("sent", screened.text)


def _money(value: str, what: str) -> Decimal:
    try:
        amount = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise WorkError(f"{what} must be a number like 120.50") from None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise WorkError(f"{what} must be positive with at most two decimals")
    return amount


def record_arrangement(s: Session, agent: AgentView, handoff_id: int, form: Dict[str, str]) -> ArrangementResult:
    """Evaluate the agent's proposal with the creditor's policy; store it only if accepted.

    `form`: kind = plan (months and/or monthly amount), settlement (amount) or promise
    (amount, on = ISO date). A refused proposal returns the engine's reason and counter-offer.
    """
    opened = _owned(s, agent, handoff_id)
    account = opened.account
    if "dispute" in account.statuses:  # FDCPA 809(b): no collection until verification is sent
        raise WorkError("the debt is disputed: record the verification sent to the debtor first")
    debt = repo.primary_debt(s, account)
    if debt is None or debt.balance <= 0:
        raise WorkError("the account has no open balance")
    policy = negotiation.load_policy(account.creditor)
    terms = negotiation.DebtTerms.from_record(debt)
    today = clock.now().astimezone(ZoneInfo(account.timezone or "UTC")).date()
    kind = form.get("kind", "")
    try:
        if kind == "plan":
            months = int(form["months"]) if form.get("months") else None
            amount = _money(form["amount"], "monthly amount") if form.get("amount") else None
            if months is None and amount is None:
                raise WorkError("a plan needs months or a monthly amount")
            result = negotiation.evaluate_installment(policy, terms, monthly_amount=amount,
                                                      months=months, start=today)
        elif kind == "settlement":
            result = negotiation.evaluate_settlement(policy, terms, today=today,
                                                     amount=_money(form.get("amount", ""), "amount"))
        elif kind == "promise":
            try:
                on = date.fromisoformat(form.get("on", "").strip())
            except ValueError:
                raise WorkError("a promise needs a date as YYYY-MM-DD") from None
            result = negotiation.evaluate_promise(policy, terms, today=today, on=on,
                                                  amount=_money(form.get("amount", ""), "amount"))
        else:
            raise WorkError("kind must be plan, settlement or promise")
    except ValueError as exc:  # bad months / date, or the engine refusing the input
        raise WorkError(str(exc)) from None
    if not result.accepted or result.offer is None:
        _note(s, "arrangement_refused", opened, agent, kind=kind, code=result.code,
              reason=result.reason)
        return ArrangementResult(False, result.reason,
                                 counter=result.offer.as_dict() if result.offer else {})
    offer = result.offer
    # as the assistant does: new terms replace the debtor's open arrangement (kept as
    # cancelled, with evidence), the same terms again are the same arrangement
    row, _ = outcomes.agree_arrangement(s, account_id=account.account_id, debt_id=debt.id,
                                        kind=offer.kind, total=offer.total, currency=offer.currency,
                                        installments=list(offer.installments))
    _note(s, "arrangement", opened, agent, arrangement_id=row.id, kind=offer.kind,
          total=offer.total)
    return ArrangementResult(True, result.reason, row.id)


def record_verification(s: Session, agent: AgentView, handoff_id: int, form: Dict[str, str]) -> int:
    """The agent sent the debtor verification of the disputed debt (FDCPA 809(b), Reg F
    1006.38(d)(2)): `form` method = mail, email or portal, note = what was sent. Lifts the
    dispute so the gate lets collection resume; the evidence record names the agent."""
    opened = _owned(s, agent, handoff_id)
    note = form.get("note", "").strip()
    if not note:
        raise WorkError("say what was sent (the note)")
    try:
        lifted = repo.record_debt_verification(s, opened.account.account_id, method=form.get("method", ""),
                                               source=f"agent:{agent.name}", note=note)
    except ValueError as exc:
        raise WorkError(str(exc)) from None
    _note(s, "debt_verification", opened, agent, method=form.get("method", ""), note=redact(note))
    return lifted


def set_workplace(s: Session, agent: AgentView, handoff_id: int, form: Dict[str, str]) -> Opened:
    """What the debtor told the agent about contact at work: `form` work_phone = one of the
    account's numbers that rings at their workplace (empty: none new), employer_prohibits =
    "yes" / "no" (contact there is prohibited, Reg F 1006.6(b)(3)). The gate then refuses
    texts and calls to that number."""
    opened = _owned(s, agent, handoff_id)
    prohibits = form.get("employer_prohibits", "").strip()
    if prohibits not in ("", "yes", "no"):
        raise WorkError("employer_prohibits must be yes or no")
    try:
        repo.set_workplace(s, opened.account.account_id, source="agent",
                           work_phone=form.get("work_phone", "").strip() or None,
                           employer_prohibits=None if not prohibits else prohibits == "yes")
    except ValueError as exc:
        raise WorkError(str(exc)) from None
    _note(s, "workplace", opened, agent, work_phone=form.get("work_phone", "").strip(),
          employer_prohibits=prohibits)
    return opened
