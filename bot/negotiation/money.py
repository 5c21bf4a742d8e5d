"""Decimal helpers for money amounts.

Money never passes through float here: a float like 0.1 cannot be stored exactly,
and an installment schedule has to sum to its total to the cent. Callers may hand
in `Decimal`, `int` or a numeric string (what slots and YAML give); floats are refused.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_money(value: object, what: str) -> Decimal:
    """Convert `value` to a finite Decimal with at most two decimal places.

    Raises ValueError/TypeError with a one-line message naming `what`.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{what} must be a Decimal, int or numeric string, not {type(value).__name__}")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (int, str)):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{what} is not a number: {value!r}") from None
    else:
        raise TypeError(f"{what} must be a Decimal, int or numeric string, not {type(value).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise ValueError(f"{what} has more than two decimal places: {value!r}")
    return amount.quantize(CENT)


def round_half_up(amount: Decimal, unit: Decimal = CENT) -> Decimal:
    """Round to `unit` with halves going up (used for waivers: ties favour the debtor)."""
    return (amount / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit


def round_down(amount: Decimal, unit: Decimal = CENT) -> Decimal:
    """Round towards zero to a multiple of `unit` (regular installments; the last one absorbs the rest)."""
    return ((amount / unit).quantize(Decimal(1), rounding=ROUND_DOWN) * unit).quantize(CENT)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """`percent`% of `amount`, rounded half-up to the cent."""
    return round_half_up(amount * percent / Decimal(100)).quantize(CENT)
