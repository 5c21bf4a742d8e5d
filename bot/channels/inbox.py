"""The durable inbox: webhooks store inbound messages, workers answer them later.

A webhook's whole job is `accept` (one INSERT; a repeated MessageSid is a no-op) and an
empty TwiML answer, so Twilio's 15 s timeout is never at risk however busy the assistant
is. `InboxWorker`s (started with `collectbot run`, any number of replicas) take rows in
per-conversation order, run the turn, and mark a row done only after the turn's replies
are in the outbox. A failed turn is retried with backoff; after `inbox_max_attempts` the
channel's `give_up` hands the conversation to a person with a safe holding reply.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

from bot import clock
from bot.channels.runner import QueueRunner
from bot.config import get_settings
from bot.store import queue, raw
from bot.store.db import connection_scope, get_engine, session_scope
from bot.store.models import InboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[InboxMessage], Awaitable[None]]
#: prepare(session, row) -> what the handler needs, run in the claim's own transaction
Prepare = Callable[[Any, Any], Any]
GiveUp = Callable[[InboxMessage, str], Awaitable[None]]
Ready = Callable[[], Awaitable[Optional[str]]]


def accept(*, sid: str, channel: str, from_number: str, to_number: str, body: str) -> bool:
    """Store one inbound message; False when `sid` was already stored (a webhook retry)."""
    return accept_many([{"sid": sid, "channel": channel, "from_number": from_number,
                         "to_number": to_number, "body": body}])[0]


def accept_many(messages: List[Dict[str, str]]) -> List[bool]:
    """Store several inbound messages in one transaction (one commit for a burst)."""
    at = clock.now()
    # Core statements only: a plain connection, not an ORM session (bot.store.db)
    with connection_scope() as conn:
        # a stored message wakes the workers in other processes at once, not at their poll
        return queue.accept_inbound_many(conn, messages, at, wake=True)


#: PostgreSQL: a whole burst in one statement, one round trip and one commit. The rows
#: travel as arrays, so the statement's text never changes (building and compiling a
#: multi-row VALUES per burst was half of the front process's CPU under load), and the
#: NOTIFY that wakes the workers rides in the same statement. Rows are inserted in the
#: order they arrived; a repeated sid (a Twilio retry, or twice in one burst) inserts
#: nothing more.
_PG_ACCEPT = f"""
WITH stored AS (
    INSERT INTO {InboxMessage.__tablename__} (sid, channel, conversation_id, from_number,
                                             to_number, body, received_at, status,
                                             attempts, next_attempt_at)
    SELECT m.sid, m.channel, m.from_number, m.from_number, m.to_number, m.body,
           CAST(%(at)s AS timestamptz), 'pending', 0, CAST(%(at)s AS timestamptz)
    FROM unnest(%(sids)s::text[], %(channels)s::text[], %(froms)s::text[], %(tos)s::text[],
                %(bodies)s::text[]) WITH ORDINALITY
         AS m(sid, channel, from_number, to_number, body, n)
    ORDER BY m.n
    ON CONFLICT (sid) DO NOTHING
    RETURNING sid)
