"""The compliant Twilio voice channel (`twilio_voice` in credentials.yml, by dotted path).

Fixes Rasa's `TwilioVoiceInput`: signature check; speech and DTMF input; Polly voice and
Gather language per the debtor's language; the cn recording notice; outbound calls keyed
on `To`; answering machines get only the limited-content voicemail; the handoff payload
becomes a `<Dial>` to the agents; and every response ends in Gather, Dial or Hangup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.twilio_voice import (
    TwilioVoiceCollectingOutputChannel,
    TwilioVoiceInput,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot import clock
from bot.channels import outbox
from bot.channels.texts import text as fixed_text
from bot.channels.twilio_sms import record_contact
from bot.channels.webhook import WebhookError, verified_form
from bot.config import get_settings
from bot.console.calls import link_call
from bot.store import repo
from bot.store.db import session_scope
from compliance_filters.identity import check_collector_identity

logger = logging.getLogger(__name__)

#: language -> (Polly voice, Gather/Say language)
VOICES = {"en": ("Polly.Joanna", "en-US"), "zh": ("Polly.Zhiyu", "cmn-CN")}
RECORDING_NOTICE_ZH = "本通话将被录音"
GATHER_QUERY = "turn=gather"


@dataclass(frozen=True)
class CallParty:
    """Who is on the other end of a call, and how to talk to them."""

    phone: str
    outbound: bool
    account_id: Optional[str]
    debt_id: Optional[str]
    language: str
    pack: str
    name: str

    @property
    def turn(self) -> outbox.Turn:
        """The party as the send path's turn (the account found once for this call turn)."""
        return outbox.Turn(self.phone, self.account_id, self.language, "UTC", self.pack,
                           self.debt_id)

    @property
    def voice(self) -> str:
        return VOICES.get(self.language, VOICES["en"])[0]

    @property
    def speech_language(self) -> str:
        return VOICES.get(self.language, VOICES["en"])[1]


def call_party(s: Any, form: Dict[str, str]) -> CallParty:
    """The debtor: `To` on calls we placed (`outbound-api`), `From` on calls they placed."""
    outbound = form.get("Direction", "").startswith("outbound")
    phone = form.get("To") if outbound else form.get("From")
    if not phone:
        raise WebhookError(400, "To and From are required")
    account = repo.find_account_by_phone(s, phone)
    if account is None:
        return CallParty(phone, outbound, None, None, outbox.pack_language(phone),
                         outbox.pack_for_phone(phone), "")
    debt = repo.primary_debt(s, account)
    return CallParty(
        phone=phone,
        outbound=outbound,
        account_id=account.account_id,
        debt_id=str(debt.id) if debt is not None else None,
        language=account.language or outbox.pack_language(phone),
        pack=account.pack or outbox.pack_for_phone(phone),
        name=account.name or "",
    )


class ScreeningVoiceCollector(TwilioVoiceCollectingOutputChannel):
    """Collects the assistant's turn; notes the handoff payload for a `<Dial>` and the
    lines an action marked as the one confirmation (`message_kind="confirmation"`)."""

    def __init__(self) -> None:
        super().__init__()
        self.handoff = False

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        before = len(self.messages)
        await super().send_text_message(recipient_id, text, **kwargs)
        if kwargs.get("message_kind") == "confirmation":
            for message in self.messages[before:]:
                message["kind"] = "confirmation"

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        if json_message.get("handoff"):
            self.handoff = True


