"""Installment schedules: due dates and amounts that sum exactly to a total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from bot.negotiation.money import CENT, round_down


def monthly_dates(start: date, count: int) -> list[date]:
    """`count` due dates on the same day of month as `start`.

    Each date is computed from `start` (not from the previous date), so a plan starting
    Jan 31 is due Feb 28/29, then Mar 31 again, rather than drifting to the 28th.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    return [start + relativedelta(months=i) for i in range(count)]


def regular_installment(total: Decimal, count: int, unit: Decimal = CENT) -> Decimal:
    """The regular payment of an equal split: total / count rounded down to `unit`."""
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    return round_down(total / Decimal(count), unit)


def split_equal(total: Decimal, count: int, unit: Decimal = CENT) -> list[Decimal]:
    """`count` amounts summing exactly to `total`: equal regular payments, the last absorbs the remainder.

    Rounding the regular payment down means the last payment is the largest, and by less
    than `count` units, so no payment is ever below the regular one.
    """
    regular = regular_installment(total, count, unit)
    if count == 1:
        return [total]
    return [regular] * (count - 1) + [total - regular * (count - 1)]
