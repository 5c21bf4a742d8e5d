"""The inbox and outbox tables as durable, per-conversation ordered work queues.

Both tables share one shape (conversation_id, status, attempts, next_attempt_at,
lease_until, claimed_by, last_error), so one claim rule serves both: a worker may take
the *oldest unfinished* row of a conversation, and only when no other worker holds an
unexpired lease on it. That gives at most one row in flight per conversation, in order,
across any number of processes. PostgreSQL claims with `FOR UPDATE SKIP LOCKED` (workers
never wait on each other); SQLite's `BEGIN IMMEDIATE` serialises writers, so there a
conditional UPDATE is enough. A crashed worker's lease expires and the row is taken again.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, TypeVar, Union

from sqlalchemy import and_, bindparam, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot import clock
from bot.store import evidence, raw
from bot.store.models import InboxMessage, OptOut, OutboxMessage

Row = TypeVar("Row", InboxMessage, OutboxMessage)
UNFINISHED = ("pending", "claimed")
#: PostgreSQL notification channel: "a row was queued" (see bot.channels.wakeup)
WAKE_CHANNEL = "collectbot_pipeline"


#: where the queue's functions run: a session, or a Core connection in a transaction
#: (`bot.store.db.connection_scope`: the runners' claims and closes)
Store = Union[Session, Connection]


def _postgres(s: Store) -> bool:
    """Is `s` (a session, or a Core connection: `bot.store.db.connection_scope`) on
    PostgreSQL?"""
    bind = s if isinstance(s, Connection) else s.get_bind()
    return bind.dialect.name == "postgresql"


def notify(s: Store, queue: str = "") -> None:
    """Wake the workers of every process when `s` commits (PostgreSQL NOTIFY; a no-op on
    SQLite, where workers poll). `queue` ("inbox", "outbox") wakes only that queue's
    workers (bot/channels/wakeup.py): a wake of the other queue's workers is a claim that
    can only come back empty, on the cores the turns need."""
    if _postgres(s):
        s.execute(text(f"NOTIFY {WAKE_CHANNEL}" + (f", '{queue}'" if queue else "")))


def accept_inbound(s: Store, *, sid: str, channel: str, from_number: str, to_number: str,
                   body: str, at: Optional[datetime] = None, wake: bool = False) -> bool:
    """Store an inbound message once: True when new, False for a repeated `sid`.

    One `INSERT ... ON CONFLICT DO NOTHING`: a webhook retried by Twilio (or delivered to
    two replicas at once) leaves exactly one row. `wake`: a stored message also wakes the
    workers (`notify`), on PostgreSQL in the same statement."""
    at = at or clock.now()
    values = {"sid": sid, "channel": channel, "conversation_id": from_number,
              "from_number": from_number, "to_number": to_number, "body": body,
              "received_at": at, "status": "pending", "attempts": 0, "next_attempt_at": at}
    postgres = _postgres(s)
    stored = raw.execute(s, _accept_statement(wake and postgres), values).rowcount == 1
    if stored and wake and not postgres:
        notify(s, "inbox")
    return stored


def _typed_text(sql: str, table: Any) -> Any:
    """`sql` with each `:name` that is a column of `table` bound as that column's type.

    SQLAlchemy 1.4 cannot cache a statement with `on_conflict_do_nothing()`: it was
    compiled anew for every message. The same SQL as text is compiled once."""
    names = sorted(set(re.findall(r"(?<![:\w]):(\w+)", sql)) & set(table.c.keys()))
    return text(sql).bindparams(*[bindparam(name, type_=table.c[name].type) for name in names])


@functools.cache
def _accept_statement(notifying: bool = False) -> Any:
    """`accept_inbound`'s INSERT (SQLite and PostgreSQL both know ON CONFLICT DO NOTHING);
    `notifying` (PostgreSQL): the NOTIFY rides in the same statement, for a stored row
    only (one row back when stored, none for a repeat)."""
    columns = ("sid", "channel", "conversation_id", "from_number", "to_number", "body",
               "received_at", "status", "attempts", "next_attempt_at")
    insert = (f"INSERT INTO inbox ({', '.join(columns)}) VALUES "
              f"({', '.join(':' + c for c in columns)}) ON CONFLICT (sid) DO NOTHING")
    if notifying:
        insert = (f"WITH stored AS ({insert} RETURNING id) "
                  f"SELECT id, pg_notify('{WAKE_CHANNEL}', 'inbox') FROM stored")
    return _typed_text(insert, InboxMessage.__table__)


def accept_inbound_many(s: Store, messages: List[Dict[str, str]],
                        at: Optional[datetime] = None, wake: bool = False) -> List[bool]:
    """`accept_inbound` for a batch: on PostgreSQL one multi-row INSERT for all of them
    (a burst of webhooks is one statement, not one each); True for each message stored now.
    A sid repeated inside the batch is stored once, for its first occurrence. `wake`: if
    any was stored, the workers are woken (`notify`)."""
    at = at or clock.now()
    if len(messages) == 1:
        return [accept_inbound(s, at=at, wake=wake, **messages[0])]
    if not _postgres(s) or not messages:
        stored_each = [accept_inbound(s, at=at, **fields) for fields in messages]
        if wake and any(stored_each):
            notify(s, "inbox")
        return stored_each
    rows = [{**fields, "conversation_id": fields["from_number"], "received_at": at,
             "status": "pending", "attempts": 0, "next_attempt_at": at} for fields in messages]
    t = InboxMessage.__table__
    stored = set(s.execute(pg_insert(t).values(rows).on_conflict_do_nothing(
        index_elements=["sid"]).returning(t.c.sid)).scalars())
    result = []
    for fields in messages:
        result.append(fields["sid"] in stored)
        stored.discard(fields["sid"])
    if wake and any(result):
        notify(s, "inbox")
    return result


def claim(s: Store, model: Type[Row], worker: str, lease: timedelta,
          now: Optional[datetime] = None, done: Sequence[int] = ()) -> Optional[Any]:
    """Take the next row some conversation is waiting on, or None when there is none.

    `done` (the inbox only): rows `worker` has finished since its last claim, closed as
    `done` by the same statement on PostgreSQL (one round trip, not a close and a claim),
    by an UPDATE in the same transaction elsewhere; a row of `done` whose lease `worker`
    no longer holds stays as it is. The claim then sees those rows closed, so the next
    message of the same conversation is claimable at once: a worker takes it in the very
    statement that closes the one before it.

    Returns the claimed row's columns as a plain (read-only) row, not a tracked model
    instance: nothing changes it afterwards, and loading an ORM object cost more CPU than
    the claim's statement. An outbox row also carries `withheld`: True when its number
    opted out of SMS after the text was queued (a text waiting out a Twilio backoff must
    not go to someone who has since replied STOP; the opt-out confirmation itself is
    queued after the opt-out, so it still goes), read in the same statement.

    The row's `attempts` grows by one per claim, so a message that crashes its worker
    every time still reaches the give-up limit."""
    now = now or clock.now()
    params: Dict[str, Any] = {"now": now, "worker": worker, "lease_until": now + lease}
    done = tuple(done)
    postgres = _postgres(s)
    if done:
        if model is not InboxMessage:
            raise ValueError("claim(done=...) closes inbox rows only")
        params["done"] = done
        if not postgres:  # the same transaction (SQLite: BEGIN IMMEDIATE, one writer)
            close_done(s, worker, done, now)
    statements = _claim_statements(model, postgres, closing=bool(done) and postgres)
    if len(statements) == 1:
        # one round trip: lock the head row (skipping rows other workers hold) and take it
        return raw.execute(s, statements[0], params).first()
    find, take, reload = statements
    found = s.execute(find, params).first()
    if found is None:
        return None
    taken = s.execute(take, {**params, "row_id": found.id, "row_status": found.status})
    if taken.rowcount != 1:
        return None
    return s.execute(reload, {"row_id": found.id}).first()


def claim_with(s: Store, model: Type[Row], worker: str, lease: timedelta,
               join: Callable[[Any], Any], now: Optional[datetime] = None,
               done: Sequence[int] = ()) -> Optional[Any]:
    """`claim`, and on PostgreSQL in the same statement whatever `join(claimed)` selects
    over the claimed row (`claimed`: the claim as a CTE; `join` returns a SELECT from it
    whose first columns are all of `claimed`'s, built once per `join`): the claimed row
    then carries those columns too. Elsewhere plain `claim`: the caller reads them itself
    (the row lacks them)."""
    if not _postgres(s):
        return claim(s, model, worker, lease, now, done)
    now = now or clock.now()
    done = tuple(done)
    params: Dict[str, Any] = {"now": now, "worker": worker, "lease_until": now + lease}
    if done:
        if model is not InboxMessage:
            raise ValueError("claim(done=...) closes inbox rows only")
        params["done"] = done
    return raw.execute(s, _joined_claim(model, join, bool(done)), params).first()


@functools.cache
def _joined_claim(model: Type[Row], join: Callable[[Any], Any], closing: bool) -> Any:
    [statement] = _claim_statements(model, True, closing=closing)
    return join(statement.cte("claimed"))


def close_done(s: Store, worker: str, done: Sequence[int],
               now: Optional[datetime] = None) -> int:
    """Close the inbox rows of `done` that `worker` still holds as `done` (what
    `claim(done=...)` does along with a claim); returns how many it closed."""
    if not done:
        return 0
    return s.execute(_close_done_statement(), {"done": tuple(done), "worker": worker,
                                               "now": now or clock.now()}).rowcount


def _claimed_columns(model: Type[Row]) -> List[Any]:
    """What a claim returns: the row, and for the outbox whether it is `withheld`."""
    t = model.__table__
    columns = list(t.c)
    if model is OutboxMessage:
        columns.append(exists().where(
            OptOut.phone == t.c.to_number, OptOut.channel.in_(("sms", "all")),
            OptOut.active.is_(True), OptOut.at > t.c.created_at).label("withheld"))
    return columns


def _done_values(t: Any) -> Dict[str, Any]:
    """What closing a finished inbox row sets (as `finish(..., "done")` from the worker)."""
    return {"status": "done", "lease_until": None, "last_error": None,
            "done_at": bindparam("now", type_=t.c.done_at.type)}


def _closable(t: Any) -> Any:
    """`claim(done=...)`'s rows that `worker` still holds: the ones it closes."""
    return and_(t.c.id.in_(bindparam("done", expanding=True)),
                t.c.claimed_by == bindparam("worker", type_=t.c.claimed_by.type),
                t.c.status == "claimed")


@functools.cache
def _close_done_statement() -> Any:
    """`claim(done=...)`'s close as a statement of its own (SQLite)."""
    t = InboxMessage.__table__
    return update(t).where(_closable(t)).values(**_done_values(t))


@functools.cache
def _claim_statements(model: Type[Row], postgres: bool,
                      closing: bool = False) -> Tuple[Any, ...]:
    """The claim's statements, built once per table and dialect with bound parameters
    (now, worker, lease_until): building and cache-keying this query on every call cost
    more CPU than running it, and idle workers claim a few times a second.

    `closing` (PostgreSQL, the inbox): the statement also closes the rows of the `done`
    parameter (`claim`), in a data-modifying CTE. Its claim reads the snapshot from before
    that close, so it counts those rows as finished itself, but only the ones the CTE does
    close whose lease is still running (no other worker can have taken them meanwhile);
    a row of `done` is never the one claimed (one statement must not update a row twice)."""
    t = model.__table__
    other = t.alias("earlier")
    now = bindparam("now", type_=t.c.next_attempt_at.type)
    ready = or_(and_(t.c.status == "pending", t.c.next_attempt_at <= now),
                and_(t.c.status == "claimed", t.c.lease_until < now))
    # the outbox keeps its own per-conversation sequence; the inbox is in arrival order
    order = "seq" if "seq" in t.c else "id"
    earlier_unfinished = [other.c.conversation_id == t.c.conversation_id,
                          other.c[order] < t.c[order], other.c.status.in_(UNFINISHED)]
    if closing:
        earlier_unfinished.append(~and_(_closable(other), other.c.lease_until >= now))
        ready = and_(ready, t.c.id.not_in(bindparam("done", expanding=True)))
    is_head = ~exists().where(*earlier_unfinished)
    query = select(t.c.id, t.c.status).where(ready, is_head).order_by(t.c.id).limit(1)
    claimed = {"status": "claimed", "claimed_by": bindparam("worker", type_=t.c.claimed_by.type),
               "lease_until": bindparam("lease_until", type_=t.c.lease_until.type),
               "attempts": t.c.attempts + 1}
    if postgres:
        head = query.with_only_columns(t.c.id).with_for_update(skip_locked=True, of=t)
        statement = (update(t).where(t.c.id == head.scalar_subquery()).values(**claimed)
                     .returning(*_claimed_columns(model)))
        if closing:
            statement = statement.add_cte(update(t).where(_closable(t)).values(
                **_done_values(t)).cte("closed"))
        return (statement,)
    take = update(t).where(t.c.id == bindparam("row_id"),
                           t.c.status == bindparam("row_status")).values(**claimed)
    reload = select(*_claimed_columns(model)).where(t.c.id == bindparam("row_id"))
    return query, take, reload


def finish(s: Store, model: Type[Row], row_id: int, worker: str, status: str,
           **values: object) -> bool:
    """Close a claimed row with `status` (done / sent / failed); False if the lease was lost."""
    statement = _finish_statement(model, tuple(sorted(values)))
    result = raw.execute(s, statement, {**values, "row_id": row_id, "worker": worker,
                                        "new_status": status})
    return result.rowcount == 1


@functools.cache
def _finish_statement(model: Type[Row], columns: Tuple[str, ...]) -> Any:
    """`finish`'s UPDATE for the columns it sets, built once with bound parameters."""
    t = model.__table__
    return update(t).where(
        t.c.id == bindparam("row_id"), t.c.claimed_by == bindparam("worker"),
        t.c.status == "claimed",
    ).values(status=bindparam("new_status"), lease_until=None,
             **{c: bindparam(c, type_=t.c[c].type) for c in columns})


def retry_later(s: Store, model: Type[Row], row_id: int, worker: str, error: str,
                delay: timedelta) -> bool:
    """Put a claimed row back, due again after `delay`, with the error that stopped it."""
    return finish(s, model, row_id, worker, "pending", last_error=error[:2000],
                  next_attempt_at=clock.now() + delay, claimed_by=None)


def enqueue_outbound(s: Store, *, conversation_id: str, channel: str, to_number: str,
                     from_number: str, body: str, account_id: Optional[str] = None,
                     debt_id: Optional[str] = None, inbox_id: Optional[int] = None,
                     at: Optional[datetime] = None, wake_others: bool = True) -> int:
    """Append a text to the conversation's outbox, after everything already queued for it;
    returns the row's id.

    A turn retried after it had queued its replies (the tracker save failed on a
    restarting database, the process died) says the same again: a text already queued
    for the same inbox row is returned, not queued twice (a turn never repeats a text).
    One statement in the usual case: an INSERT ... SELECT that takes the conversation's
    next `seq` and inserts nothing when the same inbox row already queued this text (on
    PostgreSQL also `ON CONFLICT DO NOTHING`, so a writer that lost the race for a `seq`
    just takes the next one, without a savepoint, and the NOTIFY that wakes other
    processes' senders rides in the same statement; SQLite's BEGIN IMMEDIATE lets no
    second writer in). Only when nothing was inserted does a second query say why.

    `wake_others=False`: no NOTIFY (the caller wakes a sender of its own process that
    waits idle: every other process's sender would only make an empty claim)."""
    at = at or clock.now()
    postgres = _postgres(s)
    add, earlier = _enqueue_statements(postgres, wake_others)
    values = {"conversation_id": conversation_id, "channel": channel, "to_number": to_number,
              "from_number": from_number, "body": body, "account_id": account_id,
              "debt_id": debt_id, "inbox_id": inbox_id, "status": "pending", "attempts": 0,
              "next_attempt_at": at, "created_at": at}
    # PostgreSQL: the evidence this transaction appended so far (the text's decision)
    # rides in the first INSERT, not in a statement of its own at commit
    pending = evidence.take_pending(s) if postgres and isinstance(s, Session) else None
    for attempt in range(5):
        if attempt == 0 and pending is not None:
            result = raw.execute(s, _enqueue_with_evidence(wake_others), {**values, **pending})
        else:
            result = raw.execute(s, add, values)
        new_id = result.scalar() if postgres else (
            result.lastrowid if result.rowcount == 1 else None)
        if new_id is not None:
            return new_id
        if inbox_id is not None:
            found = s.execute(earlier, values).scalar()
            if found is not None:
                return found
    raise RuntimeError(f"could not queue a message for {conversation_id}: sequence contention")


#: the columns `enqueue_outbound` sets (the rest keep their defaults)
_ENQUEUED = ("conversation_id", "channel", "to_number", "from_number", "body", "account_id",
             "debt_id", "inbox_id", "status", "attempts", "next_attempt_at", "created_at")


@functools.cache
def _enqueue_statements(postgres: bool, notifying: bool = True) -> Tuple[Any, Any]:
    """`enqueue_outbound`'s INSERT ... SELECT and its "queued already?" lookup, built once
    (as text: see `_typed_text`); `notifying` (PostgreSQL): with the NOTIFY."""
    t = OutboxMessage.__table__
    # the conversation narrows the lookup to its rows through the (conversation_id, seq)
    # index: without it every queued reply scanned the whole outbox (inside the INSERT's
    # NOT EXISTS), a cost that grew with every message ever sent
    earlier = ("SELECT id FROM outbox WHERE conversation_id = :conversation_id "
               "AND inbox_id = :inbox_id AND body = :body LIMIT 1")
    # PostgreSQL types a bare parameter in a select list as text: cast each to its column's
    # type (strings to plain varchar: a cast to varchar(n) would truncate, not refuse)
    picked = [f"CAST(:{name} AS {_PG_CASTS[type(t.c[name].type).__name__]})" if postgres
              else f":{name}" for name in _ENQUEUED]
    # an inbox_id of NULL matches no row, so a text from outside a turn is always queued
    insert = (f"INSERT INTO outbox ({', '.join(_ENQUEUED)}, seq) "
              f"SELECT {', '.join(picked)}, (SELECT coalesce(max(seq), 0) + 1 FROM outbox "
              f"WHERE conversation_id = :conversation_id) WHERE NOT EXISTS ({earlier})")
    if postgres:  # a lost race for the seq inserts nothing; the NOTIFY rides along
        insert = f"{insert} ON CONFLICT (conversation_id, seq) DO NOTHING RETURNING id"
        if notifying:
            insert = (f"WITH inserted AS ({insert}) "
                      f"SELECT id, pg_notify('{WAKE_CHANNEL}', 'outbox') FROM inserted")
    return _typed_text(insert, t), _typed_text(earlier, t)


@functools.cache
def _enqueue_with_evidence(notifying: bool) -> Any:
    """`enqueue_outbound`'s PostgreSQL INSERT carrying the transaction's pending evidence
    (`evidence.take_pending`): the append runs whether or not the row is inserted, once
    (a CTE with a volatile call is evaluated exactly once); the first column is the new
    row's id, NULL when nothing was inserted."""
    t = OutboxMessage.__table__
    insert = _enqueue_statements(True, False)[0].text
    notified = (f", (SELECT pg_notify('{WAKE_CHANNEL}', 'outbox') FROM inserted) AS notified"
                if notifying else "")
    return _typed_text(f"WITH inserted AS ({insert}), "
                       f"appended AS (SELECT {evidence.APPEND_CALL} AS seq) "
                       f"SELECT (SELECT id FROM inserted) AS id{notified}, "
                       f"(SELECT seq FROM appended) AS seq", t)


_PG_CASTS = {"String": "varchar", "Text": "varchar", "Integer": "integer",
             "UTCDateTime": "timestamptz"}


def backlog(s: Session) -> Dict[str, Union[int, float, None]]:
    """Unfinished inbox and outbox rows, and the age in seconds of the oldest inbox one."""
    now = clock.now()
    inbox = InboxMessage.__table__
    outbox = OutboxMessage.__table__
    pending_in, oldest = s.execute(
        select(func.count(), func.min(inbox.c.received_at)).where(inbox.c.status.in_(UNFINISHED))
    ).one()
    pending_out = s.execute(
        select(func.count()).where(outbox.c.status.in_(UNFINISHED))).scalar()
    failed_in = s.execute(select(func.count()).where(inbox.c.status == "failed")).scalar()
    if oldest is not None and oldest.tzinfo is None:  # pragma: no cover - UTCDateTime guards
        oldest = clock.as_utc(oldest)
    return {"inbox_unfinished": pending_in, "inbox_failed": failed_in,
            "outbox_unfinished": pending_out,
            "oldest_inbox_seconds": round((now - oldest).total_seconds(), 3) if oldest else None}