class CompliantTwilioVoiceInput(TwilioVoiceInput):
    """Voice turns at `/webhooks/twilio_voice/webhook`; call status at `/status`."""

    @classmethod
    def name(cls) -> str:
        return "twilio_voice"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> CompliantTwilioVoiceInput:
        credentials = credentials or {}
        return cls(
            credentials.get("initial_prompt", "/greet"),
            credentials.get("reprompt_fallback_phrase", ""),
            credentials.get("assistant_voice", "Polly.Joanna"),
            str(credentials.get("speech_timeout", "auto")),
            credentials.get("speech_model", "numbers_and_commands"),
            str(credentials.get("enhanced", "false")),
        )

    def __init__(self, initial_prompt: Optional[str] = "/greet",
                 reprompt_fallback_phrase: Optional[str] = "",
                 assistant_voice: Optional[str] = "Polly.Joanna",
                 speech_timeout: str = "auto", speech_model: str = "numbers_and_commands",
                 enhanced: str = "false") -> None:
        super().__init__(initial_prompt, reprompt_fallback_phrase, assistant_voice,
                         speech_timeout, speech_model, enhanced)

    def webhook_url(self, gather: bool = False) -> str:
        url = f"{get_settings().public_url}/webhooks/{self.name()}/webhook"
        return f"{url}?{GATHER_QUERY}" if gather else url

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("twilio_voice_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                form = verified_form(request)
                twiml = await self.handle_turn(
                    form, on_new_message, first=request.query_string != GATHER_QUERY
                )
            except WebhookError as exc:
                logger.warning("rejected voice webhook: %s", exc.reason)
                return response.text(exc.reason, status=exc.status)
            return response.text(str(twiml), content_type="text/xml")

        @bp.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            try:
                form = verified_form(request)
            except WebhookError as exc:
                return response.text(exc.reason, status=exc.status)
            return self.handle_status(form)

        return bp

    def handle_status(self, form: Dict[str, str]) -> HTTPResponse:
        sid, raw = form.get("CallSid"), (form.get("CallStatus") or "").lower()
        if not sid or not raw:
            return response.text("CallSid and CallStatus are required", status=400)
        answered_by = form.get("AnsweredBy", "")
        if raw == "completed":
            status = "voicemail" if answered_by.startswith("machine") else "answered"
        elif raw in ("no-answer", "busy"):
            status = "no_answer"
        elif raw in ("failed", "canceled"):
            status = "failed"
        else:
            status = "sent"
        with session_scope() as s:
            repo.update_contact_status(s, sid, status, error_code=form.get("ErrorCode") or None)
        return response.text("", status=204)

    async def handle_turn(
        self, form: Dict[str, str], on_new_message: Callable[[UserMessage], Awaitable[Any]],
        *, first: bool,
    ) -> VoiceResponse:
        """One voice turn: the debtor's words in, screened TwiML out."""
        at = clock.now()
        with session_scope() as s:
            party = call_party(s, form)
            answered_by = form.get("AnsweredBy", "")
            if answered_by.startswith("machine") or answered_by == "fax":
                return self._voicemail(s, party, form)
            our_number = form.get("To", "") if not party.outbound else form.get("From", "")
            if first and party.outbound and form.get("CallSid"):
                repo.update_contact_status(s, form["CallSid"], "answered")
            elif first and form.get("CallSid"):  # a call the debtor placed: its one contact row
                record_contact(s, party.account_id, channel="voice", direction="inbound",
                               to=our_number, from_=party.phone, status="received", text="",
                               provider_sid=form["CallSid"], debt_id=party.debt_id, at=at)
            heard = (form.get("SpeechResult") or form.get("Digits") or "").strip()
            if heard:  # transcript: the call, not each line, is the contact
                record_contact(s, party.account_id, channel="voice", direction="inbound",
                               to=our_number, from_=party.phone, status="heard", text=heard,
                               provider_sid=None, debt_id=party.debt_id, at=at)
            timezone = "UTC"
            if party.account_id:
                account = repo.get_account(s, party.account_id)
                timezone = getattr(account, "timezone", None) or "UTC"
        if first and not heard:
            heard = "/start_call" if party.outbound else (self.initial_prompt or "/greet")
        elif not heard:
            return self._respond(party, [fixed_text("voice_reprompt", party.language)],
                                 handoff=False, first=False)
        collector = ScreeningVoiceCollector()
        await on_new_message(UserMessage(
            heard, collector, party.phone, input_channel=self.name(),
            metadata={"at": at.isoformat(), "timezone": timezone, "call_sid": form.get("CallSid")},
        ))
        texts = [m["text"] for m in collector.messages if m.get("text")]
        kinds = [m.get("kind", "reply") for m in collector.messages if m.get("text")]
        if collector.handoff:  # the <Dial> transfer: the console shows the call on its handoff
            with session_scope() as s:
                link_call(s, party.account_id, form.get("CallSid"))
        return self._respond(party, texts, handoff=collector.handoff, first=first, kinds=kinds)

    def _screen_all(self, party: CallParty, texts: List[str], *,
                    fallback: bool = True, kinds: Optional[List[str]] = None) -> List[str]:
        """The lines that may be spoken, each through the one send path (screened,
        decision recorded, spoken line recorded); a blocked line gets the fallback once."""
        allowed: List[str] = []
        turn = party.turn
        kinds = kinds or ["reply"] * len(texts)
        with session_scope() as s:
            for text, kind in zip(texts, kinds):
                screened = outbox.send(s, turn, text, channel="voice", deliver="say", kind=kind,
                                       fallback=fallback, artificial_voice=True)
                fallback = fallback and not screened.fallback
                if screened.send:
                    allowed.append(screened.text)
        return allowed

    def _respond(self, party: CallParty, texts: List[str], *, handoff: bool,
                 first: bool, kinds: Optional[List[str]] = None) -> VoiceResponse:
        """TwiML for a turn: Say what passed the gate, then always a next step (a debtor
        who opted out of calls hears the confirmation and the call ends)."""
        vr = VoiceResponse()
        if first and party.pack == "cn" and not any(RECORDING_NOTICE_ZH in t for t in texts):
            notice = fixed_text("recording_notice", "zh")
            identified = check_collector_identity(notice)
            if not identified.allowed:  # no collection call without naming who calls
                logger.error("cn call opening lacks %s: hanging up",
                             ", ".join(r.rule for r in identified.reasons))
                vr.hangup()
                return vr
            for said_notice in self._screen_all(party, [notice], fallback=False):
                vr.say(said_notice, voice=VOICES["zh"][0], language=VOICES["zh"][1])
        said = self._screen_all(party, texts, kinds=kinds)
        say = {"voice": party.voice, "language": party.speech_language}
        if kinds and "confirmation" in kinds and self._opted_out_of_calls(party):
            for text in said:
                vr.say(text, **say)
            vr.hangup()
            return vr
        if handoff:
            for text in said:
                vr.say(text, **say)
            vr.dial(get_settings().agent_number)
            return vr
        if texts and not said:  # everything blocked: say nothing more, end the call
            vr.hangup()
            return vr
        if not said:
            said = self._screen_all(party, [fixed_text("voice_reprompt", party.language)])
        gather = Gather(input="speech dtmf", action=self.webhook_url(gather=True), method="POST",
                        language=party.speech_language, speechTimeout=self.speech_timeout,
                        actionOnEmptyResult=True)
        for text in said[:-1]:
            vr.say(text, **say)
        if said:
            gather.say(said[-1], **say)
        vr.append(gather)
        return vr

    @staticmethod
    def _opted_out_of_calls(party: CallParty) -> bool:
        with session_scope() as s:
            return repo.is_opted_out(s, party.phone, "voice")

    def _voicemail(self, s: Any, party: CallParty, form: Dict[str, str]) -> VoiceResponse:
        """An answering machine: only the limited-content message, then hang up."""
        vr = VoiceResponse()
        first_name = party.name.split()[0] if party.name else ""
        caller = get_settings().caller_name
        message = fixed_text("voicemail", party.language, name=first_name or party.name,
                             caller=caller)
        # a synthesized voice names a natural person to call back (12 CFR 1006.2(j))
        screened = outbox.send(s, party.turn, message, channel="voicemail", deliver="show",
                               fallback=False, caller_name=caller, artificial_voice=True)
        if screened.send:
            vr.say(screened.text, voice=party.voice, language=party.speech_language)
            call_sid = form.get("CallSid")
            # the call placed by start_call already has a row: it becomes the voicemail
            if not call_sid or repo.update_contact_status(s, call_sid, "voicemail") is None:
                record_contact(s, party.account_id, channel="voice", direction="outbound",
                               to=party.phone, from_=get_settings().twilio_number,
                               status="voicemail", text=screened.text,
                               provider_sid=call_sid, debt_id=party.debt_id)
        vr.hangup()
        return vr
