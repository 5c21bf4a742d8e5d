"""Contact windows: may we contact this debtor at this instant, and if not, when?

A time is allowed only when it is inside the pack window in EVERY zone the debtor may be
in (each phone's zones plus address zones) and outside every inconvenient time they gave
(again in every zone). The allowed instants of one UTC day are computed once per zone set
from exact offset pieces (DST gaps and overlaps included) and cached, so a check is a few
dictionary look-ups and `next_allowed_at` is the start of the next allowed interval.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timezone
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from compliance_filters.model import InconvenientTime, Reason, WindowResult
from compliance_filters.packs import Pack
from compliance_filters.zones import ZoneError, segments, zone_info, zones_for_phone

DAY = 86400
#: How far ahead `next_allowed_at` is searched before giving up (no common time at all).
SEARCH_DAYS = 15

Interval = Tuple[int, int]


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _subtract(intervals: List[Interval], cut: Interval) -> List[Interval]:
    out = []
    for a, b in intervals:
        if cut[1] <= a or cut[0] >= b:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return out


@lru_cache(maxsize=4096)
def _local_allowed(start: int, end: int, inconvenient: Tuple[InconvenientTime, ...]
                   ) -> Tuple[Tuple[Interval, ...], ...]:
    """Allowed local seconds-of-day for each weekday (Monday = 0)."""
    days: List[List[Interval]] = [[(start, end)] for _ in range(7)]
    for span in inconvenient:
        s, e = _seconds(span.start), _seconds(span.end)
        for wd in span.weekdays:
            if s < e:
                days[wd] = _subtract(days[wd], (s, e))
            else:  # wraps midnight (or covers the whole day when s == e)
                days[wd] = _subtract(days[wd], (s, DAY))
                days[(wd + 1) % 7] = _subtract(days[(wd + 1) % 7], (0, e))
    return tuple(tuple(d) for d in days)


def _zone_intervals(zone: str, local: Tuple[Tuple[Interval, ...], ...], begin: int,
                    end: int) -> List[Interval]:
    out: List[Interval] = []
    for s, e, off in segments(zone, begin, end):
        for k in range((s + off) // DAY, (e - 1 + off) // DAY + 1):
            base = k * DAY - off
            for a, b in local[(k + 3) % 7]:  # 1970-01-01 was a Thursday
                lo, hi = max(base + a, s), min(base + b, e)
                if lo < hi:
                    if out and out[-1][1] == lo:
                        out[-1] = (out[-1][0], hi)
                    else:
                        out.append((lo, hi))
    return out


def _intersect(a: List[Interval], b: List[Interval]) -> List[Interval]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@lru_cache(maxsize=65536)
def _day_intervals(zones: Tuple[str, ...], start: int, end: int,
                   inconvenient: Tuple[InconvenientTime, ...], day: int) -> Tuple[Interval, ...]:
    """Allowed UTC instants of UTC day `day` for this zone set (cached)."""
    local = _local_allowed(start, end, inconvenient)
    begin = day * DAY
    result: Optional[List[Interval]] = None
    for zone in zones:
        got = _zone_intervals(zone, local, begin, begin + DAY)
        result = got if result is None else _intersect(result, got)
        if not result:
            break
    return tuple(result or ())


@lru_cache(maxsize=65536)
def possible_zones(phones: Tuple[str, ...], address_zones: Tuple[str, ...],
                   default: Tuple[str, ...] = ()) -> Tuple[str, ...]:
    """Every phone's zones plus the address zones, in order, without repeats."""
    zones: List[str] = []
    for phone in phones:
        zones.extend(zones_for_phone(phone))
    for zone in address_zones:
        zone_info(zone)
        zones.append(zone)
    if not zones:
        zones = list(default)
    return tuple(dict.fromkeys(zones))


def window_state(zones: Tuple[str, ...], start: int, end: int,
                 inconvenient: Tuple[InconvenientTime, ...], t: float
                 ) -> Tuple[bool, Optional[int]]:
    """(allowed at t, earliest allowed whole minute >= t or None within SEARCH_DAYS)."""
    day = int(t // DAY)
    for d in range(day, day + SEARCH_DAYS):
        for a, b in _day_intervals(zones, start, end, inconvenient, d):
            if b <= t:
                continue
            if a <= t:
                return True, None
            minute = math.ceil(a / 60) * 60
            if minute < b:
                return False, minute
    return False, None


def _epoch(at: datetime) -> float:
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.timestamp()


@lru_cache(maxsize=4096)
def _allowed(zones: Tuple[str, ...]) -> WindowResult:
    """The allowed result for `zones` (frozen, so one instance serves every allowed check:
    building the dataclass was a fifth of an allowed check's time)."""
    return WindowResult(True, zones, None)


def check_window(pack: Pack, phones: Sequence[str], address_zones: Iterable[str], at: datetime,
                 inconvenient: Iterable[InconvenientTime] = ()) -> WindowResult:
    """Whether `at` is inside the pack window (and outside inconvenient times) in every zone.

    Raises ZoneError for an unreadable phone number or an unknown zone.
    """
    zones = possible_zones(tuple(phones), tuple(address_zones), pack.default_zones)
    inconvenient = tuple(inconvenient)
    start, end = _seconds(pack.window_start), _seconds(pack.window_end)
    t = _epoch(at)
    allowed, nxt = window_state(zones, start, end, inconvenient, t)
    if allowed:
        return _allowed(zones)
    reasons = _why(zones, start, end, inconvenient, t)
    next_at = datetime.fromtimestamp(nxt, timezone.utc) if nxt is not None else None
    return WindowResult(False, zones, next_at, reasons)


_labels: Dict[Tuple[str, int, int, int], str] = {}


def _label(zone: str, weekday: int, hour: int, minute: int, local: datetime) -> str:
    """f"{zone} {local:%a %H:%M}", remembered per zone and local minute of the week:
    strftime was a quarter of a blocked check's time (every blocked check names its
    zones' local times)."""
    key = (zone, weekday, hour, minute)
    got = _labels.get(key)
    if got is None:
        if len(_labels) >= 65536:
            _labels.clear()
        got = _labels[key] = f"{zone} {local:%a %H:%M}"
    return got


def _why(zones: Tuple[str, ...], start: int, end: int,
         inconvenient: Tuple[InconvenientTime, ...], t: float) -> Tuple[Reason, ...]:
    """Name the zones whose local time is outside the window (slow path, blocked only)."""
    outside, inconvenient_in = [], []
    moment = datetime.fromtimestamp(t, timezone.utc)
    for zone in zones:
        local = moment.astimezone(zone_info(zone))
        hour, minute = local.hour, local.minute
        sod = hour * 3600 + minute * 60 + local.second
        label = _label(zone, local.weekday(), hour, minute, local)
        if not start <= sod < end:
            outside.append(label)
        else:
            inconvenient_in.append(label)
    if outside:
        return (Reason("window", "; ".join(outside)),)
    if not zones:
        return (Reason("window", "no time zone"),)
    if inconvenient:
        return (Reason("window.inconvenient", "; ".join(inconvenient_in)),)
    return (Reason("window", "no common time"),)


__all__ = ["check_window", "possible_zones", "window_state", "ZoneError", "SEARCH_DAYS"]
