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


#: each pack's table, built once: a pack is immutable (frozen, compared by identity), and
#: folding every keyword for every inbound message cost more than the lookup
_TABLES: "weakref.WeakKeyDictionary[Pack, Dict[str, str]]" = weakref.WeakKeyDictionary()


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
        action = table.get(candidate)
        if action is None and candidate == "YES" and opted_out:
            action = "optin"
        if action == "optin" and candidate == "YES" and not opted_out:
            action = None
        if action is not None:
            return action
    return None
