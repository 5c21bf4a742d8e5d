"""The compliant Twilio SMS channel (`twilio` in credentials.yml, by dotted path).

Fixes Rasa's `TwilioInput`: signature check, clean 4xx on bad input, idempotency on
MessageSid, opt-out / opt-in / help keywords answered before NLU, every outgoing text
screened by the gate, non-blocking ordered sends with retries, a delivery-status route,
and carrier error 21610 recorded as an opt-out. Every message in and out is a contact row.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import clock
from bot.channels import outbox
from bot.channels.texts import text as fixed_text
from bot.channels.twilio_client import ERROR_UNSUBSCRIBED, SendResult, SmsSender
from bot.channels.webhook import WebhookError, verified_form
from bot.config import get_settings
from bot.store import repo
from bot.store.db import session_scope
from compliance_filters import keyword_action, load_pack, redact

logger = logging.getLogger(__name__)

MAX_SMS_CHARS = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twiml(status: int = 200) -> HTTPResponse:
    return response.text(EMPTY_TWIML, status=status, content_type="text/xml")


def record_contact(s: Any, account_id: Optional[str], **fields: Any) -> None:
    """Record a contact row; numbers with no account on file have no row to attach to."""
    if account_id is None:
        logger.info("contact with unknown number %s not stored", redact(fields.get("to", "")))
        return
    repo.record_contact(s, account_id=account_id, **fields)


def mark_opted_out(s: Any, phone: str, channel: str, source: str) -> bool:
    """Record an opt-out; True when the number was not opted out before."""
    was = repo.is_opted_out(s, phone, channel)
    account = repo.find_account_by_phone(s, phone)
    repo.record_optout(
        s, account_id=account.account_id if account else None, phone=phone,
        channel=channel, source=source,
    )
    return not was


class CompliantTwilioOutput(TwilioOutput):
    """Sends through the gate and the per-conversation queue, never directly."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, sender: SmsSender, twilio_number: str, *, kind: str = "outbound") -> None:
        settings = get_settings()
        super().__init__(settings.twilio_account_sid, settings.twilio_auth_token, twilio_number)
        self.sender = sender
        # The first text of a new contact attempt is "outbound" (window + caps); the
        # rest of the same turn, and every answer to the debtor, are replies.
        self.kind = kind
        self._fallback_used = False

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, text)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, image)

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        """Custom payloads (e.g. the handoff signal) are for voice; SMS sends nothing."""
        logger.debug("ignoring custom payload on sms: keys %s", sorted(json_message))

    async def deliver(self, phone: str, text: str, *, kind: Optional[str] = None) -> bool:
        """Screen `text` and queue it if allowed; a blocked reply gets a safe fallback."""
        kind = kind or self.kind
        with session_scope() as s:
            screened = outbox.screen(s, phone=phone, text=text, channel="sms", kind=kind)
            if not screened.send and fallback_may_help(screened) \
                    and kind == "reply" and not self._fallback_used:
                self._fallback_used = True
                screened = outbox.screen(
                    s, phone=phone, text=fixed_text("fallback", screened.language),
                    channel="sms", kind=kind,
                )
        if not screened.send:
            return False
        if self.kind == "outbound":
            self.kind = "reply"
        self.sender.enqueue(phone, phone, screened.text,
                            on_done=_recorder(screened.account_id, screened.debt_id, phone,
                                              screened.text, self.sender.from_number))
        return True


def fallback_may_help(screened: outbox.Screened) -> bool:
    """A fallback can replace a blocked *text*; it cannot help with a blocked *contact*."""
    if screened.decision.status != "blocked":
        return False
    return not any(r.rule.split(".")[0] in ("optout", "status", "window", "cap")
                   for r in screened.decision.reasons)


def _recorder(
    account_id: Optional[str], debt_id: Optional[str], phone: str, body: str, from_: str
) -> Callable[[SendResult], Awaitable[None]]:
    async def record(result: SendResult) -> None:
        with session_scope() as s:
            reasons = () if result.ok else (f"twilio {result.code or result.status}: {result.error}",)
            record_contact(
                s, account_id, channel="sms", direction="outbound", to=phone, from_=from_,
                status="sent" if result.ok else "failed", text=body, reasons=reasons,
                provider_sid=result.sid, debt_id=debt_id,
            )
            if not result.ok and result.code == ERROR_UNSUBSCRIBED:
                mark_opted_out(s, phone, "sms", "keyword")
    return record


