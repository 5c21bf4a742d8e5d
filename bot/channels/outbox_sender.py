"""Draining the outbox to Twilio: in order per conversation, retried, results recorded.

Each row is one attempt per claim: success records the `sent` contact with Twilio's sid;
429, 5xx, timeouts and connection errors put the row back with backoff and jitter (the
row stays, and later texts of the same conversation wait behind it, so order holds); any
other error, or too many attempts, records a `failed` contact. Twilio error 21610 (the
number replied STOP to the carrier) also records the opt-out.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

from twilio.rest import Client

from bot import clock
from bot.channels.outbox import mark_opted_out, record_contact
from bot.channels.runner import QueueRunner
from bot.channels.twilio_client import ERROR_UNSUBSCRIBED, is_retryable, make_client
from bot.config import get_settings
from bot.store import queue, repo
from bot.store.db import get_engine, session_scope, statement_scope
from bot.store.models import OutboxMessage

logger = logging.getLogger(__name__)

WITHHELD = "optout.after_queue: the number opted out after this text was queued"


class RetryableSendError(Exception):
    """Twilio (or the network) said "not now": the row is retried later."""


class OutboxSender(QueueRunner):
    """Sends queued SMS through the Twilio REST API (TWILIO_API_BASE honoured)."""

    model = OutboxMessage
    name = "outbox"

    def __init__(self, client: Optional[Client] = None, *, status_callback: Optional[str] = None,
                 tasks: int = 8, **kwargs: Any) -> None:
        settings = get_settings()
        kwargs.setdefault("lease", settings.pipeline_lease_seconds)
        kwargs.setdefault("retry_base", settings.pipeline_retry_base_seconds)
        kwargs.setdefault("max_attempts", settings.outbox_max_attempts)
        super().__init__(tasks=tasks, **kwargs)
        self.client = client or make_client(settings)
        self.status_callback = status_callback
        self._executor = ThreadPoolExecutor(max_workers=tasks, thread_name_prefix="twilio")
        #: what `_take`'s send did, by row id, until `process` takes it: None (sent and
        #: recorded), the send's exception, or `_RecordFailed`
        self._outcomes: Dict[int, Any] = {}

    async def _take(self) -> Optional[Any]:
        """The claim, the Twilio send and its record in one trip to a worker thread (each
        hand-off cost measurable CPU); the next task is woken as soon as the row is
        claimed, before the send. What the send did waits in `_outcomes` for `process`."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._claim_and_send, loop)

    def _claim_and_send(self, loop: asyncio.AbstractEventLoop) -> Optional[Any]:
        row = self._claim()
        if row is None:
            return None
        try:
            loop.call_soon_threadsafe(self.wake)  # there may be more: one more task looks
        except RuntimeError:  # the loop closed meanwhile (shutdown): nobody to wake
            pass
        if not row.withheld:
            try:
                self._outcomes[row.id] = self._send_and_record(row, self._send_kwargs(row))
            except Exception as exc:  # recording the send failed: `process` raises it
                self._outcomes[row.id] = _RecordFailed(exc)
        return row

    def _send_kwargs(self, row: OutboxMessage) -> Dict[str, Any]:
        kwargs: Dict[str, Any] = {"to": row.to_number, "from_": row.from_number, "body": row.body}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        return kwargs

    async def process(self, row: OutboxMessage) -> None:
        outcome = self._outcomes.pop(row.id, _NOT_SENT)
        if row.withheld:  # opted out since it was queued (read by the claim: queue.claim)
            await asyncio.to_thread(self._record_failure, row, WITHHELD, None, "blocked")
            return
        if isinstance(outcome, _RecordFailed):  # as if raised here: retried like any other
            raise outcome.error
        if outcome is _NOT_SENT:  # a row claimed elsewhere (not by `_take`): send it now
            # the send and its record in one trip to a worker thread; a failure of the
            # send comes back to be classified here, a failure of the record propagates
            outcome = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._send_and_record, row, self._send_kwargs(row))
        failed = outcome
        if failed is None:
            return
        if is_retryable(failed):  # retry later, or record the failure now
            raise RetryableSendError(_describe(failed)) from failed
        await asyncio.to_thread(self._record_failure, row, _describe(failed),
                                getattr(failed, "code", None))

    def _send_and_record(self, row: OutboxMessage, kwargs: Dict[str, Any]
                         ) -> Optional[Exception]:
        """Send `row` through Twilio and record it as sent; in a worker thread. Returns
        the exception when the *send* failed (nothing recorded yet), else None."""
        try:
            message = self.client.messages.create(**kwargs)
        except Exception as exc:  # classified by `process`
            return exc
        self._record_sent(row, message.sid)
        return None

    async def give_up(self, row: OutboxMessage, error: str) -> None:
        await asyncio.to_thread(self._record_failure, row, error, None)

    def _record_sent(self, row: OutboxMessage, sid: str) -> None:
        at = clock.now()
        if row.account_id is None:  # no account on file: only the row is closed
            with statement_scope() as conn:
                closed = queue.finish(conn, OutboxMessage, row.id, self.worker_id, "sent",
                                      provider_sid=sid, sent_at=at)
            record_contact(None, None, to=row.to_number)
        else:  # Twilio has just made this sid: no contact row carries it yet
            # PostgreSQL: the close, the contact and its evidence are one Core statement
            # (repo.record_sent), so a transaction of its own on an autocommit connection
            # of the durable pool: no BEGIN and COMMIT round trips, durable when it returns
            scope = statement_scope if get_engine().dialect.name == "postgresql" \
                else session_scope
            with scope() as s:
                closed = repo.record_sent(
                    s, outbox_id=row.id, worker=self.worker_id, account_id=row.account_id,
                    to=row.to_number, from_=row.from_number, text=row.body,
                    provider_sid=sid, debt_id=row.debt_id, at=at)
        if not closed:
            logger.warning("outbox row %s was sent after its lease ran out", row.id)

    def _record_failure(self, row: OutboxMessage, error: str, code: Optional[int],
                        status: str = "failed") -> None:
        logger.error("outbox row %s not sent: %s", row.id, error)
        with session_scope() as s:
            queue.finish(s, OutboxMessage, row.id, self.worker_id, "failed",
                         last_error=error[:2000])
            record_contact(s, row.account_id, channel="sms", direction="outbound",
                           to=row.to_number, from_=row.from_number, status=status,
                           text=row.body, reasons=(error,), debt_id=row.debt_id)
            if code == ERROR_UNSUBSCRIBED:
                mark_opted_out(s, row.to_number, "sms", "keyword")

    async def close(self) -> None:
        await self.stop()
        self._executor.shutdown(wait=False)


class _RecordFailed:
    """Twilio took the text but recording it failed: `process` raises `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error


#: `process` found no outcome of `_take` for its row
_NOT_SENT = object()


def _describe(exc: BaseException) -> str:
    status, code = getattr(exc, "status", None), getattr(exc, "code", None)
    return f"twilio {code or status or type(exc).__name__}: {getattr(exc, 'msg', exc)}"
