"""Time zones: which zones a phone number may be in, and fast, DST-correct UTC offsets.

`zones_for_phone` uses libphonenumber's time-zone data (one US area code can span two
zones). `segments` splits a span of epoch seconds into pieces of constant UTC offset, from a
per-zone, per-year table of transitions found once from the IANA rules via zoneinfo, so
window checks do not construct aware datetimes on the hot path.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from datetime import datetime, timezone
from functools import lru_cache
from typing import Dict, List, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_timezone

_UNKNOWN = "Etc/Unknown"


class ZoneError(ValueError):
    """An unknown IANA zone or a phone number that cannot be read."""


@lru_cache(maxsize=65536)
def zones_for_phone(e164: str) -> Tuple[str, ...]:
    """Every zone libphonenumber places `e164` in (an empty tuple when it cannot tell)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        raise ZoneError(f"not a phone number in E.164 form: {e164!r}") from None
    if not phonenumbers.is_possible_number(number):
        raise ZoneError(f"not a possible phone number: {e164!r}")
    zones = phone_timezone.time_zones_for_number(number)
    return tuple(z for z in zones if z != _UNKNOWN)


@lru_cache(maxsize=4096)
def zone_info(name: str) -> ZoneInfo:
    """The ZoneInfo for `name`; ZoneError for anything that is not an IANA zone."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise ZoneError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneError(f"unknown time zone {name!r}") from None


def _offset(zone: ZoneInfo, t: int) -> int:
    moment = datetime.fromtimestamp(t, timezone.utc).astimezone(zone)
    delta = moment.utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


# zone -> year -> (transition instants, offsets): offsets[i] holds from starts[i]
_TABLES: Dict[str, Dict[int, Tuple[List[int], List[int]]]] = {}


def _year_table(name: str, year: int) -> Tuple[List[int], List[int]]:
    """The offsets of `name` through UTC year `year`, found by 6-hourly probes and bisection
    to the second (zones never change offset twice within six hours)."""
    zone = zone_info(name)
    begin = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp())
    starts = [begin]
    offsets = [_offset(zone, begin)]
    probe = begin
    step = 6 * 3600
    while probe < end:
        nxt = min(probe + step, end)
        off = _offset(zone, nxt) if nxt < end else offsets[-1]
        if off != offsets[-1]:
            lo, hi = probe, nxt  # offset(lo) == current, offset(hi) differs
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(zone, mid) == offsets[-1]:
                    lo = mid
                else:
                    hi = mid
            starts.append(hi)
            offsets.append(off)
        probe = nxt
    return starts, offsets


def offset_at_exact(name: str, t: int) -> int:
    """The same answer from zoneinfo directly (for tests and the cold path)."""
    return _offset(zone_info(name), t)


def segments(name: str, begin: int, end: int) -> List[Tuple[int, int, int]]:
    """(start, stop, offset) pieces of [begin, end) over which `name` keeps one offset."""
    out: List[Tuple[int, int, int]] = []
    t = begin
    while t < end:
        year = time.gmtime(t).tm_year
        years = _TABLES.setdefault(name, {})
        table = years.get(year)
        if table is None:
            table = years[year] = _year_table(name, year)
        starts, offsets = table
        i = bisect_right(starts, t) - 1
        year_end = int(datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp())
        stop = starts[i + 1] if i + 1 < len(starts) else year_end
        stop = min(stop, end)
        out.append((t, stop, offsets[i]))
        t = stop
    return out
