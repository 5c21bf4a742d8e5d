"""What the debtor owes, as the negotiation engine needs it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.negotiation.money import to_money

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class DebtTerms:
    """The amounts of one debt.

    `balance` is authoritative: it is what the debtor owes today, after any payments.
    `interest` and `fees` are the outstanding interest and late fees *included* in that
    balance (payments are normally applied to fees and interest first, so they can never
    exceed it); waivers are computed from them. `principal` is carried for display only:
    principal + interest + fees need not equal the balance (a ledger may hold the
    original principal, or other itemised charges), so it is not used in any arithmetic.

    Amounts may be given as Decimal, int or numeric strings (never float) and must have at
    most two decimal places.
    """

    principal: Decimal
    interest: Decimal
    fees: Decimal
    balance: Decimal
    currency: str

    def __post_init__(self) -> None:
        for name in ("principal", "interest", "fees", "balance"):
            amount = to_money(getattr(self, name), f"DebtTerms.{name}")
            if amount < 0:
                raise ValueError(f"DebtTerms.{name} must not be negative, got {amount}")
            object.__setattr__(self, name, amount)
        if self.balance <= 0:
            raise ValueError(f"DebtTerms.balance must be positive, got {self.balance}")
        if not isinstance(self.currency, str) or not _CURRENCY.match(self.currency.strip().upper()):
            raise ValueError(f"DebtTerms.currency must be a 3-letter code, got {self.currency!r}")
        object.__setattr__(self, "currency", self.currency.strip().upper())
        if self.interest + self.fees > self.balance:
            raise ValueError(
                f"DebtTerms: interest {self.interest} + fees {self.fees} exceed the balance {self.balance}"
            )

    @classmethod
    def from_record(cls, record: Any) -> DebtTerms:
        """Build from any object with principal/interest/fees/balance/currency attributes (a store Debt row).

        A missing (None) principal, interest or fee amount counts as zero.
        """
        zero = Decimal("0.00")
        return cls(
            principal=record.principal if record.principal is not None else zero,
            interest=record.interest if record.interest is not None else zero,
            fees=record.fees if record.fees is not None else zero,
            balance=record.balance,
            currency=record.currency,
        )
