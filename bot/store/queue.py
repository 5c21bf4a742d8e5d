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
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Tuple, Type, TypeVar, Union

from sqlalchemy import and_, bindparam, exists, func, null, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot import clock
from bot.store.models import InboxMessage, OutboxMessage

Row = TypeVar("Row", InboxMessage, OutboxMessage)
UNFINISHED = ("pending", "claimed")
#: PostgreSQL notification channel: "a row was queued" (see bot.channels.wakeup)
WAKE_CHANNEL = "collectbot_pipeline"


def notify(s: Session) -> None:
    """Wake the workers of every process when `s` commits (PostgreSQL NOTIFY; a no-op on
    SQLite, where workers poll)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text(f"NOTIFY {WAKE_CHANNEL}"))


def accept_inbound(s: Session, *, sid: str, channel: str, from_number: str, to_number: str,
                   body: str, at: Optional[datetime] = None) -> bool:
    """Store an inbound message once: True when new, False for a repeated `sid`.

    One `INSERT ... ON CONFLICT DO NOTHING`: a webhook retried by Twilio (or delivered to
    two replicas at once) leaves exactly one row."""
    at = at or clock.now()
    values = {"sid": sid, "channel": channel, "conversation_id": from_number,
              "from_number": from_number, "to_number": to_number, "body": body,
              "received_at": at, "status": "pending", "attempts": 0, "next_attempt_at": at}
    dialect = s.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = s.execute(insert(InboxMessage.__table__).values(**values)
                       .on_conflict_do_nothing(index_elements=["sid"]))
    return result.rowcount == 1


def accept_inbound_many(s: Session, messages: List[Dict[str, str]],
                        at: Optional[datetime] = None) -> List[bool]:
    """`accept_inbound` for a batch: on PostgreSQL one multi-row INSERT for all of them
    (a burst of webhooks is one statement, not one each); True for each message stored now.
    A sid repeated inside the batch is stored once, for its first occurrence."""
    at = at or clock.now()
    if s.get_bind().dialect.name != "postgresql" or len(messages) < 2:
        return [accept_inbound(s, at=at, **fields) for fields in messages]
    rows = [{**fields, "conversation_id": fields["from_number"], "received_at": at,
             "status": "pending", "attempts": 0, "next_attempt_at": at} for fields in messages]
    t = InboxMessage.__table__
    stored = set(s.execute(pg_insert(t).values(rows).on_conflict_do_nothing(
        index_elements=["sid"]).returning(t.c.sid)).scalars())
    result = []
    for fields in messages:
        result.append(fields["sid"] in stored)
        stored.discard(fields["sid"])
    return result


def claim(s: Session, model: Type[Row], worker: str, lease: timedelta,
          now: Optional[datetime] = None) -> Optional[Row]:
    """Take the next row some conversation is waiting on, or None when there is none.

    The row's `attempts` grows by one per claim, so a message that crashes its worker
    every time still reaches the give-up limit."""
    now = now or clock.now()
    params = {"now": now, "worker": worker, "lease_until": now + lease}
    statements = _claim_statements(model, s.get_bind().dialect.name == "postgresql")
    if len(statements) == 1:
        # one round trip: lock the head row (skipping rows other workers hold) and take it
        return s.execute(statements[0], params).scalar()
    find, take = statements
    found = s.execute(find, params).first()
    if found is None:
        return None
    taken = s.execute(take, {**params, "row_id": found.id, "row_status": found.status})
    if taken.rowcount != 1:
        return None
    return s.get(model, found.id, populate_existing=True)


@functools.cache
def _claim_statements(model: Type[Row], postgres: bool) -> Tuple[Any, ...]:
    """The claim's statements, built once per table and dialect with bound parameters
    (now, worker, lease_until): building and cache-keying this query on every call cost
    more CPU than running it, and idle workers claim a few times a second."""
    t = model.__table__
    other = t.alias("earlier")
    now = bindparam("now", type_=t.c.next_attempt_at.type)
    ready = or_(and_(t.c.status == "pending", t.c.next_attempt_at <= now),
                and_(t.c.status == "claimed", t.c.lease_until < now))
    # the outbox keeps its own per-conversation sequence; the inbox is in arrival order
    order = "seq" if "seq" in t.c else "id"
    is_head = ~exists().where(other.c.conversation_id == t.c.conversation_id,
                              other.c[order] < t.c[order], other.c.status.in_(UNFINISHED))
    query = select(t.c.id, t.c.status).where(ready, is_head).order_by(t.c.id).limit(1)
    claimed = {"status": "claimed", "claimed_by": bindparam("worker", type_=t.c.claimed_by.type),
               "lease_until": bindparam("lease_until", type_=t.c.lease_until.type),
               "attempts": t.c.attempts + 1}
    if postgres:
        head = query.with_only_columns(t.c.id).with_for_update(skip_locked=True, of=t)
        taking = update(t).where(t.c.id == head.scalar_subquery()).values(**claimed) \
            .returning(*t.c)
        return (select(model).from_statement(taking)
                .execution_options(populate_existing=True),)
    take = update(t).where(t.c.id == bindparam("row_id"),
                           t.c.status == bindparam("row_status")).values(**claimed)
    return query, take


def finish(s: Session, model: Type[Row], row_id: int, worker: str, status: str,
           **values: object) -> bool:
    """Close a claimed row with `status` (done / sent / failed); False if the lease was lost."""
    t = model.__table__
    result = s.execute(
        update(t).where(t.c.id == row_id, t.c.claimed_by == worker, t.c.status == "claimed")
        .values(status=status, lease_until=None, **values)
    )
    return result.rowcount == 1


def retry_later(s: Session, model: Type[Row], row_id: int, worker: str, error: str,
                delay: timedelta) -> bool:
    """Put a claimed row back, due again after `delay`, with the error that stopped it."""
    return finish(s, model, row_id, worker, "pending", last_error=error[:2000],
                  next_attempt_at=clock.now() + delay, claimed_by=None)


def enqueue_outbound(s: Session, *, conversation_id: str, channel: str, to_number: str,
                     from_number: str, body: str, account_id: Optional[str] = None,
                     debt_id: Optional[str] = None, inbox_id: Optional[int] = None,
                     at: Optional[datetime] = None) -> int:
    """Append a text to the conversation's outbox, after everything already queued for it;
    returns the row's id.

    A turn retried after it had queued its replies (the tracker save failed on a
    restarting database, the process died) says the same again: a text already queued
    for the same inbox row is returned, not queued twice (a turn never repeats a text).
    Two statements: one query for both "queued already?" and the conversation's last
    `seq`, one INSERT (on PostgreSQL `ON CONFLICT DO NOTHING`, so a writer that lost the
    race for a `seq` just takes the next one, without a savepoint; SQLite's BEGIN
    IMMEDIATE lets no second writer in)."""
    at = at or clock.now()
    t = OutboxMessage.__table__
    last_seq = select(func.max(t.c.seq)).where(
        t.c.conversation_id == conversation_id).scalar_subquery()
    earlier = (select(t.c.id).where(t.c.inbox_id == inbox_id, t.c.body == body).limit(1)
               .scalar_subquery() if inbox_id is not None else null())
    postgres = s.get_bind().dialect.name == "postgresql"
    values = {"conversation_id": conversation_id, "channel": channel, "to_number": to_number,
              "from_number": from_number, "body": body, "account_id": account_id,
              "debt_id": debt_id, "inbox_id": inbox_id, "status": "pending", "attempts": 0,
              "next_attempt_at": at, "created_at": at}
    for _ in range(5):
        found, top = s.execute(select(earlier, last_seq)).one()
        if found is not None:
            return found
        row = {**values, "seq": (top or 0) + 1}
        if postgres:
            new_id = s.execute(pg_insert(t).values(**row).on_conflict_do_nothing(
                index_elements=["conversation_id", "seq"]).returning(t.c.id)).scalar()
        else:
            new_id = s.execute(t.insert().values(**row)).inserted_primary_key[0]
        if new_id is not None:
            notify(s)
            return new_id
    raise RuntimeError(f"could not queue a message for {conversation_id}: sequence contention")


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
