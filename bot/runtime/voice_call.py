"""A debtor on the phone: one call driven through the real signed voice webhooks.

`VoiceCall` plays Twilio's part of a call against a running assistant (`RunningAssistant`):
the first request when the call connects, then each answer (speech with its confidence,
keypad digits, or silence) posted to the Gather action URL the previous turn named, and
the status callback when the call ends. Each turn's TwiML is parsed into a `CallTurn`
(what was said, in which voice, what the Gather asks for, whether the call ended). Used by
the end-to-end voice tests, `scripts/speak_call.py` and the voice benchmark.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from bot.runtime.harness import RunningAssistant

US_PHONE, CN_PHONE = "+12125550101", "+8613800138000"
#: the two debtors the example calls talk to (scripts/speak_call.py, the voice e2e tests)
CALL_PORTFOLIO = (
    "account_id,name,phone,balance,language,timezone,pack,currency,creditor,due_date,dob,"
    "id_last4,zip\n"
    f"A-US-1,Jane Doe,{US_PHONE},500.00,en,America/New_York,us,USD,Acme Bank,2026-12-20,"
    "1985-03-14,1234,10001\n"
    f"A-CN-1,王芳,{CN_PHONE},3000.00,zh,Asia/Shanghai,cn,CNY,华夏银行,2026-12-20,1990-07-01,5678,\n"
)
#: 08:30 in New York and 21:30 in Shanghai: inside both packs' calling windows
CALL_CLOCK_START = "2026-12-01T13:30:00+00:00"


@dataclass(frozen=True)
class CallTurn:
    """One response of the assistant on a call."""

    twiml: str
    #: (text, voice, language) of every <Say>, in order (nested in the Gather or not)
    says: Tuple[Tuple[str, str, str], ...]
    gather: Dict[str, str]
    verbs: Tuple[str, ...]

    @property
    def texts(self) -> List[str]:
        return [text for text, _, _ in self.says]

    @property
    def ended(self) -> bool:
        return bool(self.verbs) and self.verbs[-1] in ("Hangup", "Dial")

    @property
    def next_query(self) -> str:
        return urlsplit(self.gather.get("action", "")).query

    @classmethod
    def parse(cls, twiml: str) -> CallTurn:
        root = ET.fromstring(twiml)
        says = tuple((s.text or "", s.get("voice", ""), s.get("language", ""))
                     for s in root.iter("Say"))
        gather = root.find("Gather")
        return cls(twiml, says, dict(gather.attrib) if gather is not None else {},
                   tuple(v.tag for v in root))


@dataclass
class VoiceCall:
    """A call between the assistant and `phone` (placed by us when `outbound`)."""

    bot: RunningAssistant
    phone: str
    outbound: bool = True
    sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    turns: List[CallTurn] = field(default_factory=list)
    #: what the debtor did at each turn after the first: ("speech"|"keys"|"silence", value)
    inputs: List[Tuple[str, str]] = field(default_factory=list)

    def _params(self, **extra: str) -> Dict[str, str]:
        ours = self.bot.env["TWILIO_NUMBER"]
        params = {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "CallStatus": "in-progress",
                  "Direction": "outbound-api" if self.outbound else "inbound",
                  "From": ours if self.outbound else self.phone,
                  "To": self.phone if self.outbound else ours}
        params.update(extra)
        return params

    def _turn(self, query: str, **extra: str) -> CallTurn:
        status, body = self.bot.post_voice(self._params(**extra), query=query)
        if status != 200:
            raise RuntimeError(f"voice webhook answered {status}: {body[:200]}")
        turn = CallTurn.parse(body)
        self.turns.append(turn)
        return turn

    def _answer(self, **extra: str) -> CallTurn:
        if not self.turns:
            raise RuntimeError("the call has not been answered yet")
        if self.turns[-1].ended:
            raise RuntimeError("the assistant already ended the call")
        return self._turn(self.turns[-1].next_query, **extra)

    def answer(self, answered_by: Optional[str] = None) -> CallTurn:
        """The call connects (a person, or `answered_by` e.g. machine_start)."""
        return self._turn("", **({"AnsweredBy": answered_by} if answered_by else {}))

    def say(self, words: str, confidence: float = 0.92) -> CallTurn:
        self.inputs.append(("speech", words))
        return self._answer(SpeechResult=words, Confidence=f"{confidence:.2f}")

    def press(self, digits: str) -> CallTurn:
        self.inputs.append(("keys", digits))
        return self._answer(Digits=digits)

    def silence(self) -> CallTurn:
        self.inputs.append(("silence", ""))
        return self._answer()

    def completed(self, answered_by: str = "human", status: str = "completed") -> int:
        """Twilio's status callback at the end of the call; returns the HTTP status."""
        code, _ = self.bot.post_voice(
            {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "CallStatus": status,
             "AnsweredBy": answered_by},
            path="/webhooks/twilio_voice/status")
        return code
