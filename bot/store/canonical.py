"""Canonical JSON: one byte string per value, so a hash over it is reproducible.

Sorted keys, no spaces, UTF-8 (ensure_ascii=False); Decimals as their exact string,
datetimes as ISO 8601 in UTC with microseconds, dates as ISO dates, tuples and sets as lists
(sets sorted). Floats are refused: money is never a float, and a float's text is not stable.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any


def iso_utc(value: datetime) -> str:
    """`2026-11-30T15:00:00.000000+00:00` for any aware datetime (naive is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def plain(value: Any) -> Any:
    """`value` as JSON-native data, deterministically."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON; use Decimal or str")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    raise TypeError(f"cannot put {type(value).__name__} into canonical JSON")


def canonical_json(value: Any) -> str:
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
