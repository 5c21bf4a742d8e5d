"""Audit exports: contacts, arrangements, handoffs, opt-outs and payments as JSON lines or CSV.

Fields are exactly those of interfaces.md ("Export fields"); instants are ISO 8601 UTC
(`+00:00`), money is a decimal string, and lists (reasons, installments) are JSON in both
formats. Rows are streamed from the database in id order, so an export of any size runs in
flat memory.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.export_fields import FIELDS, FORMATS, KINDS  # noqa: F401  (re-exported)
from bot.store.models import (
    Arrangement,
    CampaignSend,
    ContactAttempt,
    EvidenceRecord,
    Handoff,
    HandoffRouting,
    Installment,
    OptOut,
    Payment,
    Verification,
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _contacts(s: Session) -> Iterator[Dict[str, Any]]:
    for c in s.execute(select(ContactAttempt).order_by(ContactAttempt.id)
                       .execution_options(yield_per=500)).scalars():
        yield {"id": c.id, "account_id": c.account_id, "channel": c.channel,
               "direction": c.direction, "at": _iso(c.at), "to": c.to_number,
               "from": c.from_number, "status": c.status, "reasons": list(c.reasons or []),
               "text": c.text, "provider_sid": c.provider_sid, "outcome": c.call_outcome}


def _arrangements(s: Session) -> Iterator[Dict[str, Any]]:
    for a in s.execute(select(Arrangement).order_by(Arrangement.id)).scalars():
        installments = s.execute(select(Installment).where(Installment.arrangement_id == a.id)
                                 .order_by(Installment.seq)).scalars()
        yield {"id": a.id, "account_id": a.account_id, "kind": a.kind, "total": str(a.total),
               "currency": a.currency,
               "installments": [{"due_date": i.due_date.isoformat(), "amount": str(i.amount)}
                                for i in installments],
               "status": a.status, "created_at": _iso(a.created_at)}


def _handoffs(s: Session) -> Iterator[Dict[str, Any]]:
    for h in s.execute(select(Handoff).order_by(Handoff.id)).scalars():
        yield {"id": h.id, "account_id": h.account_id, "reason": h.reason,
               "created_at": _iso(h.created_at), "status": h.status, "agent": h.agent}


def _optouts(s: Session) -> Iterator[Dict[str, Any]]:
    """Opt-outs in force (a lifted opt-out is history, kept in the evidence log)."""
    for o in s.execute(select(OptOut).where(OptOut.active.is_(True)).order_by(OptOut.id)).scalars():
        yield {"account_id": o.account_id, "phone": o.phone, "channel": o.channel,
               "at": _iso(o.at), "source": o.source}


def _payments(s: Session) -> Iterator[Dict[str, Any]]:
    for p in s.execute(select(Payment).order_by(Payment.id).execution_options(yield_per=500)).scalars():
        yield {"id": p.id, "account_id": p.account_id, "amount": str(p.amount),
               "currency": p.currency, "paid_at": _iso(p.paid_at), "reference": p.reference,
               "arrangement_id": p.arrangement_id}


def _verifications(s: Session) -> Iterator[Dict[str, Any]]:
    for v in s.execute(select(Verification).order_by(Verification.id)
                       .execution_options(yield_per=500)).scalars():
        yield {"id": v.id, "account_id": v.account_id, "phone": v.phone, "at": _iso(v.at)}


def _handoff_times(s: Session) -> Iterator[Dict[str, Any]]:
    """Each handoff with its SLA due time and its first agent reply that the gate allowed
    (read from the `console.reply` evidence records, in Python: an audit's own path)."""
    first: Dict[int, datetime] = {}
    for r in s.execute(select(EvidenceRecord).where(EvidenceRecord.kind == "console.reply")
                       .order_by(EvidenceRecord.seq)).scalars():
        body = json.loads(r.payload)
        if body.get("status") == "allowed" and "handoff_id" in body:
            hid = int(body["handoff_id"])
            first[hid] = min(first.get(hid, r.at), r.at)
    for h, due in s.execute(select(Handoff, HandoffRouting.due_at)
                            .outerjoin(HandoffRouting, HandoffRouting.handoff_id == Handoff.id)
                            .order_by(Handoff.id)):
        yield {"id": h.id, "account_id": h.account_id, "reason": h.reason,
               "created_at": _iso(h.created_at), "due_at": _iso(due),
               "first_reply_at": _iso(first.get(h.id))}


def _campaign_sends(s: Session) -> Iterator[Dict[str, Any]]:
    for c in s.execute(select(CampaignSend).order_by(CampaignSend.id)
                       .execution_options(yield_per=500)).scalars():
        yield {"id": c.id, "account_id": c.account_id, "campaign": c.campaign,
               "step_key": c.step_key, "local_day": c.local_day.isoformat(),
               "channel": c.channel, "status": c.status, "reasons": list(c.reasons or []),
               "created_at": _iso(c.created_at)}


ROWS: Dict[str, Callable[[Session], Iterator[Dict[str, Any]]]] = {
    "contacts": _contacts, "arrangements": _arrangements, "handoffs": _handoffs,
    "optouts": _optouts, "payments": _payments,
    "verifications": _verifications, "handoff_times": _handoff_times,
    "campaign_sends": _campaign_sends,
}


def rows(s: Session, kind: str) -> Iterator[Dict[str, Any]]:
    if kind not in ROWS:
        raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    return ROWS[kind](s)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def write(s: Session, kind: str, fmt: str, out: TextIO) -> int:
    """Write the `kind` export in `fmt` to `out`; returns the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    count = 0
    writer = None
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS[kind])
    for row in rows(s, kind):
        if writer is not None:
            writer.writerow([_cell(row[f]) for f in FIELDS[kind]])
        else:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count
