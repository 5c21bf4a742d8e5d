"""The rows behind a number: what a dashboard figure counted, as a CSV download.

Each drillable metric names its table, its instant and the same row condition the metric
counts with (imported from `bot.reports.metrics`), and the report's filters and date range
apply the same way, so the CSV has exactly the rows the number was made of (a distinct-
account count has one line per row, so an account may appear more than once).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any, Dict, Optional, TextIO, Tuple

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from bot.reports import metrics
from bot.reports.metrics import ReportQuery
from bot.store.models import (
    Account,
    Arrangement,
    ContactAttempt,
    Handoff,
    OptOut,
    Payment,
    Verification,
)

C, A = ContactAttempt, Arrangement
# metric -> (table, its instant, the condition the metric counts)
DRILL: Dict[str, Tuple[Any, Any, Any]] = {
    "accounts_contacted": (C, C.at, metrics.IS_CONTACTED),
    "accounts_reached": (C, C.at, metrics.IS_REACHED),
    "outbound_attempts": (C, C.at, metrics.IS_ATTEMPT),
    "delivery_failures": (C, C.at, metrics.IS_FAILED),
    "gate_blocked": (C, C.at, C.status == "blocked"),
    "gate_deferred": (C, C.at, C.status == "deferred"),
    "accounts_verified": (Verification, Verification.at, true()),
    "accounts_promised": (A, A.created_at, metrics.IS_PROMISED),
    "promises_made": (A, A.created_at, metrics.IS_PROMISED),
    "promises_kept": (A, A.created_at, A.status == "kept"),
    "promises_broken": (A, A.created_at, A.status == "broken"),
    "plans_accepted": (A, A.created_at, (A.kind == "plan") & metrics.IS_PROMISED),
    "plans_broken": (A, A.created_at, (A.kind == "plan") & (A.status == "broken")),
    "amount_promised": (A, A.created_at, metrics.IS_PROMISED),
    "accounts_paid": (Payment, Payment.paid_at, true()),
    "amount_recovered": (Payment, Payment.paid_at, true()),
    "accounts_opted_out": (OptOut, OptOut.at, OptOut.active.is_(True)),
    "handoffs": (Handoff, Handoff.created_at, true()),
    "accounts_complaint": (Handoff, Handoff.created_at, metrics.has_reason("complaint")),
    "accounts_dispute": (Handoff, Handoff.created_at, metrics.has_reason("dispute")),
    "accounts_angry": (Handoff, Handoff.created_at, metrics.has_reason(metrics.REASON_NEGATIVE)),
}


def write_csv(s: Session, metric: str, q: ReportQuery, out: TextIO,
              reason: Optional[str] = None) -> int:
    """Write the rows behind `metric` for `q` (optionally one handoff reason); row count."""
    if metric not in DRILL:
        raise ValueError(f"no rows behind {metric!r}; choose one of {', '.join(sorted(DRILL))}")
    model, at, condition = DRILL[metric]
    table = model.__table__
    stmt = (select(table).join(Account, Account.account_id == model.account_id)
            .where(condition, *metrics.row_filters(s, q, at)).order_by(table.c.id))
    if reason is not None and model is Handoff:
        stmt = stmt.where(metrics.has_reason(reason))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    count = 0
    for row in s.execute(stmt.execution_options(yield_per=1000)):
        writer.writerow([_cell(v) for v in row])
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, Decimal):
        return str(value)
    return str(value)
