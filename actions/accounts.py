"""A read-only snapshot of the account and open debt behind a conversation.

Actions take the snapshot inside one short store session and then work on plain values,
so no ORM object outlives its session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Optional

from rasa_sdk import Tracker

from bot.store import repo
from bot.store.db import session_scope


@dataclass(frozen=True)
class AccountView:
    account_id: str
    name: str
    language: str
    timezone: Optional[str]
    pack: str
    creditor: Optional[str]
    debt_id: Optional[Any] = None
    principal: Decimal = Decimal("0")
    interest: Decimal = Decimal("0")
    fees: Decimal = Decimal("0")
    balance: Decimal = Decimal("0")
    currency: str = "USD"
    due_date: Optional[date] = None

    @property
    def has_debt(self) -> bool:
        return self.debt_id is not None and self.balance > 0

    def terms(self):
        """The debt as the negotiation engine sees it."""
        from bot.negotiation import DebtTerms

        return DebtTerms(
            principal=self.principal,
            interest=self.interest,
            fees=self.fees,
            balance=self.balance,
            currency=self.currency,
        )


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal("0")


def snapshot(session: Any, account: Any) -> AccountView:
    """Copy what the dialogue needs from an `Account` (and its primary debt)."""
    debt = repo.primary_debt(session, account)
    base = dict(
        account_id=account.account_id,
        name=account.name or "",
        language=account.language if account.language in ("en", "zh") else "",
        timezone=getattr(account, "timezone", None),
        pack=getattr(account, "pack", None) or "us",
        creditor=getattr(account, "creditor", None),
    )
    if debt is None:
        return AccountView(**base)
    return AccountView(
        **base,
        debt_id=debt.id,
        principal=_dec(debt.principal),
        interest=_dec(debt.interest),
        fees=_dec(debt.fees),
        balance=_dec(debt.balance),
        currency=debt.currency or "USD",
        due_date=debt.due_date,
    )


def load_account(tracker: Tracker) -> Optional[AccountView]:
    """The account named by the `account_id` slot, or None."""
    account_id = tracker.get_slot("account_id")
    if not account_id:
        return None
    with session_scope() as s:
        account = repo.get_account(s, account_id)
        return snapshot(s, account) if account is not None else None


def find_by_phone(phone: str) -> Optional[AccountView]:
    with session_scope() as s:
        account = repo.find_account_by_phone(s, phone)
        return snapshot(s, account) if account is not None else None
