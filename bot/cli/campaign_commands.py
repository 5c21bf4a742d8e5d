"""Outreach sub-commands: `campaign run|worker`, `tiers recompute`, `payments import`."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator, Optional

from bot.cli import CliError
from bot.cli.store_commands import _database


def parse_now(value: Optional[str]) -> Optional[datetime]:
    """`--now ISO` as an aware UTC instant (naive = UTC); None means the system clock."""
    if value is None:
        return None
    from bot import clock

    try:
        return clock.as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise CliError(f"--now: {value!r} is not an ISO date-time (e.g. 2026-11-30T15:00:00Z)") from None


@contextmanager
def _clock_at(now: Optional[datetime]) -> Iterator[None]:
    """Make `--now` the process clock for the command, so the gate, the ledger and the store
    agree on it; the previous clock comes back afterwards (tests call `main` in-process)."""
    from bot import clock

    previous = clock.set_clock(clock.FixedClock(now)) if now is not None else None
    try:
        yield
    finally:
        if previous is not None:
            clock.set_clock(previous)


def _tiers_recompute(args: argparse.Namespace) -> int:
    from bot import clock
    from bot.store.db import session_scope
    from bot.store.payments import reconcile
    from bot.store.tiers import recompute

    with _clock_at(parse_now(args.now)), _database("tiers recompute"), session_scope() as s:
        arrangements = reconcile(s, clock.now())
        changes = recompute(s, clock.now())
    moved = {}
    for c in changes:
        moved[(c.old, c.new)] = moved.get((c.old, c.new), 0) + 1
    detail = ", ".join(f"{n} {a}->{b}" for (a, b), n in sorted(moved.items()))
    print(f"{len(changes)} tier change(s){': ' + detail if detail else ''}; "
          f"{arrangements} arrangement/installment status change(s)")
    return 0


def _payments_import(args: argparse.Namespace) -> int:
    from bot.store.db import session_scope
    from bot.store.payments import PaymentsInvalid, import_payments
    from bot.store.portfolio import PortfolioError

    def show(problem) -> None:
        print(problem, file=sys.stderr)

    try:
        with _database(f"{args.file}: nothing imported"), session_scope() as s:
            result = import_payments(s, Path(args.file), dry_run=args.dry_run, on_problem=show)
    except PortfolioError as exc:
        raise CliError(str(exc)) from None
    except PaymentsInvalid as exc:
        raise CliError(f"{args.file}: {len(exc.problems)} problem(s) listed above; "
                       f"nothing imported") from None
    if result.dry_run:
        print(f"ok: {result.rows} rows valid ({result.already} already imported); "
              f"dry run, nothing written")
    else:
        print(f"imported {result.imported} payments ({result.already} already imported); "
              f"{result.status_changes} arrangement/installment status change(s)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    tiers = subparsers.add_parser("tiers", help="risk tiers")
    tiers_sub = tiers.add_subparsers(dest="tiers_command")
    tiers_sub.required = True
    rec = tiers_sub.add_parser("recompute", help="re-score every account; changes go to evidence")
    rec.add_argument("--now", help="score as of this ISO instant (default: now)")
    rec.set_defaults(func=_tiers_recompute)

    pay = subparsers.add_parser("payments", help="payments received")
    pay_sub = pay.add_subparsers(dest="payments_command")
    pay_sub.required = True
    imp = pay_sub.add_parser("import", help="import payments CSV (all rows or none)")
    imp.add_argument("file", help="CSV: account_id,amount,currency,paid_at,reference")
    imp.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    imp.set_defaults(func=_payments_import)
