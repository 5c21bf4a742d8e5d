"""The compliant Twilio voice channel (`twilio_voice` in credentials.yml, by dotted path).

Fixes Rasa's `TwilioVoiceInput`: signature check; speech and DTMF input; Polly voice and
Gather language per the debtor's language; the cn recording notice; outbound calls keyed
on `To`; answering machines get only the limited-content voicemail; the handoff payload
becomes a `<Dial>` to the agents; and every response ends in Gather, Dial or Hangup.

A call sounds like a call (issue 15): responses are their `channel: twilio_voice`
variations with numbers and dates in spoken form (`speech.spoken`); the prompts are
nested in the Gather so the debtor can interrupt them (barge-in); the last prompt decides
what the keypad means (1/2 for yes/no, four digits of the ID, a number of months) and
whether `numDigits`/`finishOnKey` are set. The call's small state (what the prompt
expects, how many silences and unclear answers in a row) travels in the Gather's action
URL, which Twilio signs like the rest of the request. One silence or one unclear answer
gets a re-prompt; a second silence a polite close with the callback number. The call's
outcome (answered, voicemail, no_answer, busy, failed, hung_up_early) is kept on its
contact row: "answered" when we end it, a completed call we did not end is a hang-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode

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
from bot.channels.speech import (
    OPEN,
    Expectation,
    expectation,
    expectation_named,
    keypad_message,
    spoken,
)
from bot.channels.texts import text as fixed_text
from bot.channels.twilio_sms import record_contact
from bot.channels.webhook import WebhookError, verified_form
from bot.config import get_settings
from bot.console.calls import link_call
from bot.store import repo
from bot.store.db import session_scope
from compliance_filters import load_pack
from compliance_filters.identity import check_collector_identity
from compliance_filters.required import is_present

logger = logging.getLogger(__name__)

#: language -> (Polly voice, Say language)
VOICES = {"en": ("Polly.Joanna", "en-US"), "zh": ("Polly.Zhiyu", "cmn-CN")}
#: language -> what Gather's speech recognition listens for: Polly's "cmn-CN" is a TTS code,
#: speech recognition takes BCP-47 "cmn-Hans-CN" (Mandarin, simplified, mainland China)
LISTEN_LANGUAGES = {"en": "en-US", "zh": "cmn-Hans-CN"}
RECORDING_NOTICE_ZH = "本通话将被录音"
GATHER_QUERY = "turn=gather"


@dataclass(frozen=True)
class CallState:
    """What the call carries from one turn to the next in the Gather's action URL."""

    expect: Expectation = OPEN
    #: silences (empty Gathers) in a row, and unclear (low-confidence) answers in a row
    quiet: int = 0
    unsure: int = 0
    #: required items (debt-collector notice...) an earlier turn of this call already said
    given: Tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query: str) -> Tuple[bool, CallState]:
        """(first turn of the call?, state) from the webhook's query string."""
        params = {k: v[0] for k, v in parse_qs(query or "").items()}
        if params.get("turn") != "gather":
            return True, cls()
        given = tuple(sorted(n for n in (params.get("given") or "").split(",") if n))
        return False, cls(expectation_named(params.get("expect")),
                          _count(params.get("quiet")), _count(params.get("unsure")), given)

    @property
    def query(self) -> str:
        return urlencode({"turn": "gather", "expect": self.expect.kind, "quiet": self.quiet,
                          "unsure": self.unsure, "given": ",".join(self.given)})


