"""The compliant Twilio SMS channel (`twilio` in credentials.yml, by dotted path).

Fixes Rasa's `TwilioInput`: signature check, clean 4xx on bad input, and a durable
pipeline: the webhook only stores the message in the inbox (a repeated MessageSid is a
no-op) and answers empty TwiML at once; inbox workers run the turn later, in order per
conversation. Opt-out / opt-in / help keywords are answered before NLU; every outgoing
text takes the one send path (`outbox.send`) and leaves through the ordered, retrying
outbox sender; carrier error 21610 is recorded as an opt-out; `/health` reports the
database, Redis, the model and the backlog. Every message in and out is a contact row.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from bot.channels import health, inbox, outbox, wakeup
from bot.channels.outbox import Turn, fallback_may_help, mark_opted_out, record_contact
from bot.channels.outbox_sender import OutboxSender
from bot.channels.texts import text as fixed_text
from bot.channels.twilio_client import ERROR_UNSUBSCRIBED
from bot.channels.webhook import WebhookError, verified_form
from bot.config import get_settings
from bot.console.routing import queue_handoff
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import ContactAttempt, InboxMessage
from compliance_filters import keyword_action, load_pack

__all__ = ["CompliantTwilioInput", "CompliantTwilioOutput", "fallback_may_help",
           "mark_opted_out", "record_contact"]

logger = logging.getLogger(__name__)

MAX_SMS_CHARS = 1600
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


#: what an inbound message's first store work found: the turn's party, the keyword
#: answer (text and kind) if any, and whether the message is handled without the assistant
Received = Tuple[Turn, Optional[Tuple[str, str]], bool]


class TurnNotRun(Exception):
    """A dependency the turn needs is down; the inbox row is retried later."""


def twiml(status: int = 200) -> HTTPResponse:
    return response.text(EMPTY_TWIML, status=status, content_type="text/xml")


class CompliantTwilioOutput(OutputChannel):
    """The assistant's SMS output: every text takes `outbox.send`, never Twilio directly.

    Derives from Rasa's plain `OutputChannel` (Rasa's `TwilioOutput` is a Twilio client whose
    `_send_message` would bypass the gate). The turn's party travels with the channel."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, sender: Optional[OutboxSender], twilio_number: str, *,
                 kind: str = "outbound", turn: Optional[Turn] = None) -> None:
        self.sender = sender
        self.twilio_number = twilio_number
        # The first text of a new contact attempt is "outbound" (window + caps); the
        # rest of the same turn, and every answer to the debtor, are replies.
        self.kind = kind
        self.turn = turn
        self._fallback_used = False
        self._resume_tried = False

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # An action marks the one message allowed after a cease (utter(..., message_kind=...)).
        await self.deliver(recipient_id, text, kind="confirmation" if kwargs.get("message_kind") == "confirmation" else None)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.deliver(recipient_id, image)

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        """Custom payloads (e.g. the handoff signal) are for voice; SMS sends nothing."""
        logger.debug("ignoring custom payload on sms: keys %s", sorted(json_message))

    async def deliver(self, phone: str, text: str, *, kind: Optional[str] = None) -> bool:
        """Send `text` down the one send path; a blocked reply gets the fallback once."""
        kind = kind or self.kind
        screened = await asyncio.to_thread(self._send, phone, text, kind)
        self._fallback_used = self._fallback_used or screened.fallback
        if not screened.send:
            if kind == "reply" and not self._resume_tried and _stopped_by_optout(screened):
                # the debtor wrote after opting out ("退订", then "我要还款"): one answer on
                # how to resume, not silence (bot/dialogue/README.md, "After an opt-out")
                self._resume_tried = True
                notice = await asyncio.to_thread(self._resume_notice, phone)
                if notice is not None:
                    return await self.deliver(phone, notice, kind="confirmation")
            return False
        if self.kind == "outbound":
            self.kind = "reply"
        if self.sender is not None:
            self.sender.wake()
        return True

    def _send(self, phone: str, text: str, kind: str) -> outbox.Screened:
        """The store work of one send, run off the event loop. Not flushed to disk at
        commit: the outbox claim before the Twilio send is (bot.store.db.session_scope)."""
        with session_scope(durable=False) as s:
            if self.turn is None or self.turn.phone != phone:
                self.turn = outbox.turn_for(s, phone)
            # `deliver` wakes this process's sender: when one of its tasks waits idle, a
            # NOTIFY would only add an empty claim in every process (this one included)
            return outbox.send(
                s, self.turn, text, channel="sms", kind=kind, from_number=self.twilio_number,
                fallback=kind == "reply" and not self._fallback_used,
                wake_others=self.sender is None or self.sender.idle_tasks() < 1,
            )


    def _resume_notice(self, phone: str) -> Optional[str]:
        """The resume notice when this turn's message is the first from `phone` since its
        opt-out (a later one gets nothing more: the notice is said once per opt-out)."""
        with session_scope(durable=False) as s:
            return resume_notice(s, phone, self.turn)


def _stopped_by_optout(screened: outbox.Screened) -> bool:
    return any(r.rule.split(".")[0] == "optout" or r.rule == "status.cease"
               for r in screened.decision.reasons)


