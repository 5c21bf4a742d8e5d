"""Which language a message is written in, from its share of CJK characters."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def detect_language(text: str) -> str:
    """Return "zh" when CJK characters are at least half as many as Latin words, else "en".

    Mixed messages such as "我想pay一半" are Chinese: Chinese speakers mix English words
    in, so a few CJK characters among Latin words are enough; text with no CJK is "en".
    """
    cjk = len(_CJK.findall(text or ""))
    if cjk == 0:
        return "en"
    latin_words = len(_LATIN_WORD.findall(text or ""))
    return "zh" if cjk >= latin_words * 0.5 else "en"
