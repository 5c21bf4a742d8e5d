"""Creditor negotiation policies: the YAML files in bot/policies/ and their validation.

Each creditor's room for manoeuvre (waivers, plan lengths, minimum payments, how far
out a promise may go, how many counter-offers before a human) is a business decision,
so it lives in a reviewed data file, not in code. Every file is complete on its own,
so an auditor reading one file sees the whole policy; a file with a wrong, missing or
unknown field is refused with one line naming the file and the field, because a
silently defaulted waiver is money given away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping

import yaml

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"
DEFAULT_POLICY = "default"
ROUNDING_UNITS = (Decimal("0.01"), Decimal("0.1"), Decimal("1"))
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PolicyError(ValueError):
    """A policy file is missing, unreadable or has an invalid field (one-line message)."""


@dataclass(frozen=True)
class SettlementRules:
    """Pay-in-full terms: the waiver offered and the lowest lump sum a debtor may propose."""

    interest_waiver_percent: Decimal
    fee_waiver_percent: Decimal
    max_interest_waiver_percent: Decimal  # floor for debtor lump sums; >= interest_waiver_percent
    due_within_days: int  # the single payment is due within this many days of today (0 = today)


@dataclass(frozen=True)
class PlanRules:
    """Installment plans offered and the bounds a debtor's proposal must stay within."""

    months: tuple[int, ...]  # the plans offered up front, ascending
    max_months: int
    accept_any_months: bool  # True: any count between min(months) and max_months is acceptable
    waive_late_fees: bool
    interest_waiver_percent: Decimal
    min_installment: Mapping[str, Decimal]  # currency -> smallest regular monthly payment

    @property
    def min_months(self) -> int:
        return self.months[0]


@dataclass(frozen=True)
class HardshipRules:
    """What is offered to a debtor who says they cannot pay now."""

    pause_days: int
    plan_max_months: int
    min_installment: Mapping[str, Decimal]
    waive_late_fees: bool
    interest_waiver_percent: Decimal


@dataclass(frozen=True)
class Policy:
    """One creditor's negotiation policy, validated."""

    name: str
    source: Path
    names: tuple[str, ...]
    settlement: SettlementRules
    plans: PlanRules
    hardship: HardshipRules
    promise_horizon_days: int
    max_rounds: int
    rounding_unit: Decimal

    def min_installment(self, currency: str, *, hardship: bool = False) -> Decimal:
        """The smallest regular monthly payment in `currency` (hardship plans have their own)."""
        table = self.hardship.min_installment if hardship else self.plans.min_installment
        section = "hardship" if hardship else "plans"
        if currency not in table:
            raise PolicyError(
                f"{_display(self.source)}: {section}.min_installment has no amount for {currency}"
            )
        return table[currency]


def slug(creditor: str) -> str:
    """File-name form of a creditor name: 'ACME Bank' -> 'acme_bank' (ASCII letters, digits, _)."""
    return re.sub(r"[^a-z0-9]+", "_", creditor.strip().lower()).strip("_")


def load_policy(creditor: str | None, directory: Path | None = None) -> Policy:
    """The policy for `creditor`: <slug>.yml, else a file listing the name under `names`, else default.yml.

    `directory` defaults to bot/policies; tests pass their own.
    """
    folder = Path(directory) if directory is not None else POLICY_DIR
    if creditor is not None and creditor.strip():
        key = slug(creditor)
        if key:
            candidate = folder / f"{key}.yml"
            if candidate.is_file():
                return read_policy(candidate)
        wanted = creditor.strip().casefold()
        for path in sorted(folder.glob("*.yml")):
            if path.stem == DEFAULT_POLICY:
                continue
            raw = _read_yaml(path)
            names = raw.get("names") if isinstance(raw, dict) else None
            if isinstance(names, list) and any(
                isinstance(n, str) and (n.strip().casefold() == wanted or (key and slug(n) == key))
                for n in names
            ):
                return read_policy(path)
    default = folder / f"{DEFAULT_POLICY}.yml"
    if not default.is_file():
        raise PolicyError(f"{_display(default)}: default policy file not found")
    return read_policy(default)


def read_policy(path: Path) -> Policy:
    """Read and validate one policy file."""
    raw = _read_yaml(path)
    return _Parser(path).policy(raw)