SELECT sid, pg_notify('{queue.WAKE_CHANNEL}', 'inbox') FROM stored
"""
#: `_PG_ACCEPT` without the NOTIFY: the batch's rows are taken by idle workers of the
#: accepting process itself, which it wakes (`AcceptBatcher`)
_PG_ACCEPT_QUIET = _PG_ACCEPT.replace(
    f"SELECT sid, pg_notify('{queue.WAKE_CHANNEL}', 'inbox') FROM stored",
    "SELECT sid, NULL FROM stored")
assert _PG_ACCEPT_QUIET != _PG_ACCEPT
#: each of the two as the batcher's connection prepares it once (`AcceptBatcher._insert`):
#: statement -> (its name, `PREPARE name AS ...`, the `EXECUTE` with the values)
_PG_ACCEPT_PREPARED = {
    sql: (name, f"PREPARE {name} AS {server}", execute)
    for sql, name in ((_PG_ACCEPT, "collectbot_accept"),
                      (_PG_ACCEPT_QUIET, "collectbot_accept_quiet"))
    for server, execute in [raw.server_form(sql, name, frozenset())]}
for _sql, (_name, _prepare, _execute) in _PG_ACCEPT_PREPARED.items():
    raw.executed_as[_execute] = _sql  # what a wire-level counter names it by


class AcceptBatcher:
    """Group commit for webhooks: while one transaction is being written, the messages
    that arrive meanwhile wait and go together in the next one. A burst of 200 webhooks is
    then a handful of commits instead of 200 queued behind each other; a lone webhook is
    written at once (no timer, no added delay). A webhook is answered only after the
    commit that holds its row; a failed batch fails each of its webhooks (a 500: Twilio
    delivers them again).

    On PostgreSQL the batches go through one connection of the batcher's own, driven by
    the event loop itself (psycopg2's asynchronous mode: always autocommit): each batch is
    one `_PG_ACCEPT` statement, durable when it returns (the server's
    `synchronous_commit`, on by default, applies). No thread sits between the loop and the
    database: a thread hand-off was two wake-ups (the executor thread, then the loop)
    on the acknowledgement's critical path, each a wait for a core and for the GIL while
    the loop parsed the rest of the burst, which on a host busy with turns cost more than
    the statement. A failed batch discards the connection; the next one reconnects. On
    SQLite `accept_many` runs in the batcher's one thread."""

    def __init__(self, local_idle: Optional[Callable[[], int]] = None) -> None:
        #: how many inbox worker tasks of this process wait idle (the webhook wakes them
        #: itself): a batch no larger than that is stored without the NOTIFY that wakes
        #: every process's workers, whose claims would come back empty
        self.local_idle = local_idle
        self._pending: List[Tuple[Dict[str, str], asyncio.Future]] = []
        self._flushing = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inbox-accept")
        self._conn: Optional[Any] = None  # the kept asynchronous connection (PostgreSQL)
        #: the statements prepared on `_conn` (a new connection prepares them again)
        self._prepared: set = set()

    async def accept(self, **fields: str) -> bool:
        """True when stored now, False for a repeated sid; raises if the store failed
        (the webhook then answers 500 and Twilio delivers the message again)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._pending.append((fields, future))
        if not self._flushing:
            self._flushing = True
            loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    stored = await self._store([fields for fields, _ in batch])
                except BaseException as exc:  # the whole batch failed: every caller hears it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise  # cancelled (the server stopping)
                    continue
                for (_, future), new in zip(batch, stored):
                    if not future.done():
                        future.set_result(new)
        finally:
            self._flushing = False

    async def _store(self, messages: List[Dict[str, str]]) -> List[bool]:
        """`accept_many`'s result for `messages`: which of them were stored now."""
        engine = get_engine()
        if engine.dialect.name != "postgresql":
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, accept_many, messages)
        params = {"at": clock.now(), "sids": [m["sid"] for m in messages],
                  "channels": [m["channel"] for m in messages],
                  "froms": [m["from_number"] for m in messages],
                  "tos": [m["to_number"] for m in messages],
                  "bodies": [m["body"] for m in messages]}
        reused = self._conn is not None
        quiet = self.local_idle is not None and self.local_idle() >= len(messages)
        sql = _PG_ACCEPT_QUIET if quiet else _PG_ACCEPT
        try:
            stored = await self._insert(engine, params, sql)
        except engine.dialect.dbapi.Error:
            self._discard()
            if not reused:
                raise
            # the kept connection died while idle (a database restart, a timeout): once
            # more on a new one. Safe if the first try did commit: those rows then read as
            # repeats, and are stored all the same.
            try:
                stored = await self._insert(engine, params, sql)
            except BaseException:
                self._discard()
                raise
        except BaseException:  # anything else (or cancelled mid-statement): state unknown
            self._discard()
            raise
        result = []
        for message in messages:  # a sid twice in one batch: stored for its first occurrence
            result.append(message["sid"] in stored)
            stored.discard(message["sid"])
        return result

    async def _insert(self, engine: Any, params: Dict[str, Any], sql: str = _PG_ACCEPT) -> set:
        """Run `sql` (`_PG_ACCEPT`, or its quiet twin) on the kept connection (opened if
        need be): the sids stored. Prepared on the connection by its first use (in the
        same round trip), so the server plans it once, not per batch; a failure discards
        the connection, and with it what was prepared there."""
        if self._conn is None:
            self._conn = await _pg_connect(engine)
            self._prepared = set()
        name, prepare, execute = _PG_ACCEPT_PREPARED[sql]
        query = execute if name in self._prepared else f"{prepare}; {execute}"
        rows = await _pg_query(self._conn, query, params)
        self._prepared.add(name)
        return {sid for sid, _ in rows}

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        self._prepared = set()
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already broken: nothing to release
                logger.debug("inbox: closing the accept connection failed", exc_info=True)

    async def close(self) -> None:
        """Release the batcher's connection (when the server stops)."""
        self._discard()
        self._pool.shutdown(wait=False)


