"""The one clock.

Every piece of code that needs "now" asks this module, so that `--now`, replayed
campaigns and tests see one consistent instant instead of scattered `datetime.now()`
calls that cannot be controlled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Optional, Protocol


class Clock(Protocol):
    def now(self) -> datetime:  # pragma: no cover - protocol
        """Return the current instant as an aware UTC datetime."""


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass
class FixedClock:
    """A clock frozen at one instant; `advance` moves it, for tests and replays."""

    instant: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def __post_init__(self) -> None:
        self.instant = as_utc(self.instant)

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant = self.instant + delta


@dataclass
class StartedClock:
    """A clock that starts at `start` and then runs at wall-clock speed: the demo runs the
    whole assistant (server, action server, dispatcher) on one shifted timeline, so its
    campaign step falls inside the calling window whatever the real time is."""

    start: datetime
    _origin: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.start = as_utc(self.start)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._origin)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


_clock: Optional[Clock] = None


def configured_clock() -> Clock:
    """The system clock, or a StartedClock when COLLECTBOT_CLOCK_START is set."""
    from bot.config import get_settings

    start = get_settings().clock_start
    if not start:
        return SystemClock()
    try:
        return StartedClock(datetime.fromisoformat(start.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(f"COLLECTBOT_CLOCK_START: {start!r} is not an ISO date-time") from None


def get_clock() -> Clock:
    global _clock
    if _clock is None:
        _clock = configured_clock()
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install `clock` process-wide and return the previous one (so tests can restore it)."""
    global _clock
    previous, _clock = get_clock(), clock
    return previous


def now() -> datetime:
    return get_clock().now()
