"""Shared fixtures and reference oracles for the compliance tests.

The oracles answer the same questions as the library in the most direct way (zoneinfo
conversions, literal counting), so property tests compare two independent answers.
"""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta, timezone
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from compliance_filters import ContactRecord, InconvenientTime, Pack, load_pack  # noqa: E402

UTC = timezone.utc


@pytest.fixture(scope="session")
def us() -> Pack:
    return load_pack("us")


@pytest.fixture(scope="session")
def cn() -> Pack:
    return load_pack("cn")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _in_span(local: datetime, span: InconvenientTime) -> bool:
    t = local.time().replace(tzinfo=None)
    wd = local.weekday()
    if span.start < span.end:
        return wd in span.weekdays and span.start <= t < span.end
    # wraps midnight: the evening part on a listed day, the morning part the day after
    return (wd in span.weekdays and t >= span.start) or (
        (wd - 1) % 7 in span.weekdays and t < span.end)


def oracle_window(pack: Pack, zones: Sequence[str], at: datetime,
                  inconvenient: Iterable[InconvenientTime] = ()) -> bool:
    """Allowed iff every zone's local wall time is in the window and in no inconvenient span."""
    spans = tuple(inconvenient)
    for zone in zones:
        local = at.astimezone(ZoneInfo(zone))
        wall = time(local.hour, local.minute, local.second)
        if not pack.window_start <= wall < pack.window_end:
            return False
        if any(_in_span(local, s) for s in spans):
            return False
    return True


def oracle_caps(pack_name: str, channel: str, debt_id: str, number: str,
                history: Iterable[ContactRecord], at: datetime) -> bool:
    """compliance.md's cap table, counted literally."""
    mine = [r for r in history if r.initiated_by == "collector" and r.at <= at]
    voice = [r for r in mine if r.channel in ("voice", "voicemail")]
    sms = [r for r in mine if r.channel == "sms"]
    week, day = at - timedelta(days=7), at - timedelta(days=1)
    if pack_name == "us":
        if channel in ("voice", "voicemail"):
            attempts = [r for r in voice if r.debt_id == debt_id and r.at > week]
            # a telephone conversation counts whoever started it (1006.14(b)(2)(ii))
            talked = [r for r in history if r.channel in ("voice", "voicemail") and r.debt_id == debt_id
                      and week < r.at <= at and r.outcome in ("conversation", "answered")]
            return len(attempts) < 7 and not talked
        return not [r for r in sms if r.debt_id == debt_id and r.at > day]
    if channel in ("voice", "voicemail"):
        answered = [r for r in voice if r.at > day and r.outcome in ("answered", "conversation")]
        unanswered = [r for r in voice if r.at > day and r.number == number
                      and r.outcome not in ("answered", "conversation")]
        return len(answered) < 3 and len(unanswered) < 6
    return not [r for r in sms if r.at > day]
