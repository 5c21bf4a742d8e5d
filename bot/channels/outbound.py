"""Starting a conversation: the one entry point for campaigns and the agent console.

Both functions gate the contact attempt first (window, caps, consent, status) as an
`outbound` message (a call as an artificial-voice one: consent on file, no revocation on
either channel, FCC 24-18), so a blocked or deferred attempt never reaches Rasa or Twilio. An
allowed SMS attempt is started with Rasa's `trigger_intent` (`output_channel=twilio`), whose
texts take the one send path (the SMS preflight itself records nothing); an allowed call is placed through Twilio's REST
API with answering-machine detection.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional, Tuple
from urllib.parse import quote

import aiohttp

from bot import clock
from bot.channels import outbox
from bot.channels.outbox import record_contact
from bot.channels.texts import text as fixed_text
from bot.channels.twilio_client import make_client
from bot.config import get_settings
from bot.store import repo
from bot.store.db import session_scope
from compliance_filters import load_pack

logger = logging.getLogger(__name__)


class OutboundError(Exception):
    """The account cannot be contacted at all (unknown account, no phone)."""


@dataclass(frozen=True)
class OutboundResult:
    """What became of a contact attempt: sent, deferred (until), blocked or failed."""

    status: str
    account_id: str
    phone: str = ""
    reasons: Tuple[str, ...] = ()
    next_allowed_at: Optional[datetime] = None
    provider_sid: Optional[str] = None
    detail: str = ""
    messages: Tuple[str, ...] = field(default=())

    @property
    def sent(self) -> bool:
        return self.status == "sent"


def _primary_phone(s, account_id: str) -> Tuple[object, str]:
    account = repo.get_account(s, account_id)
    if account is None:
        raise OutboundError(f"no account {account_id!r}")
    recipient = repo.recipient_for(s, account)
    if not recipient.phones:
        raise OutboundError(f"account {account_id!r} has no phone number")
    return account, recipient.phones[0]


def _gate(account_id: str, channel: str, at: Optional[datetime], *, record: bool = True,
          text: Optional[str] = None):
    """Screen a neutral opening line as an outbound attempt on `channel`.

    `record=False` for SMS: the line is never sent (the assistant's real greeting is,
    screened and recorded once by the send path), so it must leave no decision behind;
    a call's attempt *is* this check, so calls record it. `text` screens those words
    instead of the neutral line (a dry run previewing a campaign step's template)."""
    with session_scope() as s:
        account, phone = _primary_phone(s, account_id)
        opening = text or fixed_text("help", account.language or "en")
        # our calls speak with a synthesized voice: TCPA consent and FCC 24-18 revocations apply
        screened = outbox.screen(s, phone=phone, text=opening, channel=channel,
                                 kind="outbound", at=at or clock.now(), record=record,
                                 artificial_voice=channel == "voice")
    return phone, screened


def _records_calls(account_id: str) -> bool:
    """Does the account's rule pack say collection calls are recorded (`record_calls`)?"""
    with session_scope() as s:
        account = repo.get_account(s, account_id)
        pack = (account.pack if account is not None else None) or "us"
    return load_pack(pack).record_calls


def _held(account_id: str, phone: str, screened) -> OutboundResult:
    """The gate's deferral or block as a result, with its reasons and next allowed time."""
    return OutboundResult(
        status=screened.decision.status, account_id=account_id, phone=phone,
        reasons=outbox.reasons_of(screened.decision),
        next_allowed_at=screened.decision.next_allowed_at,
    )


def preview(account_id: str, channel: str, *, at: Optional[datetime] = None,
            text: Optional[str] = None) -> OutboundResult:
    """What the gate would say now to a contact attempt (status `allowed`, `deferred` with
    its next allowed time, or `blocked` with reasons), recording nothing: `campaign run
    --dry-run` shows it per planned message."""
    try:
        phone, screened = _gate(account_id, channel, at, record=False, text=text)
    except OutboundError as exc:
        return OutboundResult(status="blocked", account_id=account_id, reasons=(str(exc),))
    if screened.send:
        return OutboundResult(status="allowed", account_id=account_id, phone=phone)
    return _held(account_id, phone, screened)


#: the trigger_intent entity that carries a campaign step's own text to the greeting action
NOTICE_ENTITY = "campaign_notice"


async def start_sms(
    account_id: str, intent: str = "start_reminder", *, at: Optional[datetime] = None,
    text: Optional[str] = None,
) -> OutboundResult:
    """Start an SMS conversation with `account_id` if the gate allows it now.

    `text` (a campaign step's template) travels as the `campaign_notice` entity of the
    triggered intent: the greeting action says it first, through the same output channel
    and send path as every other word of the conversation, so the assistant's tracker knows
    what the debtor was told when they answer."""
    # the campaign's own words are screened before the assistant is asked to say them: a
    # banned template is a blocked send on the ledger, not a conversation opened for nothing
    phone, screened = _gate(account_id, "sms", at, record=False, text=text)
    if not screened.send:  # nothing will be sent: now the decision is the record
        phone, screened = _gate(account_id, "sms", at, text=text)
        return _held(account_id, phone, screened)
    settings = get_settings()
    # Rasa does not unquote the conversation id in this route: "%2B1..." would be a
    # different conversation from the "+1..." the SMS webhook uses, so "+" stays literal.
    url = (f"{settings.collectbot_url}/conversations/{quote(phone, safe='+')}/trigger_intent"
           f"?output_channel=twilio&token={quote(settings.api_token, safe='')}")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            payload: dict = {"name": intent}
            if text:
                payload["entities"] = {NOTICE_ENTITY: text}
            async with http.post(url, json=payload) as resp:
                body = await resp.text()
                if resp.status != 200:
                    return OutboundResult(status="failed", account_id=account_id, phone=phone,
                                          detail=f"trigger_intent answered {resp.status}: {body[:200]}")
    except aiohttp.ClientError as exc:
        return OutboundResult(status="failed", account_id=account_id, phone=phone,
                              detail=f"cannot reach {settings.collectbot_url}: {exc}")
    return OutboundResult(status="sent", account_id=account_id, phone=phone)


async def start_call(account_id: str, *, at: Optional[datetime] = None) -> OutboundResult:
    """Place a call to `account_id` if the gate allows it now (AMD on, status callbacks)."""
    phone, screened = _gate(account_id, "voice", at)
    if not screened.send:
        return _held(account_id, phone, screened)
    settings = get_settings()
    client = make_client(settings)
    base = f"{settings.public_url}/webhooks/twilio_voice"
    # where the pack says calls are recorded (cn: the opening announces it), Twilio records
    record = {"record": True} if _records_calls(account_id) else {}
    try:
        call = await asyncio.get_running_loop().run_in_executor(None, lambda: client.calls.create(
            to=phone, from_=settings.twilio_number, url=f"{base}/webhook",
            machine_detection="Enable", status_callback=f"{base}/status",
            status_callback_event=["completed"], **record,
        ))
    except Exception as exc:  # TwilioRestException or connection errors: report, don't raise
        with session_scope() as s:
            record_contact(s, account_id, channel="voice", direction="outbound", to=phone,
                           from_=settings.twilio_number, status="failed", text="",
                           reasons=(f"twilio: {getattr(exc, 'msg', exc)}",),
                           debt_id=screened.debt_id)
        return OutboundResult(status="failed", account_id=account_id, phone=phone,
                              detail=f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}")
    with session_scope() as s:
        record_contact(s, account_id, channel="voice", direction="outbound", to=phone,
                       from_=settings.twilio_number, status="sent", text="",
                       provider_sid=call.sid, debt_id=screened.debt_id)
    return OutboundResult(status="sent", account_id=account_id, phone=phone,
                          provider_sid=call.sid)
