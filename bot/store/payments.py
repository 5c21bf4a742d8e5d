"""Payments: import the creditor's payment file, update balances, reconcile arrangements.

The CSV (`account_id, amount, currency, paid_at, reference`) is validated completely first;
every bad row is reported as `line N: column: problem` and then nothing is written (all rows
or none). A reference already in the store is skipped when it says the same thing (so a
file can be imported twice) and is a row error when it says something else.

Reconciling an accepted arrangement: payments made since it was created pay its installments
in order; an installment still unpaid `grace` days after its due date is missed. A promise
(one installment) or plan with a missed installment is broken; one whose installments are
all paid is kept. Every status change is an evidence record.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import clock
from bot.store import evidence
from bot.store.models import Account, Arrangement, Debt, Payment
from bot.store.portfolio import MAX_MONEY, PortfolioError, Problem, _open

COLUMNS = ("account_id", "amount", "currency", "paid_at", "reference")
ACTIVE = "accepted"
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class PaymentsInvalid(Exception):
    """Some rows are bad; nothing was imported."""

    def __init__(self, problems: List[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing imported")
        self.problems = problems


@dataclass(frozen=True)
class PaymentRow:
    line: int
    account_id: str
    amount: Decimal
    currency: str
    paid_at: datetime
    reference: str


@dataclass(frozen=True)
class PaymentsResult:
    rows: int
    imported: int
    already: int
    status_changes: int
    dry_run: bool


def parse_instant(text: str) -> datetime:
    """An ISO date (midnight UTC) or date-time (naive = UTC) as an aware UTC instant."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=timezone.utc)
    return clock.as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _check_row(line: int, raw: Dict[str, str], currencies: Dict[str, str],
               now: datetime) -> Tuple[Optional[PaymentRow], List[Problem]]:
    problems: List[Problem] = []
    v = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    if not v["account_id"]:
        problems.append(Problem(line, "account_id", "is empty"))
    elif v["account_id"] not in currencies:
        problems.append(Problem(line, "account_id", f"no account {v['account_id']!r} in the store"))
    amount = None
    try:
        amount = Decimal(v["amount"])
        if not amount.is_finite() or amount <= 0:
            problems.append(Problem(line, "amount", f"{v['amount']!r} must be more than 0"))
            amount = None
        elif amount.as_tuple().exponent < -2 or amount > MAX_MONEY:
            problems.append(Problem(line, "amount", f"{v['amount']!r} has more than 2 decimals "
                                                    f"or is too large"))
            amount = None
    except InvalidOperation:
        problems.append(Problem(line, "amount", f"{v['amount']!r} is not a number"))
    currency = v["currency"].upper()
    if not _CURRENCY.match(currency):
        problems.append(Problem(line, "currency", f"{v['currency']!r} is not a 3-letter code"))
    elif v["account_id"] in currencies and currencies[v["account_id"]] != currency:
        problems.append(Problem(line, "currency", f"{currency} but the account's debt is in "
                                                  f"{currencies[v['account_id']]}"))
    paid_at = None
    try:
        paid_at = parse_instant(v["paid_at"])
        if paid_at > now + timedelta(days=1):
            problems.append(Problem(line, "paid_at", f"{v['paid_at']!r} is in the future"))
    except ValueError:
        problems.append(Problem(line, "paid_at", f"{v['paid_at']!r} is not an ISO date or date-time"))
    if not v["reference"]:
        problems.append(Problem(line, "reference", "is empty"))
    elif len(v["reference"]) > 128:
        problems.append(Problem(line, "reference", "is longer than 128 characters"))
    if problems:
        return None, problems
    return PaymentRow(line, v["account_id"], amount, currency, paid_at, v["reference"]), []


