"""A Twilio REST client that honours TWILIO_API_BASE, and which errors deserve a retry.

Tests, the demo and the benchmark point TWILIO_API_BASE at a local stand-in; production
leaves it unset. Sending itself is `bot.channels.outbox_sender` (ordered, durable).
"""

from __future__ import annotations

import logging
from typing import Any, Optional

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


def is_retryable(exc: BaseException) -> bool:
    """5xx, 429 (rate limited) and connection problems are worth retrying; other 4xx never are."""
    if isinstance(exc, TwilioRestException):
        return exc.status is None or exc.status >= 500 or exc.status == 429
    return isinstance(exc, (requests.ConnectionError, requests.Timeout, ConnectionError))
