"""Redaction for logs: personal numbers and dates are replaced by labels.

Evidence and application logs keep what was decided and why without copying phone
numbers, account or ID numbers, SSNs or dates of birth into yet another place.
"""

from __future__ import annotations

import re

from compliance_filters.normalize import fold_width

_RULES = (
    # Chinese resident ID: 17 digits + digit or X
    ("[ID]", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])")),
    ("[SSN]", re.compile(r"(?<![0-9])\d{3}-\d{2}-\d{4}(?![0-9])")),
    # dates of birth and other dates: 1980-01-31, 01/31/1980, 31.01.1980, 1980年1月31日
    ("[DATE]", re.compile(
        r"(?<![0-9])(?:(?:19|20)\d{2}[-/.年](?:0?[1-9]|1[0-2])[-/.月](?:0?[1-9]|[12]\d|3[01])日?"
        r"|(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)\d{2})(?![0-9])")),
    # card and long account numbers (13-19 digits, possibly grouped)
    ("[ACCOUNT]", re.compile(r"(?<![\d+])\d(?:[\s-]?\d){12,18}(?!\d)")),
    # phone numbers: +1 212-555-0101, (212) 555-0101, 13800138000, +86 138 0013 8000
    ("[PHONE]", re.compile(
        r"(?<![0-9A-Za-z])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])?\d{3,4}[\s.-]?\d{4}(?![0-9])"
        r"|(?<![0-9])1[3-9]\d{9}(?![0-9])")),
    # account / card / other ID numbers: 6+ digits, possibly grouped, or labelled ones
    ("[ACCOUNT]", re.compile(
        r"(?i)(?:acct|account|card|id|no\.?|#|账号|账户|卡号|编号|身份证)[\s:：#]*[A-Z0-9][A-Z0-9-]{3,}"
        r"|(?<![0-9])\d(?:[\s-]?\d){5,}(?![0-9])")),
)


def redact(text: str) -> str:
    """`text` with phone, account, ID/SSN numbers and dates replaced by [PHONE], [ACCOUNT] ..."""
    if not text:
        return text
    out = fold_width(text)
    for label, pattern in _RULES:
        out = pattern.sub(label, out)
    return out
