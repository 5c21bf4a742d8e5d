"""Reading a Twilio webhook safely: size limit, strict UTF-8, signature check.

Rasa's channels trust whatever arrives. Here a request is only processed when its
`X-Twilio-Signature` matches the URL Twilio was told to call (PUBLIC_URL + path + query)
and its form body; anything else is answered with a clean 4xx and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional
from urllib.parse import parse_qs

from sanic.request import Request
from twilio.request_validator import RequestValidator

from bot.config import get_settings

MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class WebhookError(Exception):
    """A webhook we refuse: HTTP `status` and a short reason."""

    status: int
    reason: str


def public_uri(request: Request) -> str:
    """The URL Twilio signed: our public base URL plus the request's path and query."""
    uri = get_settings().public_url + request.path
    if request.query_string:
        uri += "?" + request.query_string
    return uri


def parse_form(body: bytes) -> Dict[str, List[str]]:
    """Decode an `application/x-www-form-urlencoded` body as strict UTF-8."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookError(413, "request body too large")
    try:
        text = body.decode("utf-8")
        return parse_qs(text, keep_blank_values=True, strict_parsing=False,
                        encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise WebhookError(400, "request body is not valid UTF-8") from exc


def verified_form(request: Request) -> Dict[str, str]:
    """The form of a signed Twilio request (first value of each field), or WebhookError."""
    form = parse_form(request.body or b"")
    signature = request.headers.get("X-Twilio-Signature")
    if not signature:
        raise WebhookError(403, "missing X-Twilio-Signature")
    validator = RequestValidator(get_settings().twilio_auth_token)
    if not validator.validate(public_uri(request), _MultiDict(form), signature):
        raise WebhookError(403, "invalid X-Twilio-Signature")
    return {key: values[0] for key, values in form.items()}


class _MultiDict(dict):
    """Repeated form fields, in the shape RequestValidator understands."""

    def getall(self, key: str) -> List[str]:
        return self[key]


def sign(url: str, params: Dict[str, str], auth_token: Optional[str] = None) -> str:
    """Compute Twilio's signature for a request (used by tests, the demo and the bench)."""
    token = auth_token if auth_token is not None else get_settings().twilio_auth_token
    return RequestValidator(token).compute_signature(url, params)