async def _pg_connect(engine: Any) -> Any:
    """A new asynchronous psycopg2 connection to `engine`'s database (its URL's options,
    such as a search path, included), ready for `_pg_query`."""
    import psycopg2

    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = psycopg2.connect(url, async_=True)
    try:
        await _pg_ready(conn)
    except BaseException:
        conn.close()
        raise
    return conn


async def _pg_query(conn: Any, sql: str, params: Dict[str, Any]) -> List[Tuple[Any, ...]]:
    """Run `sql` on the asynchronous connection `conn` from the event loop: its rows."""
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        await _pg_ready(conn)
        return cursor.fetchall() if cursor.description is not None else []
    finally:
        cursor.close()


async def _pg_ready(conn: Any) -> None:
    """Wait, without blocking the event loop, until `conn`'s connect or statement is done
    (psycopg2's asynchronous protocol: poll, and wait for the socket it asks for); a
    database error is raised here."""
    import psycopg2
    import psycopg2.extensions as ext

    loop = asyncio.get_running_loop()
    while True:
        state = conn.poll()
        if state == ext.POLL_OK:
            return
        if state not in (ext.POLL_READ, ext.POLL_WRITE):
            raise psycopg2.OperationalError(f"unexpected poll state {state}")
        fd = conn.fileno()
        ready: asyncio.Future = loop.create_future()

        def wake(future: asyncio.Future = ready) -> None:
            if not future.done():
                future.set_result(None)

        if state == ext.POLL_READ:
            loop.add_reader(fd, wake)
            try:
                await ready
            finally:
                loop.remove_reader(fd)
        else:
            loop.add_writer(fd, wake)
            try:
                await ready
            finally:
                loop.remove_writer(fd)


