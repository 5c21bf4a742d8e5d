"""The evidence log: an append-only SHA-256 hash chain.

Each record's hash covers the canonical JSON of `{seq, kind, at, account_id, payload,
prev_hash}`, and `prev_hash` is the previous record's hash (64 zeros for the first), so
editing, deleting or reordering any record breaks the chain at that record and `verify`
names it.

Two writers must never both extend the same tail (a fork). The tail is read under a
database-wide write lock: `pg_advisory_xact_lock` on PostgreSQL, and on SQLite every
transaction is `BEGIN IMMEDIATE` (see `bot.store.db`). Unique constraints on `seq` and
`prev_hash` make a fork impossible even if that locking were ever bypassed.

Appends are written when the transaction commits, all of them together, and the
database-wide lock is held only for the end of the transaction, not from its first append
on, so turn processes do not queue behind each other's whole turns. On PostgreSQL that is
one statement per transaction: `collectbot_evidence_append` (migration 0008) takes the
lock, reads the tail and inserts the records with their hashes inside the server, from
each record's canonical JSON up to its `prev_hash` value (`hash_prefix`). On SQLite it is
one tail read and one multi-row INSERT under the transaction's write lock. A query that reads the evidence table in the same
transaction writes the pending records first, so it sees them; a rolled-back transaction
writes none.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional, Tuple

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

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


#: what follows the `prev_hash` value in a record's canonical JSON ("seq" sorts last)
_SEQ_KEY = '","seq":'


def hash_prefix(kind: str, at: datetime, account_id: Optional[str], payload: Any) -> str:
    """A record's canonical JSON up to its `prev_hash` value: the hashed text is this, the
    previous record's hash, `","seq":`, the seq and `}` (what the PostgreSQL function
    completes, once it knows the tail)."""
    body = canonical_json({"seq": 0, "kind": kind, "at": iso_utc(at), "account_id": account_id,
                           "payload": payload, "prev_hash": ""})
    tail = _SEQ_KEY + "0}"
    assert body.endswith(tail), body  # sorted keys: prev_hash, then seq, come last
    return body[:-len(tail)]


def _prefix(kind: str, at: datetime, account_id: Optional[str], payload_text: str) -> str:
    """`hash_prefix` from the payload's canonical JSON text, which `append` made already:
    the same characters (the record's keys in sorted order, each value as canonical JSON
    writes it), without serialising the payload twice more per record."""
    return (f'{{"account_id":{_dumps(account_id)},"at":{_dumps(iso_utc(at))},'
            f'"kind":{_dumps(kind)},"payload":{payload_text},"prev_hash":"')


def _dumps(value: Optional[str]) -> str:
    return json.dumps(value, ensure_ascii=False)


#: built once (statement construction costs more CPU than running it)
_TAIL = select(EvidenceRecord.seq, EvidenceRecord.hash).order_by(
    EvidenceRecord.seq.desc()).limit(1)
#: the server-side append as an expression, which another statement can also carry
#: (PostgreSQL: `take_pending`)
APPEND_CALL = ("collectbot_evidence_append(:key, CAST(:kinds AS text[]), "
               "CAST(:ats AS timestamptz[]), CAST(:accounts AS text[]), "
               "CAST(:payloads AS text[]), CAST(:prefixes AS text[]))")
_APPEND = text(f"SELECT {APPEND_CALL}")


#: Session.info key of the records appended in the session's transaction, not yet written
_PENDING = "collectbot_evidence_pending"
#: kind, at, account_id, the payload as stored (JSON-native) and its canonical JSON text
Entry = Tuple[str, datetime, Optional[str], Any, str]


def append(s: Session, kind: str, account_id: Optional[str], payload: Dict[str, Any],
           at: Optional[datetime] = None) -> None:
    """Append one record to the chain in the caller's transaction.

    The record is written when the transaction commits (or before any query of the
    evidence table in it), together with the transaction's other records: see the module
    docstring. Inside a savepoint it is written at once, so rolling the savepoint back
    also drops it."""
    at = at or clock.now()
    body_text = canonical_json(payload)  # exactly what will be hashed and stored
    entry: Entry = (kind, at, account_id, json.loads(body_text), body_text)
    if s.in_nested_transaction():
        _write(s, [entry])
    else:
        s.info.setdefault(_PENDING, []).append(entry)


def append_now(conn: Any, kind: str, account_id: Optional[str], payload: Dict[str, Any],
               at: Optional[datetime] = None) -> None:
    """`append` in a transaction of Core statements on PostgreSQL (a
    `bot.store.db.connection_scope` connection: no session to hold the record until
    commit): written at once, by the same one statement (`collectbot_evidence_append`:
    the chain's lock, the tail and the INSERT in the server). Call it as the transaction's
    last statement: the chain's lock is held from here until the commit."""
    if conn.dialect.name != "postgresql":
        raise ValueError("append_now is for PostgreSQL; use append with a session")
    at = at or clock.now()
    body_text = canonical_json(payload)
    _pg_append(conn, [(kind, at, account_id, None, body_text)])


def write_pending(s: Session) -> int:
    """Write the records appended in `s` and not yet written; returns how many."""
    pending = s.info.pop(_PENDING, None)
    if not pending:
        return 0
    _write(s, pending)
    return len(pending)


def _write(s: Session, entries: List[Entry]) -> None:
    """Extend the chain by `entries`, in order: one statement on PostgreSQL (lock, tail
    read and INSERT in the server), a tail read and one INSERT on SQLite."""
    if s.get_bind().dialect.name == "postgresql":
        _pg_append(s, entries)
        return
    tail = s.execute(_TAIL).first()
    seq, prev = (tail.seq, tail.hash) if tail else (0, GENESIS)
    rows = []
    for kind, at, account_id, body, body_text in entries:
        seq += 1
        digest = record_hash(seq, kind, at, account_id, body, prev)
        rows.append({"seq": seq, "kind": kind, "at": at, "account_id": account_id,
                     "payload": body_text, "prev_hash": prev, "hash": digest})
        prev = digest
    # ids must grow with seq (`verify` checks it): one multi-row INSERT, rows in order
    s.execute(insert(EvidenceRecord.__table__).values(rows))


def _pg_append(s: Any, entries: List[Entry]) -> None:
    """`entries` appended by `collectbot_evidence_append` in the transaction of `s` (a
    session or a Core connection)."""
    from bot.store import raw

    raw.execute(s, _APPEND, _append_params(entries))


def _append_params(entries: List[Entry]) -> Dict[str, Any]:
    """`APPEND_CALL`'s parameters for `entries`."""
    return {
        "key": PG_LOCK_KEY, "kinds": [kind for kind, _, _, _, _ in entries],
        "ats": [at for _, at, _, _, _ in entries],
        "accounts": [account_id for _, _, account_id, _, _ in entries],
        "payloads": [body_text for _, _, _, _, body_text in entries],
        "prefixes": [_prefix(kind, at, account_id, body_text)
                     for kind, at, account_id, _, body_text in entries]}


#: an id no real row has, standing in the payload where the carrying statement puts the
#: id of the row it inserts (`with_new_id`)
_ID_MARK = -7_316_905_243_017_765


def append_call_with_id(id_sql: str) -> str:
    """`APPEND_CALL` for a statement that inserts the row its last record is about: that
    record's payload names the new row's id (`id_sql`, e.g. `contact.id`), which the
    statement itself fills in, so the INSERT and its evidence are one round trip. Its
    parameters come from `with_new_id`."""
    return ("collectbot_evidence_append(:key, CAST(:kinds AS text[]) || CAST(:ev_kind AS text), "
            "CAST(:ats AS timestamptz[]) || CAST(:ev_at AS timestamptz), "
            "CAST(:accounts AS text[]) || CAST(:ev_account AS text), "
            f"CAST(:payloads AS text[]) || (:payload_head || ({id_sql})::text || :payload_tail), "
            f"CAST(:prefixes AS text[]) || (:prefix_head || ({id_sql})::text || :prefix_tail))")


def with_new_id(before: Optional[Dict[str, Any]], kind: str, at: datetime,
                account_id: Optional[str], payload: Dict[str, Any], id_key: str
                ) -> Dict[str, Any]:
    """`append_call_with_id`'s parameters: the records `before` (`take_pending`'s, or
    None), then one record of `kind` whose `payload[id_key]` is the id the statement
    inserts. Its canonical JSON and hash prefix travel in two pieces around that id, which
    canonical JSON writes as its plain digits, so the stored payload and the hash are
    exactly those of `append` with the id known beforehand (`verify` checks them alike)."""
    body_text = canonical_json({**payload, id_key: _ID_MARK})
    marked = f'"{id_key}":{_ID_MARK}'
    if body_text.count(marked) != 1:  # a key is unique, and a string value escapes quotes
        raise ValueError(f"cannot place the new id in the payload at {id_key!r}")
    head, _, tail = body_text.partition(marked)
    head += f'"{id_key}":'
    prefix_head, _, prefix_tail = _prefix(kind, at, account_id, body_text).partition(marked)
    params = before if before is not None else _append_params([])
    return {**params, "ev_kind": kind, "ev_at": at, "ev_account": account_id,
            "payload_head": head, "payload_tail": tail,
            "prefix_head": prefix_head + f'"{id_key}":', "prefix_tail": prefix_tail}


def take_pending(s: Session) -> Optional[Dict[str, Any]]:
    """The records appended in `s` and not yet written, taken over by the caller's next
    statement, which must carry `APPEND_CALL` with these parameters (PostgreSQL): the
    transaction's last statement then writes them, one round trip less than a statement
    of their own at commit. None when nothing is pending, or inside a savepoint (rolling
    it back must not take the outer transaction's records with it)."""
    if s.in_nested_transaction() or not s.info.get(_PENDING):
        return None
    return _append_params(s.info.pop(_PENDING))


@event.listens_for(Session, "before_commit")
def _write_before_commit(s: Session) -> None:
    write_pending(s)


@event.listens_for(Session, "do_orm_execute")
def _write_before_evidence_reads(state: Any) -> None:
    """A query of the evidence table sees this transaction's own pending records."""
    s = state.session
    if s.info.get(_PENDING) and _reads_evidence(state.statement):
        write_pending(s)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(s: Session, transaction: Any) -> None:
    """A rolled-back (or otherwise ended) transaction takes its pending records with it."""
    if transaction.parent is None:
        s.info.pop(_PENDING, None)


def _reads_evidence(statement: Any) -> bool:
    """Does `statement` touch the evidence table (a text statement: does it name it)?

    Remembered per statement object: the hot statements are built once, and walking one
    for its tables cost more than running it."""
    try:
        return _reads_evidence_cached(statement)
    except TypeError:  # pragma: no cover - an unhashable statement: walk it every time
        return _touches_evidence(statement)


def _touches_evidence(statement: Any) -> bool:
    from sqlalchemy.sql.util import find_tables

    table = EvidenceRecord.__tablename__
    if isinstance(statement, TextClause):
        return table in statement.text
    return any(t.name == table for t in find_tables(statement, include_joins=True,
                                                     include_aliases=True,
                                                     include_crud=True))


#: by identity (statements hash by id): a statement built per call just misses
_reads_evidence_cached = functools.lru_cache(maxsize=512)(_touches_evidence)


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
