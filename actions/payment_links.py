"""`PaymentLinks`: builds the link a debtor pays through.

No payment processor is wired in yet: the link is a URL template (settings
`payment_link_template`, env PAYMENT_LINK_TEMPLATE) with `{account_id}`, `{amount}`,
`{currency}` and `{reference}` placeholders, so a deployment points it at its processor.
"""

from __future__ import annotations

import string
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional
from urllib.parse import quote

from bot.config import get_settings

PLACEHOLDERS = frozenset({"account_id", "amount", "currency", "reference"})


class PaymentLinkError(ValueError):
    """The template cannot produce a link (unknown placeholder or not an http(s) URL)."""


class PaymentLinks:
    def __init__(self, template: str) -> None:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        unknown = fields - PLACEHOLDERS
        if unknown:
            raise PaymentLinkError(
                f"payment link template has unknown placeholder(s) {sorted(unknown)}; "
                f"use {sorted(PLACEHOLDERS)}"
            )
        if not template.startswith(("https://", "http://")):
            raise PaymentLinkError("payment link template must start with https:// or http://")
        self.template = template

    @classmethod
    def from_settings(cls) -> PaymentLinks:
        return cls(get_settings().payment_link_template)

    def link_for(
        self,
        account_id: str,
        amount: Decimal,
        currency: str = "USD",
        reference: Optional[str] = None,
    ) -> str:
        """The URL for paying `amount` on `account_id` (values URL-quoted)."""
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if value <= 0:
            raise PaymentLinkError(f"payment amount must be positive, got {value}")
        return self.template.format(
            account_id=quote(str(account_id), safe=""),
            amount=quote(str(value), safe=""),
            currency=quote(currency or "", safe=""),
            reference=quote(reference or "", safe=""),
        )