def read_payments(s: Session, path: Path, now: datetime,
                  on_problem: Optional[Callable[[Problem], None]] = None) -> List[PaymentRow]:
    """Every row validated (raises PortfolioError for an unreadable file, PaymentsInvalid)."""
    currencies = {a: c for a, c in s.execute(select(Debt.account_id, Debt.currency)
                                             .order_by(Debt.id.desc()))}
    rows: List[PaymentRow] = []
    problems: List[Problem] = []
    seen: Dict[str, int] = {}
    with _open(path) as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [c.strip().lower() for c in next(reader)]
        except StopIteration:
            raise PortfolioError(f"{path}: the file is empty; expected the header "
                                 f"{','.join(COLUMNS)}") from None
        except UnicodeDecodeError:
            raise PortfolioError(f"{path}: not UTF-8 text; save it as UTF-8") from None
        if sorted(header) != sorted(COLUMNS):
            raise PortfolioError(f"{path}: the header must be exactly {','.join(COLUMNS)} "
                                 f"(in any order), not {','.join(header)}")
        try:
            for fields in reader:
                line = reader.line_num
                if not fields or all(not f.strip() for f in fields):
                    continue
                found: List[Problem] = []
                row = None
                if len(fields) != len(header):
                    found.append(Problem(line, "row", f"has {len(fields)} fields, the header "
                                                      f"has {len(header)}"))
                else:
                    row, found = _check_row(line, dict(zip(header, fields)), currencies, now)
                    if row is not None and row.reference in seen:
                        found.append(Problem(line, "reference", f"{row.reference!r} repeats line "
                                                                f"{seen[row.reference]}"))
                        row = None
                    elif row is not None:
                        seen[row.reference] = line
                for p in found:
                    if on_problem:
                        on_problem(p)
                problems.extend(found)
                if row is not None:
                    rows.append(row)
        except UnicodeDecodeError:
            raise PortfolioError(f"{path}: not UTF-8 text; save it as UTF-8") from None
        except csv.Error as exc:
            raise PortfolioError(f"{path}: line {reader.line_num}: not valid CSV ({exc})") from None
    if not rows and not problems:
        raise PortfolioError(f"{path}: has a header but no rows")
    problems.extend(_conflicts(s, rows, on_problem))
    if problems:
        raise PaymentsInvalid(problems)
    return rows


def _conflicts(s: Session, rows: List[PaymentRow],
               on_problem: Optional[Callable[[Problem], None]]) -> List[Problem]:
    """References already stored with a different account, amount or date."""
    problems = []
    for start in range(0, len(rows), 1000):
        chunk = {r.reference: r for r in rows[start:start + 1000]}
        for p in s.execute(select(Payment).where(Payment.reference.in_(list(chunk)))).scalars():
            r = chunk[p.reference]
            if (p.account_id, p.amount, p.currency, p.paid_at) != \
                    (r.account_id, r.amount, r.currency, r.paid_at):
                problem = Problem(r.line, "reference", f"{r.reference!r} was already imported "
                                                       f"with different details")
                if on_problem:
                    on_problem(problem)
                problems.append(problem)
    return problems


def _active_arrangement(s: Session, account_id: str) -> Optional[Arrangement]:
    return s.execute(select(Arrangement).where(Arrangement.account_id == account_id,
                                               Arrangement.status == ACTIVE)
                     .order_by(Arrangement.created_at, Arrangement.id).limit(1)).scalars().first()


def _apply(s: Session, row: PaymentRow, now: datetime) -> Payment:
    """Store one payment, take it off the balance and link it to the active arrangement."""
    arrangement = _active_arrangement(s, row.account_id)
    payment = Payment(account_id=row.account_id, amount=row.amount, currency=row.currency,
                      paid_at=row.paid_at, reference=row.reference, imported_at=now,
                      arrangement_id=arrangement.id if arrangement else None)
    s.add(payment)
    remaining = row.amount
    for debt in s.execute(select(Debt).where(Debt.account_id == row.account_id,
                                             Debt.status == "open")
                          .order_by(Debt.due_date, Debt.id)).scalars():
        take = min(remaining, debt.balance)
        debt.balance -= take
        remaining -= take
        debt.updated_at = now
        if debt.balance <= 0:
            debt.status = "paid"
        if remaining <= 0:
            break
    s.flush()
    evidence.append(s, "payment", row.account_id, {
        "payment_id": payment.id, "amount": row.amount, "currency": row.currency,
        "paid_at": row.paid_at, "reference": row.reference,
        "arrangement_id": payment.arrangement_id}, at=now)
    return payment


