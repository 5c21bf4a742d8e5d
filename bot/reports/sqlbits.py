"""Dialect-specific SQL expressions the report needs (SQLite and PostgreSQL).

Every expression returns the same values on both backends (UTC day and week as
`YYYY-MM-DD` text, whole seconds between two instants), so the metrics above them are
written once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, String, cast, func, literal
from sqlalchemy.dialects.postgresql import JSON as PG_JSON
from sqlalchemy.sql.elements import ColumnElement


def utc_day(dialect: str, col: Any) -> ColumnElement:
    """The UTC calendar day of an instant: `YYYY-MM-DD` text on SQLite, a DATE on PostgreSQL
    (several times cheaper than to_char over a million rows; `day_text` makes it text)."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", col), Date)
    return func.substr(cast(col, String), 1, 10)


def utc_week(dialect: str, col: Any) -> ColumnElement:
    """The Monday starting the instant's ISO week (UTC), as `utc_day` gives days."""
    if dialect == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", col)), Date)
    return func.date(col, "-6 days", "weekday 1")


def day_text(value: Any) -> Any:
    """A day from `utc_day`/`utc_week` as `YYYY-MM-DD` whatever the backend returned."""
    return value.isoformat() if isinstance(value, date) else value


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement:
    """Whole seconds from `earlier` to `later` (rounded to the nearest second)."""
    if dialect == "postgresql":
        return cast(func.round(func.extract("epoch", later - earlier)), Integer)
    return cast(func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0), Integer)


def json_field(dialect: str, col: Any, key: str) -> ColumnElement:
    """One top-level field of a JSON object kept as text, as text."""
    if dialect == "postgresql":
        return cast(col, PG_JSON)[key].astext
    return cast(func.json_extract(col, f"$.{key}"), String)


def money(dialect: str, value: Any) -> Decimal:
    """A summed `Money` column as Decimal.

    `sum()` keeps the column's `Money` type, whose result processor already turned SQLite's
    integer cents into a Decimal; a bare integer here can only be cents from SQLite."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, int) and dialect == "sqlite":
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
    return Decimal(value).quantize(Decimal("0.01"))


def text_or_empty(col: Any) -> ColumnElement:
    return func.coalesce(col, literal(""))
