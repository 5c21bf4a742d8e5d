"""Text normalisation shared by training and inference.

Traditional Chinese is folded to Simplified (OpenCC t2s) and full-width ASCII to
half-width, so that "我想還５００" and "我想还500" look the same to every later component.
Both conversions keep the string length, so entity offsets stay valid for the original text.
"""

from __future__ import annotations

from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese; other scripts pass through unchanged."""
    if not text:
        return text
    converted = _t2s().convert(text)
    # t2s is character-for-character for almost everything; keep offsets honest if not.
    return converted if len(converted) == len(text) else text


def fold_width(text: str) -> str:
    """Full-width ASCII (Ａ-Ｚ, ０-９, ＄, ...) and the ideographic space -> half-width."""
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def normalize_text(text: str) -> str:
    """The one normalisation applied to every message before tokenising."""
    return to_simplified(fold_width(text))