def _read_yaml(path: Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{_display(path)}: cannot read ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PolicyError(f"{_display(path)}: invalid YAML{where}") from None


def _display(path: Path) -> str:
    path = Path(path)
    root = POLICY_DIR.parent.parent
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


class _Parser:
    """Field-by-field validation; every error names the file and the dotted field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> PolicyError:
        return PolicyError(f"{_display(self.path)}: {field}: {problem}")

    def section(self, raw: Mapping[str, Any], key: str, allowed: set[str], prefix: str = "") -> dict:
        field = prefix + key
        if key not in raw:
            raise self.fail(field, "missing")
        value = raw[key]
        if not isinstance(value, dict):
            raise self.fail(field, f"must be a mapping, got {_kind(value)}")
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            raise self.fail(f"{field}.{unknown[0]}", "unknown field")
        missing = sorted(k for k in allowed if k not in value)
        if missing:
            raise self.fail(f"{field}.{missing[0]}", "missing")
        return value

    def integer(self, value: Any, field: str, *, minimum: int, maximum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"must be an integer, got {_kind(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
            raise self.fail(field, f"must be {bound}, got {value}")
        return value

    def percent(self, value: Any, field: str) -> Decimal:
        number = self.decimal(value, field)
        if number < 0 or number > 100:
            raise self.fail(field, f"must be a percentage between 0 and 100, got {value}")
        return number

    def decimal(self, value: Any, field: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(field, f"must be a number, got {_kind(value)}")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.fail(field, f"must be a number, got {value!r}") from None
        if not number.is_finite():
            raise self.fail(field, f"must be a finite number, got {value!r}")
        return number

    def boolean(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false, got {_kind(value)}")
        return value

    def minimums(self, value: Any, field: str) -> dict[str, Decimal]:
        if not isinstance(value, dict) or not value:
            raise self.fail(field, "must be a non-empty mapping of currency code to amount")
        table: dict[str, Decimal] = {}
        for currency, amount in value.items():
            if not isinstance(currency, str) or not _CURRENCY.match(currency):
                raise self.fail(field, f"currency must be a 3-letter upper-case code, got {currency!r}")
            number = self.decimal(amount, f"{field}.{currency}")
            if number <= 0:
                raise self.fail(f"{field}.{currency}", f"must be positive, got {amount}")
            if number != number.quantize(Decimal("0.01")):
                raise self.fail(f"{field}.{currency}", f"has more than two decimal places: {amount}")
            table[currency] = number.quantize(Decimal("0.01"))
        return table

    def policy(self, raw: Any) -> Policy:
        if not isinstance(raw, dict):
            raise self.fail("(top level)", f"must be a mapping, got {_kind(raw)}")
        top = {"name", "names", "settlement", "plans", "promise", "negotiation", "hardship", "rounding"}
        unknown = sorted(str(k) for k in raw if k not in top)
        if unknown:
            raise self.fail(unknown[0], "unknown field")

        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise self.fail("name", "must be a non-empty string")
        names_raw = raw.get("names", [])
        if not isinstance(names_raw, list) or not all(isinstance(n, str) and n.strip() for n in names_raw):
            raise self.fail("names", "must be a list of non-empty strings")

        s = self.section(raw, "settlement", {"interest_waiver_percent", "fee_waiver_percent",
                                              "max_interest_waiver_percent", "due_within_days"})
        settlement = SettlementRules(
            interest_waiver_percent=self.percent(s["interest_waiver_percent"], "settlement.interest_waiver_percent"),
            fee_waiver_percent=self.percent(s["fee_waiver_percent"], "settlement.fee_waiver_percent"),
            max_interest_waiver_percent=self.percent(
                s["max_interest_waiver_percent"], "settlement.max_interest_waiver_percent"),
            due_within_days=self.integer(s["due_within_days"], "settlement.due_within_days", minimum=0, maximum=365),
        )
        if settlement.max_interest_waiver_percent < settlement.interest_waiver_percent:
            raise self.fail("settlement.max_interest_waiver_percent",
                            "must be >= settlement.interest_waiver_percent")

        p = self.section(raw, "plans", {"months", "max_months", "accept_any_months", "waive_late_fees",
                                        "interest_waiver_percent", "min_installment"})
        max_months = self.integer(p["max_months"], "plans.max_months", minimum=1, maximum=120)
        months_raw = p["months"]
        if not isinstance(months_raw, list) or not months_raw:
            raise self.fail("plans.months", "must be a non-empty list of month counts")
        months = []
        for i, m in enumerate(months_raw):
            months.append(self.integer(m, f"plans.months[{i}]", minimum=1))
            if months[-1] > max_months:
                raise self.fail(f"plans.months[{i}]", f"{m} exceeds plans.max_months {max_months}")
        if len(set(months)) != len(months):
            raise self.fail("plans.months", "has duplicate month counts")
        plans = PlanRules(
            months=tuple(sorted(months)),
            max_months=max_months,
            accept_any_months=self.boolean(p["accept_any_months"], "plans.accept_any_months"),
            waive_late_fees=self.boolean(p["waive_late_fees"], "plans.waive_late_fees"),
            interest_waiver_percent=self.percent(p["interest_waiver_percent"], "plans.interest_waiver_percent"),
            min_installment=self.minimums(p["min_installment"], "plans.min_installment"),
        )

        pr = self.section(raw, "promise", {"horizon_days"})
        horizon = self.integer(pr["horizon_days"], "promise.horizon_days", minimum=1, maximum=365)
        n = self.section(raw, "negotiation", {"max_rounds"})
        max_rounds = self.integer(n["max_rounds"], "negotiation.max_rounds", minimum=1, maximum=20)

        h = self.section(raw, "hardship", {"pause_days", "plan_max_months", "min_installment",
                                           "waive_late_fees", "interest_waiver_percent"})
        hardship = HardshipRules(
            pause_days=self.integer(h["pause_days"], "hardship.pause_days", minimum=1, maximum=365),
            plan_max_months=self.integer(h["plan_max_months"], "hardship.plan_max_months", minimum=1, maximum=120),
            min_installment=self.minimums(h["min_installment"], "hardship.min_installment"),
            waive_late_fees=self.boolean(h["waive_late_fees"], "hardship.waive_late_fees"),
            interest_waiver_percent=self.percent(h["interest_waiver_percent"], "hardship.interest_waiver_percent"),
        )
        if hardship.plan_max_months < plans.min_months:
            raise self.fail("hardship.plan_max_months", f"must be >= the shortest plan ({plans.min_months})")

        r = self.section(raw, "rounding", {"unit"})
        unit = self.decimal(r["unit"], "rounding.unit")
        if unit not in ROUNDING_UNITS:
            raise self.fail("rounding.unit", f"must be one of 0.01, 0.1, 1, got {r['unit']!r}")

        return Policy(
            name=name.strip(),
            source=Path(self.path),
            names=tuple(n.strip() for n in names_raw),
            settlement=settlement,
            plans=plans,
            hardship=hardship,
            promise_horizon_days=horizon,
            max_rounds=max_rounds,
            rounding_unit=unit,
        )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)