class InboxWorker(QueueRunner):
    """Runs `handle` for each inbox row, in order per conversation, one at a time each.

    With `prepare`, the first store work of a turn (the SMS channel: the party, the inbound
    contact row, keywords, takeover) runs in the claim's own transaction, one commit
    instead of two; the handler takes its result with `take_prepared(row.id)` (None when
    there is none). If `prepare` fails, the row is claimed alone (so the attempt counts
    towards giving up) and the handler does that work itself, where a failure is retried
    like any other."""

    model = InboxMessage
    name = "inbox"
    durable_claim = False

    def __init__(self, handle: Handler, on_give_up: GiveUp, *, ready: Optional[Ready] = None,
                 tasks: Optional[int] = None, prepare: Optional[Prepare] = None,
                 claim_join: Optional[Callable[[Any], Any]] = None,
                 **kwargs: object) -> None:
        settings = get_settings()
        kwargs.setdefault("lease", settings.pipeline_lease_seconds)
        kwargs.setdefault("retry_base", settings.pipeline_retry_base_seconds)
        kwargs.setdefault("max_attempts", settings.inbox_max_attempts)
        super().__init__(tasks=tasks or settings.inbox_workers, **kwargs)  # type: ignore[arg-type]
        self.handle = handle
        self.on_give_up = on_give_up
        self.ready = ready
        self.prepare = prepare
        #: with `prepare`: what its claim also reads in the same statement
        #: (`queue.claim_with`; the SMS channel: the sender's party and the takeover check)
        self.claim_join = claim_join
        #: what `prepare` returned, by inbox row id, until `process` takes it
        self._prepared: Dict[int, Any] = {}
        #: rows whose turn is over, closed as `done` by the next claim (`process`)
        self._done: List[int] = []
        self._done_lock = threading.Lock()

    async def blocked_reason(self) -> Optional[str]:
        reason = await self.ready() if self.ready is not None else None
        if reason is not None and self._done:
            # no claim will close the answered rows while blocked (Redis down): close them
            # now, before their leases run out and another replica answers them again
            await self._close_pending()
        return reason

    def _claim(self, done: Sequence[int] = ()) -> Any:
        """Claim the next row, closing the rows this worker finished since its last claim
        in the same statement (see `process`); if the claim fails they wait for the next."""
        done = tuple(done) + self._take_done()
        try:
            return self._claim_closing(done)
        except BaseException:
            self._keep_done(done)
            raise

    def _take_done(self) -> Tuple[int, ...]:
        with self._done_lock:
            done, self._done = tuple(self._done), []
        return done

    def _keep_done(self, done: Sequence[int]) -> None:
        with self._done_lock:
            self._done[:0] = done

    def _claim_closing(self, done: Tuple[int, ...]) -> Any:
        if self.prepare is None:
            return super()._claim(done)
        failed: Optional[BaseException] = None
        try:
            with session_scope(durable=self.durable_claim) as s:
                if self.claim_join is not None:
                    row = queue.claim_with(s, self.model, self.worker_id, self.lease,
                                           self.claim_join, done=done)
                else:
                    row = queue.claim(s, self.model, self.worker_id, self.lease, done=done)
                if row is None:
                    return None
                try:
                    prepared = self.prepare(s, row)
                except Exception as exc:
                    failed = exc
                    raise
            self._prepared[row.id] = prepared  # committed: the handler may rely on it
            return row
        except Exception:
            if failed is None:  # the claim itself failed (database unreachable)
                raise
        logger.warning("inbox: preparing a claimed row failed (%s: %s); claiming it alone",
                       type(failed).__name__, failed)
        return super()._claim(done)  # the close was rolled back with the claim: again here

    def take_prepared(self, row_id: int) -> Any:
        """What `prepare` returned for the row this worker claimed, once; else None."""
        return self._prepared.pop(row_id, None)

    async def process(self, row: InboxMessage) -> None:
        """Run the turn; the row is then closed as `done` by this worker's next claim
        (`_claim`), which its task makes as soon as this returns: one statement for the
        close and the claim, not two (a round trip, a thread hand-off and a pooled
        connection less per message). Until then the row stays claimed under this
        worker's lease, so nothing else takes it or the conversation's next message;
        `stop` closes what no claim did. A process that dies in between has its lease run
        out and the turn redone, as a death just before a separate close would."""
        try:
            await self.handle(row)
        finally:
            self._prepared.pop(row.id, None)  # a handler that did not take it
        with self._done_lock:
            self._done.append(row.id)

    async def stop(self) -> None:
        """Stop the workers, then close the rows they finished that no claim closed."""
        await super().stop()
        await self._close_pending()

    async def _close_pending(self) -> None:
        """Close the answered rows no claim has closed yet (a failure keeps them for the
        next claim or close; their leases keep them from anyone else meanwhile)."""
        done = self._take_done()
        if done:
            try:
                await asyncio.to_thread(self._close_done, done)
            except Exception:
                self._keep_done(done)
                logger.exception("inbox: closing %d finished rows failed", len(done))

    def _close_done(self, done: Sequence[int]) -> None:
        with connection_scope() as conn:
            queue.close_done(conn, self.worker_id, done)

    async def give_up(self, row: InboxMessage, error: str) -> None:
        self._prepared.pop(row.id, None)
        try:
            await self.on_give_up(row, error)
        finally:
            await asyncio.to_thread(self._finish, row.id, "failed", last_error=error[:2000],
                                    done_at=clock.now())
