"""Column types that keep Python values honest across SQLite and PostgreSQL.

SQLite has no time zones and returns naive datetimes; `UTCDateTime` stores every instant
as UTC and hands back an aware UTC datetime on both backends, so code never compares a
naive value with an aware one.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy.types import DateTime, Integer, Numeric, Text, TypeDecorator


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime; naive input is rejected (it has no defined instant)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use bot.clock.now()")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class JSONText(TypeDecorator):
    """JSON kept as text (compact, sorted keys) so both backends store identical bytes."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Optional[str]:
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def process_result_value(self, value: Optional[str], dialect: Any) -> Any:
        if value is None:
            return None
        return json.loads(value)


class Money(TypeDecorator):
    """A Decimal amount with 2 places: NUMERIC(14,2) on PostgreSQL, integer cents on SQLite.

    SQLite has no decimal type (it would go through float); cents keep every amount exact
    and still sort and compare as numbers.
    """

    impl = Numeric(14, 2, asdecimal=True)
    cache_ok = True
    _CENT = Decimal("0.01")

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        amount = Decimal(str(value)).quantize(self._CENT)
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value: Any, dialect: Any) -> Optional[Decimal]:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(self._CENT)
        return Decimal(value).quantize(self._CENT)
