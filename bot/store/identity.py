"""Identity-verification answers as keyed hashes.

Date of birth, the last 4 of an ID and the zip are stored only as HMAC-SHA256 over
`field:account_id:normalised value` with the secret `COLLECTBOT_HMAC_KEY` (see
`bot.config`), so a leaked database does not leak them and equal answers on two
accounts do not even look equal. What the debtor says is normalised the same way before
comparing, so "03/14/1985", "14 March 1985" and "1985年3月14日" all match 1985-03-14.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date
from typing import Optional

FIELDS = ("dob", "id_last4", "zip")

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_CJK_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_NUMERIC = re.compile(r"^(\d{1,4})[\s./-](\d{1,2})[\s./-](\d{1,4})$")
_WORDY = re.compile(r"^(?:(\d{1,2})\s+([a-z]+)|([a-z]+)\s+(\d{1,2}))\s*,?\s+(\d{4})$")


def _date(y: int, m: int, d: int) -> Optional[str]:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def normalize_dob(value: str) -> Optional[str]:
    """An ISO date from the usual ways of writing one, or None.

    Slashed dates with a 2-digit first part are read month-first (US) unless the first
    part is over 12; year-first forms (ISO, 1985/03/14, 1985年3月14日) are unambiguous.
    """
    text = value.strip().lower().replace("th", "").replace("st", "").replace("nd", "") \
        .replace("rd", "") if re.search(r"[a-z]", value.lower()) else value.strip()
    if re.fullmatch(r"\d{8}", text):
        return _date(int(text[:4]), int(text[4:6]), int(text[6:]))
    m = _CJK_DATE.match(text)
    if m:
        return _date(int(m[1]), int(m[2]), int(m[3]))
    m = _NUMERIC.match(text)
    if m:
        a, b, c = m[1], m[2], m[3]
        if len(a) == 4:
            return _date(int(a), int(b), int(c))
        if len(c) == 4:
            first, second = int(a), int(b)
            if first > 12:
                return _date(int(c), second, first)
            return _date(int(c), first, second)
        return None
    m = _WORDY.match(text)
    if m:
        day, month = (m[1], m[2]) if m[1] else (m[4], m[3])
        number = _MONTHS.get((month or "")[:3])
        if number is None:
            return None
        return _date(int(m[5]), number, int(day))
    return None


def normalize(field: str, value: str) -> Optional[str]:
    """The canonical form of an answer for `field`, or None when it cannot be one."""
    if field == "dob":
        return normalize_dob(value)
    if field == "id_last4":
        chars = re.sub(r"[^0-9X]", "", value.upper())
        return chars if len(chars) == 4 else None
    if field == "zip":
        digits = re.sub(r"\D", "", value)
        if len(digits) == 9:  # ZIP+4
            digits = digits[:5]
        return digits if len(digits) in (5, 6) else None
    raise ValueError(f"unknown identity field {field!r}; expected one of {', '.join(FIELDS)}")


def keyed_hash(key: str, field: str, account_id: str, normalized: str) -> str:
    message = f"{field}:{account_id}:{normalized}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def hash_answer(field: str, account_id: str, value: str, key: Optional[str] = None) -> Optional[str]:
    """The stored hash for `value`, or None when it does not normalise."""
    normalized = normalize(field, value)
    if normalized is None:
        return None
    if key is None:
        from bot.config import get_settings

        key = get_settings().hmac_key
    return keyed_hash(key, field, account_id, normalized)


def matches(stored: Optional[str], field: str, account_id: str, value: str,
            key: Optional[str] = None) -> bool:
    """Constant-time comparison of a spoken answer with the stored hash."""
    if not stored:
        return False
    candidate = hash_answer(field, account_id, value, key)
    return candidate is not None and hmac.compare_digest(candidate, stored)


