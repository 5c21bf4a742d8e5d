"""SMS keywords (STOP / START / HELP) from the rule pack, with the variants people type.

Carriers and the TCPA expect "STOP" to work however it is written: "stop", "STOP!!",
"Stop please", "opt out", "opt-out", "退订", "TD". The keyword lists are the pack's
(`keywords.optout|optin|help`; a creditor overlay may add opt-out words), so the channel
code holds no list of its own. A message counts as a keyword when, after width/case
folding, its words joined together (or with polite filler words removed) are one of the
pack's keywords: "please don't stop my plan" is not.
"""

from __future__ import annotations

import re
import weakref
from typing import Dict, Optional

from compliance_filters.normalize import fast_simplified, fold_width
from compliance_filters.packs import Pack

_WORDS = re.compile(r"[A-Za-z]+|[\u3400-\u9fff]+")
_FILLER = frozenset({"PLEASE", "PLS", "PLZ", "NOW", "IT", "THANKS", "THANK", "YOU", "THX", "ME",
                     "请", "谢谢", "我要", "麻烦"})
_CJK_FILLER = re.compile("|".join(w for w in sorted(_FILLER, key=len, reverse=True) if not w.isascii()))
_MAX_WORDS = 5
# A stop phrase names what to stop (TCPA revocation "by any reasonable means"): "STOP
# texting me!!!", "Stop. Texting. Me.", "pls stop txting me". Read from the words left once
# filler ("me", "pls") is dropped: an opt-out keyword of the pack followed by one of these,
# and nothing else ("stop calling me at work" names calls and a place: not a keyword).
_TEXTING = ("TEXTING", "TEXTIN", "TXTING", "TEXTS", "TXTS", "TEXT", "TXT", "MESSAGING", "MSGING",
            "MESSAGES", "MSGS", "SMS", "THETEXTS", "THEMESSAGES", "SENDINGTEXTS", "SENDINGMESSAGES")
# "不要再发短信了", "别 发 短 信 了", "以后别给我发短信": a whole message that only says not
# to send texts (the words joined, so spacing and punctuation do not matter)
_ZH_STOP_TEXTS = re.compile(
    r"(?:以后|今后)?(?:请)?(?:不要|别|不用|停止|不许|勿)再?(?:给我|向我|往这个号码|往这个号|往这)?"
    r"(?:发|发送)?(?:短信|信息|消息)(?:了|啦|吧)?")


#: each pack's table, built once: a pack is immutable (frozen, compared by identity), and
#: folding every keyword for every inbound message cost more than the lookup
_TABLES: weakref.WeakKeyDictionary[Pack, Dict[str, str]] = weakref.WeakKeyDictionary()


def _table(pack: Pack) -> Dict[str, str]:
    table = _TABLES.get(pack)
    if table is None:
        table = _TABLES[pack] = _build_table(pack)
    return table


def _build_table(pack: Pack) -> Dict[str, str]:
    table: Dict[str, str] = {}
    for action in ("help", "optin", "optout"):  # opt-out wins a clash
        for word in pack.keywords.get(action, ()):
            table["".join(_WORDS.findall(fast_simplified(fold_width(word)))).upper()] = action
    return table


def keyword_action(pack: Pack, body: str, opted_out: bool = False) -> Optional[str]:
    """"optout", "optin", "help" or None for an inbound SMS `body`.

    "YES" opts back in only after an opt-out (`opted_out`); otherwise it is a normal answer.
    """
    words = [w.upper() for w in _WORDS.findall(fast_simplified(fold_width(body or "")))]
    if not words or len(words) > _MAX_WORDS:
        return None
    table = _table(pack)
    plain = [_CJK_FILLER.sub("", w) for w in words if w not in _FILLER]
    for candidate in ("".join(words), "".join(plain)):
        action = table.get(candidate) or _stop_phrase(table, candidate)
        if action is None and candidate == "YES" and opted_out:
            action = "optin"
        if action == "optin" and candidate == "YES" and not opted_out:
            action = None
        if action is not None:
            return action
    return None


def _stop_phrase(table: Dict[str, str], candidate: str) -> Optional[str]:
    """"optout" when `candidate` (a message's words joined, upper-cased) is a stop phrase:
    an opt-out keyword then what to stop ("STOPTEXTING"), or the Chinese "don't send texts"."""
    if _ZH_STOP_TEXTS.fullmatch(candidate):
        return "optout"
    for thing in _TEXTING:
        head = candidate[:-len(thing)]
        if candidate.endswith(thing) and head and table.get(head) == "optout":
            return "optout"
    return None
