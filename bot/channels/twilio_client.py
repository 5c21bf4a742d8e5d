"""A Twilio REST client that honours TWILIO_API_BASE, and a retrying, ordered SMS sender.

Tests, the demo and the benchmark point TWILIO_API_BASE at a local stand-in; production
leaves it unset. Sends run in a thread pool (the twilio library is blocking) behind one
queue per conversation, so the webhook never waits on Twilio and a conversation's texts
arrive in the order the assistant produced them.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.config import Settings, get_settings

logger = logging.getLogger(__name__)

TWILIO_API_PREFIXES = ("https://api.twilio.com",)
#: Twilio error: the recipient replied STOP (carrier-level opt-out).
ERROR_UNSUBSCRIBED = 21610


class BaseUrlHttpClient(TwilioHttpClient):
    """Rewrites the api.twilio.com prefix of every request URL to `base`."""

    def __init__(self, base: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # type: ignore[override]
        for prefix in TWILIO_API_PREFIXES:
            if url.startswith(prefix):
                url = self.base + url[len(prefix):]
                break
        return super().request(method, url, *args, **kwargs)


def make_client(settings: Optional[Settings] = None) -> Client:
    """A twilio `Client` for `settings`, redirected when TWILIO_API_BASE is set."""
    settings = settings or get_settings()
    http_client = (
        BaseUrlHttpClient(settings.twilio_api_base, timeout=10)
        if settings.twilio_api_base
        else TwilioHttpClient(timeout=10)
    )
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)


@dataclass(frozen=True)
class SendResult:
    """What happened to one send: `sid` on success, else the error."""

    ok: bool
    sid: Optional[str] = None
    status: Optional[int] = None
    code: Optional[int] = None
    error: str = ""
    attempts: int = 0


def is_retryable(exc: BaseException) -> bool:
    """5xx, 429 (rate limited) and connection problems are worth retrying; other 4xx never are."""
    if isinstance(exc, TwilioRestException):
        return exc.status is None or exc.status >= 500 or exc.status == 429
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, ConnectionError))


@dataclass(frozen=True)
class _Job:
    to: str
    body: str
    on_done: Optional[Callable[[SendResult], Awaitable[None]]]


class SmsSender:
    """Sends SMS through Twilio: non-blocking, retried with backoff, ordered per conversation."""

    def __init__(
        self,
        client: Optional[Client] = None,
        from_number: Optional[str] = None,
        *,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        max_workers: int = 16,
        status_callback: Optional[str] = None,
    ) -> None:
        settings = get_settings()
        self.client = client or make_client(settings)
        self.from_number = from_number or settings.twilio_number
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.status_callback = status_callback
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="twilio")
        self._queues: Dict[str, Tuple[asyncio.Queue, asyncio.Task]] = {}

    def enqueue(
        self,
        conversation_id: str,
        to: str,
        body: str,
        on_done: Optional[Callable[[SendResult], Awaitable[None]]] = None,
    ) -> None:
        """Queue `body` for `to`; returns at once. `on_done` runs after the final attempt."""
        entry = self._queues.get(conversation_id)
        if entry is None or entry[1].done():
            queue: asyncio.Queue = asyncio.Queue()
            task = asyncio.get_running_loop().create_task(self._worker(conversation_id, queue))
            entry = (queue, task)
            self._queues[conversation_id] = entry
        entry[0].put_nowait(_Job(to, body, on_done))

    async def drain(self) -> None:
        """Wait until every queued message has been sent or given up (tests, shutdown)."""
        while self._queues:
            await asyncio.gather(*(task for _, task in list(self._queues.values())))

    async def _worker(self, conversation_id: str, queue: asyncio.Queue) -> None:
        """Send the conversation's queue in order; exit when it is empty (no idle tasks)."""
        while not queue.empty():
            job: _Job = queue.get_nowait()
            try:
                result = await self.send_now(job.to, job.body)
                if job.on_done is not None:
                    await job.on_done(result)
            except Exception:  # a bad callback must not kill the conversation's queue
                logger.exception("SMS send callback failed")
            finally:
                queue.task_done()
        # No await since the emptiness check: nothing can be enqueued to this queue now.
        if self._queues.get(conversation_id, (None,))[0] is queue:
            del self._queues[conversation_id]

    async def close(self) -> None:
        """Finish queued sends, then release the thread pool."""
        await self.drain()
        self._executor.shutdown(wait=False)

    async def send_now(self, to: str, body: str) -> SendResult:
        """Send one message, retrying 5xx / connection errors with exponential backoff."""
        loop = asyncio.get_running_loop()
        kwargs: Dict[str, Any] = {"to": to, "from_": self.from_number, "body": body}
        if self.status_callback:
            kwargs["status_callback"] = self.status_callback
        attempt = 0
        while True:
            attempt += 1
            try:
                message = await loop.run_in_executor(
                    self._executor, lambda: self.client.messages.create(**kwargs)
                )
                return SendResult(ok=True, sid=message.sid, attempts=attempt)
            except Exception as exc:  # classified below; unknown errors are not retried
                retry = is_retryable(exc) and attempt < self.max_attempts
                status = getattr(exc, "status", None)
                code = getattr(exc, "code", None)
                logger.warning("SMS send attempt %d failed (status %s, code %s)%s",
                               attempt, status, code, "; retrying" if retry else "")
                if not retry:
                    return SendResult(ok=False, status=status, code=code,
                                      error=f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}",
                                      attempts=attempt)
                await asyncio.sleep(self.base_delay * (2 ** (attempt - 1)))