def reconcile(s: Session, now: Optional[datetime] = None, grace_days: Optional[int] = None,
              account_ids: Optional[List[str]] = None) -> int:
    """Mark installments paid/missed and arrangements kept/broken; returns status changes."""
    from bot.config import get_settings

    now = now or clock.now()
    grace = timedelta(days=get_settings().promise_grace_days if grace_days is None else grace_days)
    query = select(Arrangement).where(Arrangement.status == ACTIVE).order_by(Arrangement.id)
    if account_ids is not None:
        query = query.where(Arrangement.account_id.in_(account_ids))
    changes = 0
    arrangements = list(s.execute(query).scalars())
    # one grouped query for what was paid towards each (the worker reconciles every tick)
    paid_by: Dict[int, Decimal] = {}
    for start in range(0, len(arrangements), 1000):
        ids = [a.id for a in arrangements[start:start + 1000]]
        paid_by.update((a, Decimal(str(total))) for a, total in s.execute(
            select(Payment.arrangement_id, func.sum(Payment.amount))
            .where(Payment.arrangement_id.in_(ids)).group_by(Payment.arrangement_id)))
    for arrangement in arrangements:
        paid = paid_by.get(arrangement.id, Decimal("0"))
        left = paid
        missed = False
        for inst in arrangement.installments:
            if left >= inst.amount:
                left -= inst.amount
                new = "paid"
            elif _local_today(arrangement.account_id, s, now) > inst.due_date + grace:
                new, missed = "missed", True
            else:
                new = "due"
            if new != inst.status:
                inst.status = new
                changes += 1
        status = ("broken" if missed else
                  "kept" if all(i.status == "paid" for i in arrangement.installments) else ACTIVE)
        if status != arrangement.status:
            arrangement.status = status
            changes += 1
            evidence.append(s, "arrangement.status", arrangement.account_id, {
                "arrangement_id": arrangement.id, "kind": arrangement.kind, "status": status,
                "paid": paid, "installments": [{"seq": i.seq, "status": i.status}
                                               for i in arrangement.installments]}, at=now)
    s.flush()
    return changes


def _local_today(account_id: str, s: Session, now: datetime) -> date:
    """The debtor's local date (due dates are local days); UTC when the zone is unknown."""
    from zoneinfo import ZoneInfo

    account = s.get(Account, account_id)
    zone = account.timezone if account is not None and account.timezone else "UTC"
    return now.astimezone(ZoneInfo(zone)).date()


def import_payments(s: Session, path: Path, *, dry_run: bool = False,
                    on_problem: Optional[Callable[[Problem], None]] = None,
                    now: Optional[datetime] = None) -> PaymentsResult:
    """Validate `path`; unless a dry run, apply new payments and reconcile, in `s`'s transaction."""
    now = now or clock.now()
    rows = read_payments(s, Path(path), now, on_problem)
    known = set()
    for start in range(0, len(rows), 1000):
        refs = [r.reference for r in rows[start:start + 1000]]
        known.update(s.execute(select(Payment.reference).where(Payment.reference.in_(refs))).scalars())
    new = [r for r in rows if r.reference not in known]
    if dry_run:
        return PaymentsResult(len(rows), 0, len(rows) - len(new), 0, True)
    for row in sorted(new, key=lambda r: (r.paid_at, r.line)):
        _apply(s, row, now)
    changes = reconcile(s, now, account_ids=sorted({r.account_id for r in new})) if new else 0
    return PaymentsResult(len(rows), len(new), len(rows) - len(new), changes, False)
