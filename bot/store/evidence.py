"""The evidence log: an append-only SHA-256 hash chain.

Each record's hash covers the canonical JSON of `{seq, kind, at, account_id, payload,
prev_hash}`, and `prev_hash` is the previous record's hash (64 zeros for the first), so
editing, deleting or reordering any record breaks the chain at that record and `verify`
names it.

Two writers must never both extend the same tail (a fork). The tail is read under a
database-wide write lock: `pg_advisory_xact_lock` on PostgreSQL, and on SQLite every
transaction is `BEGIN IMMEDIATE` (see `bot.store.db`). Unique constraints on `seq` and
`prev_hash` make a fork impossible even if that locking were ever bypassed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterator, Optional

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot import clock
from bot.store.canonical import canonical_json, iso_utc
from bot.store.models import EvidenceRecord

GENESIS = "0" * 64
# Key of the PostgreSQL advisory lock that serialises appends (any fixed 64-bit number).
PG_LOCK_KEY = 0x636F6C6C65637462  # "collectb"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: Optional[int]
    problem: str


def record_hash(seq: int, kind: str, at: datetime, account_id: Optional[str], payload: Any,
                prev_hash: str) -> str:
    """The SHA-256 hex digest a record with these fields must carry."""
    body = canonical_json({"seq": seq, "kind": kind, "at": iso_utc(at), "account_id": account_id,
                           "payload": payload, "prev_hash": prev_hash})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _lock_tail(s: Session) -> None:
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def append(s: Session, kind: str, account_id: Optional[str], payload: Dict[str, Any],
           at: Optional[datetime] = None) -> EvidenceRecord:
    """Append one record to the chain (in the caller's transaction) and return it."""
    at = at or clock.now()
    body = json.loads(canonical_json(payload))  # exactly what will be hashed and stored
    _lock_tail(s)
    s.flush()
    tail = s.execute(
        select(EvidenceRecord.seq, EvidenceRecord.hash).order_by(EvidenceRecord.seq.desc()).limit(1)
    ).first()
    seq, prev = (tail.seq + 1, tail.hash) if tail else (1, GENESIS)
    record = EvidenceRecord(seq=seq, kind=kind, at=at, account_id=account_id,
                            payload=canonical_json(body), prev_hash=prev,
                            hash=record_hash(seq, kind, at, account_id, body, prev))
    s.add(record)
    s.flush()
    return record


def _records(s: Session, batch: int = 1000) -> Iterator[Any]:
    """All records (as plain rows, not tracked by the session) in chain order, in pages."""
    t = EvidenceRecord.__table__
    last = None
    while True:
        query = select(t).order_by(t.c.seq).limit(batch)
        if last is not None:
            query = query.where(t.c.seq > last)
        rows = s.execute(query).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(s: Session) -> VerifyResult:
    """Walk the chain; the first record that does not fit is reported with why."""
    checked = 0
    prev_hash, prev_seq, prev_id = GENESIS, 0, 0
    for r in _records(s):
        name = f"record seq {r.seq} (id {r.id})"
        if r.seq != prev_seq + 1:
            missing = f"seq {prev_seq + 1}" if r.seq == prev_seq + 2 else \
                f"seq {prev_seq + 1}..{r.seq - 1}"
            return VerifyResult(False, checked, r.id,
                                f"{name}: the record before it ({missing}) was deleted")
        if r.id <= prev_id:
            return VerifyResult(False, checked, r.id,
                                f"{name}: out of order (id {r.id} after id {prev_id}): reordered")
        if r.prev_hash != prev_hash:
            return VerifyResult(False, checked, r.id,
                                f"{name}: prev_hash does not match the record before it "
                                f"(deleted, reordered or edited)")
        try:
            payload = json.loads(r.payload)
        except ValueError:
            return VerifyResult(False, checked, r.id, f"{name}: payload is not valid JSON (edited)")
        if record_hash(r.seq, r.kind, r.at, r.account_id, payload, r.prev_hash) != r.hash:
            return VerifyResult(False, checked, r.id,
                                f"{name}: content does not match its hash (edited)")
        checked += 1
        prev_hash, prev_seq, prev_id = r.hash, r.seq, r.id
    return VerifyResult(True, checked, None, "")