def _count(raw: Optional[str]) -> int:
    return int(raw) if raw and raw.isdigit() else 0


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

    @property
    def listen_language(self) -> str:
        return LISTEN_LANGUAGES.get(self.language, LISTEN_LANGUAGES["en"])


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
        for message in self.messages[before:]:
            # which response this is: the last one of a turn says what the keypad means
            message["utter_action"] = kwargs.get("utter_action")
            if kwargs.get("message_kind") == "confirmation":
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

    def webhook_url(self, gather: bool = False, state: Optional[CallState] = None) -> str:
        url = f"{get_settings().public_url}/webhooks/{self.name()}/webhook"
        if state is not None:
            return f"{url}?{state.query}"
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
                first, state = CallState.from_query(request.query_string)
                twiml = await self.handle_turn(form, on_new_message, first=first, state=state)
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
        machine = answered_by.startswith("machine") or answered_by == "fax"
        outcome: Optional[str] = None
        if raw == "completed":
            status = "voicemail" if machine else "answered"
            # we record "answered" when we end a call; completed without that is a hang-up
            outcome = "voicemail" if machine else "hung_up_early"
        elif raw in ("no-answer", "busy"):
            status, outcome = "no_answer", raw.replace("-", "_")
        elif raw in ("failed", "canceled"):
            status, outcome = "failed", "failed"
        else:
            status = "sent"
        with session_scope() as s:
            repo.update_contact_status(s, sid, status, error_code=form.get("ErrorCode") or None)
            if outcome is not None:
                repo.set_call_outcome(s, sid, outcome, keep_existing=True)
        return response.text("", status=204)

    async def handle_turn(
        self, form: Dict[str, str], on_new_message: Callable[[UserMessage], Awaitable[Any]],
        *, first: bool, state: Optional[CallState] = None,
    ) -> VoiceResponse:
        """One voice turn: the debtor's words (or keys) in, screened TwiML out."""
        state = state or CallState()
        sid = form.get("CallSid")
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
            speech = (form.get("SpeechResult") or "").strip()
            digits = (form.get("Digits") or "").strip()
            heard = speech or digits
            if heard:  # transcript: the call, not each line, is the contact
                record_contact(s, party.account_id, channel="voice", direction="inbound",
                               to=our_number, from_=party.phone, status="heard", text=heard,
                               provider_sid=None, debt_id=party.debt_id, at=at)
            timezone = "UTC"
            if party.account_id:
                account = repo.get_account(s, party.account_id)
                timezone = getattr(account, "timezone", None) or "UTC"
        confidence = _confidence(form) if speech else 1.0
        if first and not heard:
            heard = "/start_call" if party.outbound else (self.initial_prompt or "/greet")
        elif not heard:  # silence: one re-prompt, then a polite close with the number
            if state.quiet >= 1:
                return self._close(party, sid, fixed_text("voice_no_input_close", party.language))
            return self._respond(party, [fixed_text("voice_reprompt", party.language)],
                                 handoff=False, first=False, sid=sid,
                                 state=replace(state, quiet=state.quiet + 1))
        elif confidence < get_settings().voice_min_confidence and state.unsure < 1:
            # ask again rather than guess; a second unclear answer goes on to the model,
            # whose CarePolicy confirms a high-impact reading of it (speech_confidence)
            return self._respond(party, [fixed_text("voice_unsure", party.language)],
                                 handoff=False, first=False, sid=sid,
                                 state=replace(state, quiet=0, unsure=state.unsure + 1))
        elif digits and not speech:
            heard = keypad_message(digits, state.expect)
        collector = ScreeningVoiceCollector()
        await on_new_message(UserMessage(
            heard, collector, party.phone, input_channel=self.name(),
            metadata={"at": at.isoformat(), "timezone": timezone, "call_sid": sid,
                      "speech_confidence": confidence},
        ))
        said = [m for m in collector.messages if m.get("text")]
        texts = [m["text"] for m in said]
        kinds = [m.get("kind", "reply") for m in said]
        if sid and self._call_ended(sid):  # the caller hung up while the turn ran
            return self._unheard(sid, texts)
        if collector.handoff:  # the <Dial> transfer: the console shows the call on its handoff
            with session_scope() as s:
                link_call(s, party.account_id, sid)
        expect = expectation(said[-1].get("utter_action")) if said else state.expect
        return self._respond(party, texts, handoff=collector.handoff, first=first, kinds=kinds,
                             sid=sid, state=CallState(expect, given=state.given))

    @staticmethod
    def _call_ended(sid: str) -> bool:
        with session_scope() as s:
            return repo.call_outcome(s, sid) is not None

    @staticmethod
    def _unheard(sid: str, texts: List[str]) -> VoiceResponse:
        """The caller hung up while the assistant was answering: Twilio will play nothing,
        so nothing is screened or recorded as spoken; the call row says what was lost."""
        with session_scope() as s:
            repo.set_call_outcome(
                s, sid, "hung_up_early",
                note=f"caller hung up before the reply: {len(texts)} line(s) not said")
        logger.info("call %s ended during the turn: %d line(s) not said", sid, len(texts))
        vr = VoiceResponse()
        vr.hangup()
        return vr

    def _close(self, party: CallParty, sid: Optional[str], text: str) -> VoiceResponse:
        """Say `text` (screened, recorded) and end the call: we ended it, so it was answered."""
        vr = VoiceResponse()
        for line in self._screen_all(party, [spoken(text, party.language)]):
            vr.say(line, voice=party.voice, language=party.speech_language)
        vr.hangup()
        self._ended_by_us(sid)
        return vr

    @staticmethod
    def _ended_by_us(sid: Optional[str], outcome: str = "answered") -> None:
        if sid:
            with session_scope() as s:
                repo.set_call_outcome(s, sid, outcome, keep_existing=True)

    def _screen_all(self, party: CallParty, texts: List[str], *, fallback: bool = True,
                    kinds: Optional[List[str]] = None,
                    given: Tuple[str, ...] = ()) -> List[str]:
        """The lines that may be spoken, through the one send path (screened, decision
        recorded, spoken line recorded). Consecutive lines of a kind are screened as one
        message, so what the pack requires (the debt-collector notice...) is added once per
        turn, not after every line, and not at all when `given` says this call said it; a
        blocked message gets the fallback once."""
        allowed: List[str] = []
        turn = party.turn
        kinds = kinds or ["reply"] * len(texts)
        groups: List[Tuple[str, List[str]]] = []
        for text, kind in zip(texts, kinds):
            if groups and groups[-1][0] == kind:
                groups[-1][1].append(text)
            else:
                groups.append((kind, [text]))
        with session_scope() as s:
            for kind, lines in groups:
                screened = outbox.send(s, turn, "\n".join(lines), channel="voice", deliver="say",
                                       kind=kind, fallback=fallback, artificial_voice=True,
                                       given=given)
                fallback = fallback and not screened.fallback
                if screened.send:  # a fallback or an added disclosure is spoken too
                    allowed.extend(spoken(line, party.language)
                                   for line in screened.text.split("\n") if line.strip())
        return allowed

    @staticmethod
    def _given_after(party: CallParty, said: List[str], given: Tuple[str, ...]) -> Tuple[str, ...]:
        """`given` and the pack's required items present in what this turn said."""
        text = " ".join(said)
        found = {item.name for item in load_pack(party.pack).required if is_present(item, text)}
        return tuple(sorted(found | set(given)))

    def _respond(self, party: CallParty, texts: List[str], *, handoff: bool,
                 first: bool, kinds: Optional[List[str]] = None, sid: Optional[str] = None,
                 state: Optional[CallState] = None) -> VoiceResponse:
        """TwiML for a turn: Say what passed the gate, then always a next step (a debtor
        who opted out of calls hears the confirmation and the call ends)."""
        today = clock.now().date()
        vr = self._turn_twiml(party, [spoken(t, party.language, today) for t in texts],
                              handoff=handoff, first=first, kinds=kinds,
                              state=state or CallState())
        ended = [v for v in vr.verbs if v.name in ("Hangup", "Dial")]
        if ended:
            self._ended_by_us(sid)
        return vr

    def _turn_twiml(self, party: CallParty, texts: List[str], *, handoff: bool, first: bool,
                    kinds: Optional[List[str]], state: CallState) -> VoiceResponse:
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
        said = self._screen_all(party, texts, kinds=kinds, given=state.given)
        state = replace(state, given=self._given_after(party, said, state.given))
        say = {"voice": party.voice, "language": party.speech_language}
        # a debtor who opted out of calls hears the confirmation and the call ends; a goodbye
        # (or cease, wrong number...) ends it too; everything blocked: nothing more is said
        opted_out = bool(kinds and "confirmation" in kinds and self._opted_out_of_calls(party))
        ends = opted_out or (said and state.expect.kind == "end") or (texts and not said)
        if handoff or ends:
            for text in said:
                vr.say(text, **say)
            if handoff and not opted_out:
                vr.dial(get_settings().agent_number)
            else:
                vr.hangup()
            return vr
        if not said:
            said = self._screen_all(party, [fixed_text("voice_reprompt", party.language)])
        # every prompt inside the Gather: the debtor may answer (or press keys) over it
        gather = Gather(input="dtmf speech", action=self.webhook_url(state=state), method="POST",
                        language=party.listen_language, speechTimeout=self.speech_timeout,
                        actionOnEmptyResult=True, bargeIn=True, **state.expect.gather)
        for text in said:
            gather.say(text, **say)
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
            vr.say(spoken(screened.text, party.language), voice=party.voice,
                   language=party.speech_language)
            call_sid = form.get("CallSid")
            # the call placed by start_call already has a row: it becomes the voicemail
            if not call_sid or repo.update_contact_status(s, call_sid, "voicemail") is None:
                record_contact(s, party.account_id, channel="voice", direction="outbound",
                               to=party.phone, from_=get_settings().twilio_number,
                               status="voicemail", text=screened.text,
                               provider_sid=call_sid, debt_id=party.debt_id)
            if call_sid:
                repo.set_call_outcome(s, call_sid, "voicemail", keep_existing=True)
        vr.hangup()
        return vr


def _confidence(form: Dict[str, str]) -> float:
    """Twilio's `Confidence` for a speech result (0..1); absent or unreadable counts as sure,
    since Twilio leaves it out for some speech models."""
    try:
        value = float(form.get("Confidence") or 1.0)
    except ValueError:
        return 1.0
    return min(max(value, 0.0), 1.0)
