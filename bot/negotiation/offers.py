"""Offers and evaluations: the values the engine hands to the dialogue.

Both are frozen so an offer stored in a slot, shown to the debtor and then written to
the store is provably the same offer. `Offer.as_dict()`/`from_dict()` give a JSON-able
form (Decimals as strings, dates in ISO) whose installment list matches the
`arrangements` export format ({due_date, amount}).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

from bot.negotiation.money import to_money

KINDS = ("settlement", "plan", "promise", "pause")


@dataclass(frozen=True)
class Offer:
    """One concrete arrangement: what is paid, when, and what is waived.

    Invariants (checked on construction): installments sum exactly to `total`, every
    installment is positive, due dates strictly increase, `months == len(installments)`.
    A "pause" has no installments; its `total` is the balance still owed and `resume_on`
    is when collection resumes. `description_key` ("settlement", "plan_6",
    "hardship_plan_18", "promise", "promise_partial", "pause_30") picks response templates.
    """

    kind: str
    total: Decimal
    currency: str
    installments: tuple[tuple[date, Decimal], ...]
    months: int
    waived_interest: Decimal
    waived_fees: Decimal
    description_key: str
    resume_on: date | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Offer.kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        object.__setattr__(self, "total", to_money(self.total, "Offer.total"))
        object.__setattr__(self, "waived_interest", to_money(self.waived_interest, "Offer.waived_interest"))
        object.__setattr__(self, "waived_fees", to_money(self.waived_fees, "Offer.waived_fees"))
        rows = []
        for i, row in enumerate(self.installments):
            if len(row) != 2 or not isinstance(row[0], date):
                raise ValueError(f"Offer.installments[{i}] must be a (date, amount) pair")
            amount = to_money(row[1], f"Offer.installments[{i}] amount")
            if amount <= 0:
                raise ValueError(f"Offer.installments[{i}] amount must be positive, got {amount}")
            if rows and row[0] <= rows[-1][0]:
                raise ValueError(f"Offer.installments[{i}] is not after the previous due date")
            rows.append((row[0], amount))
        object.__setattr__(self, "installments", tuple(rows))
        if self.months != len(rows):
            raise ValueError(f"Offer.months is {self.months} but there are {len(rows)} installments")
        if self.kind == "pause":
            if rows:
                raise ValueError("a pause Offer has no installments")
            if self.resume_on is None:
                raise ValueError("a pause Offer needs resume_on")
        else:
            if not rows:
                raise ValueError(f"a {self.kind} Offer needs at least one installment")
            paid = sum((amount for _, amount in rows), Decimal("0.00"))
            if paid != self.total:
                raise ValueError(f"Offer installments sum to {paid}, not the total {self.total}")
        if self.waived_interest < 0 or self.waived_fees < 0 or self.total <= 0:
            raise ValueError("Offer amounts must be positive and waivers not negative")
        if not isinstance(self.description_key, str) or not self.description_key:
            raise ValueError("Offer.description_key must be a non-empty string")

    @property
    def first_due(self) -> date | None:
        return self.installments[0][0] if self.installments else None

    @property
    def monthly_amount(self) -> Decimal | None:
        """The regular installment (the first one); the last may be a few cents more."""
        return self.installments[0][1] if self.installments else None

    @property
    def waived_total(self) -> Decimal:
        return self.waived_interest + self.waived_fees

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form for slots and logs (Decimals as strings, dates as ISO)."""
        return {
            "kind": self.kind,
            "total": str(self.total),
            "currency": self.currency,
            "installments": [{"due_date": d.isoformat(), "amount": str(a)} for d, a in self.installments],
            "months": self.months,
            "waived_interest": str(self.waived_interest),
            "waived_fees": str(self.waived_fees),
            "description_key": self.description_key,
            "resume_on": self.resume_on.isoformat() if self.resume_on else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Offer:
        """Inverse of `as_dict`; raises ValueError (one line) on a malformed dict."""
        if not isinstance(data, Mapping):
            raise ValueError(f"offer must be a mapping, got {type(data).__name__}")
        try:
            rows = tuple(
                (date.fromisoformat(str(row["due_date"])), to_money(row["amount"], "installment amount"))
                for row in data["installments"]
            )
            resume = data.get("resume_on")
            return cls(
                kind=data["kind"],
                total=to_money(data["total"], "total"),
                currency=data["currency"],
                installments=rows,
                months=int(data["months"]),
                waived_interest=to_money(data["waived_interest"], "waived_interest"),
                waived_fees=to_money(data["waived_fees"], "waived_fees"),
                description_key=data["description_key"],
                resume_on=date.fromisoformat(str(resume)) if resume else None,
            )
        except KeyError as exc:
            raise ValueError(f"offer dict is missing {exc.args[0]!r}") from None
        except TypeError as exc:
            raise ValueError(f"offer dict is malformed: {exc}") from None


@dataclass(frozen=True)
class Evaluation:
    """The engine's answer to a debtor's proposal.

    accepted=True: `offer` is the proposal as agreed. accepted=False: `offer` is the
    closest acceptable counter-offer. `reason` is an English sentence for logs and
    agents; `code` is a stable key for response templates ("accepted", "below_minimum",
    "too_many_months", "months_not_offered", "too_few_months", "not_covering",
    "no_plan_possible", "past_horizon", "in_past", "over_balance", "below_floor",
    "after_deadline").
    """

    accepted: bool
    offer: Offer | None
    reason: str
    code: str = ""
