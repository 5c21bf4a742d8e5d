"""Numbers and money: "$80", "80 bucks", "1.5k", "五百", "500块", "¥800", "两千元", "1.5万".

cn2an parses Chinese numerals; this module only decides which unit multiplies them and
which currency a unit states.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import cn2an

CN_DIGITS = "零〇一二两三四五六七八九十百千万亿点"
_CN_ONLY = re.compile(rf"^[{CN_DIGITS}]+$")

EN_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18,
    "twenty": 20, "twenty-four": 24, "thirty": 30, "thirty-six": 36, "a couple": 2,
    "a few": 3,
}

USD_MARKERS = {"$", "usd", "dollar", "dollars", "buck", "bucks", "美元", "美金", "刀"}
CNY_MARKERS = {"¥", "￥", "rmb", "cny", "yuan", "元", "块", "块钱", "人民币", "圆"}


class NumberError(ValueError):
    """Raised when a string is not a number this module understands."""


def parse_number(text: str) -> Decimal:
    """Parse "1,500", "1.5", "1.5k", "五百", "一千五", "1.5万", "twelve" into a Decimal."""
    raw = text.strip().lower().replace(",", "").replace("，", "")
    if not raw:
        raise NumberError("empty number")
    if raw in EN_NUMBER_WORDS:
        return Decimal(EN_NUMBER_WORDS[raw])
    multiplier = Decimal(1)
    if raw.endswith("k"):
        multiplier, raw = Decimal(1000), raw[:-1]
    try:
        return Decimal(raw) * multiplier
    except InvalidOperation:
        pass
    try:
        value = cn2an.cn2an(raw, "smart")
    except (ValueError, KeyError, IndexError) as exc:
        raise NumberError(f"not a number: {text!r}") from exc
    return Decimal(str(value)) * multiplier


def is_chinese_number(text: str) -> bool:
    return bool(_CN_ONLY.match(text))


def currency_of(marker: str | None) -> str | None:
    """"USD" / "CNY" for an explicit currency marker, None when the text states none."""
    if not marker:
        return None
    key = marker.strip().lower()
    if key in USD_MARKERS:
        return "USD"
    if key in CNY_MARKERS:
        return "CNY"
    return None


def money_string(value: Decimal) -> str:
    """Decimal -> "80.00" (two places, no exponent)."""
    return str(value.quantize(Decimal("0.01")))
