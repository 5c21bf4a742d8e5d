"""A checker for the TwiML the voice channel returns, written from Twilio's TwiML voice
reference (verbs `Say`, `Gather`, `Dial`, `Record`, `Hangup`, `Pause`, `Redirect`, `Play`):
which elements may appear where, which attributes each takes, and their allowed values.

`problems(xml)` lists everything wrong with a document (empty when it is valid), so a test
failure names the element and attribute instead of a bare assert.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Callable, Dict, List

_BOOL = {"true", "false"}
_METHOD = {"GET", "POST"}


def _is_url(value: str) -> bool:
    return bool(re.fullmatch(r"https?://[^\s]+", value))


def _positive_int(value: str) -> bool:
    return value.isdigit() and int(value) > 0


def _non_negative_int(value: str) -> bool:
    return value.isdigit()


def _one_of(*values: str) -> Callable[[str], bool]:
    return lambda value: value in values


def _speech_timeout(value: str) -> bool:
    return value == "auto" or _non_negative_int(value)


def _finish_on_key(value: str) -> bool:
    return value == "" or bool(re.fullmatch(r"[0-9#*]", value))


#: Amazon Polly voices the channel uses and the Say/Gather languages they speak
POLLY_LANGUAGES = {"Polly.Joanna": "en-US", "Polly.Zhiyu": "cmn-CN"}

ATTRIBUTES: Dict[str, Dict[str, Callable[[str], bool]]] = {
    "Response": {},
    "Say": {
        "voice": lambda v: v in POLLY_LANGUAGES or v in ("man", "woman", "alice"),
        "language": _one_of("en-US", "en-GB", "cmn-CN", "zh-CN", "zh-TW", "zh-HK", "yue-CN"),
        "loop": _non_negative_int,
    },
    "Play": {"loop": _non_negative_int, "digits": lambda v: bool(re.fullmatch(r"[0-9wW#*]+", v))},
    "Pause": {"length": _positive_int},
    "Gather": {
        "action": _is_url,
        "actionOnEmptyResult": _BOOL.__contains__,
        "bargeIn": _BOOL.__contains__,
        "debug": _BOOL.__contains__,
        "enhanced": _BOOL.__contains__,
        "finishOnKey": _finish_on_key,
        "hints": lambda v: bool(v),
        "input": _one_of("dtmf", "speech", "dtmf speech", "speech dtmf"),
        # speech recognition's BCP-47 tags (Polly's TTS code "cmn-CN" is not one of them)
        "language": _one_of("en-US", "en-GB", "cmn-Hans-CN", "cmn-Hant-TW", "yue-Hant-HK", "zh",
                            "zh-TW"),
        "maxSpeechTime": _positive_int,
        "method": _METHOD.__contains__,
        "numDigits": _positive_int,
        "partialResultCallback": _is_url,
        "partialResultCallbackMethod": _METHOD.__contains__,
        "profanityFilter": _BOOL.__contains__,
        "speechModel": lambda v: bool(v),
        "speechTimeout": _speech_timeout,
        "timeout": _positive_int,
    },
    "Dial": {
        "action": _is_url, "answerOnBridge": _BOOL.__contains__, "callerId": lambda v: bool(v),
        "hangupOnStar": _BOOL.__contains__, "method": _METHOD.__contains__,
        "record": _one_of("do-not-record", "record-from-answer", "record-from-ringing",
                          "record-from-answer-dual", "record-from-ringing-dual"),
        "ringTone": lambda v: bool(v), "timeLimit": _positive_int, "timeout": _positive_int,
        "trim": _one_of("trim-silence", "do-not-trim"),
    },
    "Number": {"sendDigits": lambda v: bool(re.fullmatch(r"[0-9wW#*]+", v)), "url": _is_url},
    "Record": {
        "action": _is_url, "finishOnKey": _finish_on_key, "maxLength": _positive_int,
        "method": _METHOD.__contains__, "playBeep": _BOOL.__contains__, "timeout": _non_negative_int,
        "transcribe": _BOOL.__contains__, "trim": _one_of("trim-silence", "do-not-trim"),
        "recordingStatusCallback": _is_url,
    },
    "Hangup": {},
    "Redirect": {"method": _METHOD.__contains__},
}

CHILDREN = {
    "Response": {"Say", "Play", "Pause", "Gather", "Dial", "Record", "Hangup", "Redirect"},
    "Gather": {"Say", "Play", "Pause"},
    "Dial": {"Number"},
    "Say": set(), "Play": set(), "Pause": set(), "Record": set(), "Hangup": set(),
    "Redirect": set(), "Number": set(),
}
#: verbs after which Twilio executes nothing more of the document
TERMINAL = {"Hangup", "Redirect"}
#: elements whose text is required (what to say, the number to dial, the URL to go to)
NEEDS_TEXT = {"Say", "Number", "Redirect"}


def problems(xml: str) -> List[str]:
    """Everything in `xml` that Twilio's TwiML reference does not allow."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return [f"not XML: {exc}"]
    found: List[str] = []
    if root.tag != "Response":
        found.append(f"root is <{root.tag}>, not <Response>")
    _check(root, found)
    verbs = [child.tag for child in root]
    for index, tag in enumerate(verbs[:-1]):
        if tag in TERMINAL:
            found.append(f"<{verbs[index + 1]}> after <{tag}> is never executed")
    return found


def _check(element: ET.Element, found: List[str]) -> None:
    tag = element.tag
    allowed = ATTRIBUTES.get(tag)
    if allowed is None:
        found.append(f"unknown element <{tag}>")
        return
    for name, value in element.attrib.items():
        if name not in allowed:
            found.append(f"<{tag}> has no attribute {name!r}")
        elif not allowed[name](value):
            found.append(f"<{tag} {name}={value!r}> is not an allowed value")
    if tag == "Say":
        voice, language = element.get("voice"), element.get("language")
        if voice in POLLY_LANGUAGES and language and POLLY_LANGUAGES[voice] != language:
            found.append(f"<Say voice={voice!r}> does not speak {language!r}")
    text = (element.text or "").strip()
    if tag in NEEDS_TEXT and not text:
        found.append(f"<{tag}> is empty")
    if tag == "Dial" and not text and not len(element):
        found.append("<Dial> names no number")
    for child in element:
        if child.tag not in CHILDREN.get(tag, set()):
            found.append(f"<{child.tag}> is not allowed inside <{tag}>")
        _check(child, found)