def resume_notice(s: Any, phone: str, turn: Optional[Turn]) -> Optional[str]:
    """`optout_resume` (texts only: reply START, or call) or `cease_resume` (everything:
    call), when the inbound message of `turn` is the first from `phone` since the latest
    opt-out in force; None otherwise."""
    from bot.store.models import OptOut

    if turn is None or turn.inbox_id is None:
        return None
    optouts = list(s.execute(select(OptOut.channel, OptOut.at).where(
        OptOut.phone == phone, OptOut.channel.in_(("sms", "all")), OptOut.active.is_(True))))
    if not optouts:
        return None
    since = max(at for _, at in optouts)
    first = s.execute(select(InboxMessage.id).where(
        InboxMessage.from_number == phone, InboxMessage.channel == "sms",
        InboxMessage.received_at > since).order_by(InboxMessage.id).limit(1)).scalar()
    if first != turn.inbox_id:
        return None
    everything = any(channel == "all" for channel, _ in optouts)
    return fixed_text("cease_resume" if everything else "optout_resume", turn.language)


class CompliantTwilioInput(TwilioInput):
    """Inbound SMS webhook (`/webhooks/twilio/webhook`), status callbacks, `/health`,
    and the pipeline's workers (started and stopped with the server)."""

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
                 sender: Optional[OutboxSender] = None) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self._sender = sender
        self.worker: Optional[inbox.InboxWorker] = None
        #: the action server's webhook; None: taken from Rasa's agent when the server starts
        self.action_webhook_url: Optional[str] = None
        self._app: Any = None
        # a stored message wakes this process's inbox worker (`handle_inbound`); other
        # processes are notified only when it has fewer idle tasks than the batch has rows
        self._batcher = inbox.AcceptBatcher(
            local_idle=lambda: self.worker.idle_tasks() if self.worker is not None else 0)
        self._listener: Optional[wakeup.Listener] = None

    @property
    def sender(self) -> OutboxSender:
        if self._sender is None:
            settings = get_settings()
            self._sender = OutboxSender(
                status_callback=f"{settings.public_url}/webhooks/{self.name()}/status",
            )
        return self._sender

    def get_output_channel(self) -> OutputChannel:
        """Used by trigger_intent: a new contact attempt, screened as outbound."""
        return CompliantTwilioOutput(self.sender, self.twilio_number, kind="outbound")

    # ---------------------------------------------------------------- pipeline
    def start_pipeline(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       app: Any = None) -> None:
        """Start the inbox workers and the outbox sender in the running event loop."""
        self._app = app
        if self.action_webhook_url is None:
            endpoint = getattr(self._agent(), "action_endpoint", None)
            self.action_webhook_url = getattr(endpoint, "url", None)

        settings = get_settings()
        if settings.process_role == "front":
            # `collectbot run` with turn processes: they take the turns and send; this
            # process only acknowledges, so a burst of turns never delays an answer to Twilio
            logger.info("sms: front process; turns run in the turn processes")
            return
        self.worker = self.inbox_worker(on_new_message, ready=health.redis_problem)
        self.worker.start()
        self.sender.start()
        self._listener = wakeup.Listener(settings.database_url,
                                         [self.worker.wake, self.sender.wake],
                                         asyncio.get_running_loop()).start()

    def inbox_worker(self, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     **kwargs: Any) -> inbox.InboxWorker:
        """Inbox workers that answer with `on_new_message`; the turn's first store work
        (`_receive_in`) shares the claim's transaction."""

        async def handle(row: InboxMessage) -> None:
            await self.process_inbound(row, on_new_message, worker.take_prepared(row.id))

        worker = inbox.InboxWorker(handle, self.give_up, prepare=self._receive_in,
                                   claim_join=outbox.claimed_with_turn, **kwargs)
        return worker

    async def stop_pipeline(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        if self.worker is not None:
            await self.worker.stop()
        await self.sender.close()
        await self._batcher.close()

    def _agent(self) -> Any:
        return getattr(getattr(self._app, "ctx", None), "agent", None)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until every stored message is answered and every reply sent (tests, bench)."""
        assert self.worker is not None, "pipeline not started"
        await self.worker.drain(timeout)
        await self.sender.drain(timeout)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("twilio_webhook", __name__)

        @bp.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            self.start_pipeline(on_new_message, app)

        @bp.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self.stop_pipeline()

        @bp.route("/", methods=["GET"])
        async def root(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/health", methods=["GET"])
        async def health_route(request: Request) -> HTTPResponse:
            self._app = self._app or request.app
            ok, details = await asyncio.to_thread(health.report, self._agent())
            return response.json(details, status=200 if ok else 503)

        @bp.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            try:
                form = verified_form(request)
                return await self.handle_inbound(form)
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

    async def handle_inbound(self, form: Dict[str, str]) -> HTTPResponse:
        """Validate, store in the inbox (one INSERT), answer at once: the turn runs later."""
        phone, body, sid = form.get("From"), form.get("Body"), form.get("MessageSid")
        if not phone or body is None or not sid:
            raise WebhookError(400, "From, Body and MessageSid are required")
        if len(body) > MAX_SMS_CHARS:
            raise WebhookError(400, f"Body longer than {MAX_SMS_CHARS} characters")
        if not await self._batcher.accept(sid=sid, channel="sms", from_number=phone,
                                          to_number=form.get("To") or self.twilio_number,
                                          body=body):
            logger.info("duplicate MessageSid %s ignored", sid)
        elif self.worker is not None:
            self.worker.wake()
        return twiml()

    async def process_inbound(
        self, row: InboxMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]],
        prepared: Optional[Received] = None,
    ) -> None:
        """One turn for an inbox row: keywords first, else the assistant; replies queued.
        `prepared` is `_receive_in`'s result when the claim already ran it (also looked up
        from the channel's worker, for a handler that does not pass it)."""
        phone, body = row.from_number, row.body
        if prepared is None and self.worker is not None:
            prepared = self.worker.take_prepared(row.id)
        turn, reply, handled = prepared if prepared is not None else \
            await asyncio.to_thread(self._receive, row)
        out = CompliantTwilioOutput(self.sender, self.twilio_number, kind="reply", turn=turn)
        if handled:
            if reply is not None:
                await out.deliver(phone, reply[0], kind=reply[1])
            return
        problem = await health.action_server_problem(self.action_webhook_url)
        if problem is not None:
            raise TurnNotRun(problem)
        metadata = {"at": row.received_at.isoformat(), "timezone": turn.timezone,
                    "message_sid": row.sid}
        await on_new_message(UserMessage(
            body, out, phone, input_channel=self.name(), message_id=row.sid, metadata=metadata,
        ))

    def _receive(self, row: InboxMessage) -> Received:
        """`_receive_in` in a transaction of its own. Redone from the inbox row if lost, so
        not flushed to disk at commit."""
        with session_scope(durable=False) as s:
            return self._receive_in(s, row)

    def _receive_in(self, s: Any, row: InboxMessage) -> Received:
        """The turn's party, the inbound contact row (once) and the keyword answer, if any."""
        # the party, and whether a person owns this conversation (bot.console.takeover):
        # read by the claim itself (PostgreSQL), else in one query
        turn, owned = outbox.turn_of_claimed(row) or outbox.turn_and_owner(
            s, row.from_number, inbox_id=row.id)
        # a first claim cannot have recorded the message yet; a retry may have
        if row.attempts <= 1 or s.execute(select(ContactAttempt.id).where(
                ContactAttempt.provider_sid == row.sid)).first() is None:
            record_contact(
                s, turn.account_id, channel="sms", direction="inbound", to=row.to_number,
                from_=row.from_number, status="received", text=row.body,
                provider_sid=row.sid, at=row.received_at, new=True,
                # the claim's transaction ends right after: its evidence rides in the INSERT
                evidence_now=True,
            )
        reply, handled = self._keyword_reply(s, turn, row.body)
        # A person owns this conversation: the bot stays silent.
        return turn, reply, handled or owned

    @staticmethod
    def _keyword_reply(s: Any, turn: Turn, body: str) -> tuple[Optional[tuple[str, str]], bool]:
        """STOP / START / HELP answered without the model: (reply and its kind, handled).

        The keywords and their variants come from the party's rule pack (`keyword_action`),
        so cn's 退订/TD and a creditor's additions work like STOP."""
        phone, language = turn.phone, turn.language
        pack = load_pack(turn.pack)
        # whether the number is opted out only changes what "YES" means: most messages
        # answer the same either way and need no opt-out query
        action = keyword_action(pack, body, False)
        if action != keyword_action(pack, body, True) or action == "optin":
            opted_out = repo.is_opted_out(s, phone, "sms")
            action = keyword_action(pack, body, opted_out)
        else:
            opted_out = False  # not asked: nothing below depends on it
        reply: Optional[tuple[str, str]] = None
        if action == "optout":
            if mark_opted_out(s, phone, "sms", "keyword"):
                reply = (fixed_text("optout_confirm", language), "confirmation")
        elif action == "optin":
            if opted_out:
                repo.remove_optout(s, phone=phone, channel="sms", source="keyword")
            reply = (fixed_text("optin_confirm", language), "reply")
        elif action == "help":
            reply = (fixed_text("help", language), "reply")
        return reply, action == "optout" or reply is not None

    async def give_up(self, row: InboxMessage, error: str) -> None:
        """The turn failed too often: a person takes over; the debtor gets a holding reply."""
        turn = await asyncio.to_thread(_hand_off, row)
        out = CompliantTwilioOutput(self.sender, self.twilio_number, kind="reply", turn=turn)
        await out.deliver(row.from_number, fixed_text("holding", turn.language))



def _hand_off(row: InboxMessage) -> Turn:
    """Queue the conversation for a person (numbers with no account have no queue entry)."""
    with session_scope() as s:
        turn = outbox.turn_for(s, row.from_number, inbox_id=row.id)
        if turn.account_id is not None:
            queue_handoff(s, account_id=turn.account_id, reason="pipeline_failure",
                          conversation_id=row.from_number)
    return turn