class CompliantTwilioInput(TwilioInput):
    """Inbound SMS webhook (`/webhooks/twilio/webhook`) and status callbacks."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> CompliantTwilioInput:
        """Settings come from the environment (bot.config); credentials.yml may override."""
        settings = get_settings()
        credentials = credentials or {}
        return cls(
            credentials.get("account_sid") or settings.twilio_account_sid,
            credentials.get("auth_token") or settings.twilio_auth_token,
            credentials.get("twilio_number") or settings.twilio_number,
            debug_mode=False,
        )

    def __init__(self, account_sid: Optional[str], auth_token: Optional[str],
                 twilio_number: Optional[str], debug_mode: bool = False,
                 sender: Optional[SmsSender] = None) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self._sender = sender

    @property
    def sender(self) -> SmsSender:
        if self._sender is None:
            settings = get_settings()
            self._sender = SmsSender(
                from_number=self.twilio_number,
                status_callback=f"{settings.public_url}/webhooks/{self.name()}/status",
            )
        return self._sender

    def get_output_channel(self) -> OutputChannel:
        """Used by trigger_intent: a new contact attempt, screened as outbound."""
        return CompliantTwilioOutput(self.sender, self.twilio_number, kind="outbound")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("twilio_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            try:
                form = verified_form(request)
                return await self.handle_inbound(form, on_new_message)
            except WebhookError as exc:
                logger.warning("rejected sms webhook: %s", exc.reason)
                return response.text(exc.reason, status=exc.status)

        @bp.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            try:
                form = verified_form(request)
            except WebhookError as exc:
                logger.warning("rejected sms status callback: %s", exc.reason)
                return response.text(exc.reason, status=exc.status)
            return self.handle_status(form)

        return bp

    def handle_status(self, form: Dict[str, str]) -> HTTPResponse:
        sid = form.get("MessageSid") or form.get("SmsSid")
        raw = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
        if not sid or not raw:
            return response.text("MessageSid and MessageStatus are required", status=400)
        status = {"delivered": "delivered", "undelivered": "failed", "failed": "failed"}.get(raw)
        if status is None:  # queued / sending / sent / accepted
            status = "sent"
        error_code = form.get("ErrorCode") or None
        with session_scope() as s:
            repo.update_contact_status(s, sid, status, error_code=error_code)
            if error_code == str(ERROR_UNSUBSCRIBED) and form.get("To"):
                mark_opted_out(s, form["To"], "sms", "keyword")
        return response.text("", status=204)

    async def handle_inbound(
        self, form: Dict[str, str], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        phone, body, sid = form.get("From"), form.get("Body"), form.get("MessageSid")
        if not phone or body is None or not sid:
            raise WebhookError(400, "From, Body and MessageSid are required")
        if len(body) > MAX_SMS_CHARS:
            raise WebhookError(400, f"Body longer than {MAX_SMS_CHARS} characters")
        at = clock.now()
        with session_scope() as s:
            if not repo.claim_message_sid(s, sid):
                logger.info("duplicate MessageSid %s ignored", sid)
                return twiml()
            account = repo.find_account_by_phone(s, phone)
            account_id = account.account_id if account else None
            language = (account.language if account else None) or outbox.pack_language(phone)
            timezone = (account.timezone if account else None) or "UTC"
            record_contact(
                s, account_id, channel="sms", direction="inbound", to=form.get("To") or self.twilio_number,
                from_=phone, status="received", text=body, provider_sid=sid, at=at,
            )
            opted_out = repo.is_opted_out(s, phone, "sms")
            # STOP/START/HELP and their variants come from the account's rule pack
            pack = load_pack(account.pack if account else ("cn" if phone.startswith("+86") else "us"))
            keyword = keyword_action(pack, body, opted_out)
            reply: Optional[tuple[str, str]] = None
            if keyword == "optout":
                if mark_opted_out(s, phone, "sms", "keyword"):
                    reply = (fixed_text("optout_confirm", language), "confirmation")
            elif keyword == "optin":
                if opted_out:
                    repo.remove_optout(s, phone=phone, channel="sms", source="keyword")
                reply = (fixed_text("optin_confirm", language), "reply")
            elif keyword == "help":
                reply = (fixed_text("help", language), "reply")
            handled = keyword == "optout" or reply is not None
        out = CompliantTwilioOutput(self.sender, self.twilio_number, kind="reply")
        if handled:
            if reply is not None:
                await out.deliver(phone, reply[0], kind=reply[1])
            return twiml()
        metadata = {"at": at.isoformat(), "timezone": timezone, "message_sid": sid}
        try:
            await on_new_message(UserMessage(
                body, out, phone, input_channel=self.name(), message_id=sid, metadata=metadata,
            ))
        except Exception:
            logger.exception("assistant failed on an inbound sms")
            return twiml(500)
        return twiml()
