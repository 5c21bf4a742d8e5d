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


def _print_summary(summary, console) -> None:
    """The run's summary: sent / deferred / blocked by reason, and anything unknown."""
    from rich.table import Table

    table = Table(title=f"campaign run: {summary.planned} newly planned", show_header=True)
    table.add_column("outcome")
    table.add_column("count", justify="right")
    for status in ("sent", "deferred", "blocked", "failed", "expired", "handoff"):
        table.add_row(status, str(summary.outcomes.get(status, 0)))
    for reason, n in sorted(summary.blocked_reasons.items()):
        table.add_row(f"  blocked: {reason}", str(n))
    table.add_row("unknown (not resent)", str(len(summary.unknown)))
    console.print(table)
    for line in summary.unknown:
        console.print(f"UNKNOWN: {line}: left 'sending' by a stopped dispatcher; check it by hand")


def _print_plan(summary, console) -> None:
    from bot.campaigns.definitions import render
    from bot.config import get_settings

    settings = get_settings()
    values = {"callback": settings.callback_number}
    verdicts = summary.verdicts or [""] * len(summary.plan)
    for p, verdict in zip(summary.plan, verdicts):
        if p.step is None:
            text = "(handoff to a person: high risk tier)"
        else:
            text = render(p.step, p.language, {**values, "name": p.name,
                                               "company": settings.company_for(p.language)}) or \
                "(call: the assistant's opening, answering-machine detection on)"
        console.print(f"{p.local_day} {p.account_id} {p.step_key} {p.channel}: {text}"
                      + (f" -> gate: {verdict}" if verdict else ""),
                      markup=False, highlight=False, soft_wrap=True)
    console.print(f"dry run: {summary.planned} message(s)/handoff(s) due; nothing written",
                  markup=False)


def _campaign_run(args: argparse.Namespace) -> int:
    import asyncio

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from bot.campaigns.definitions import CampaignError, load_campaigns
    from bot.campaigns.dispatcher import run_once

    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1")
    now = parse_now(args.now)
    try:
        campaigns = load_campaigns()
    except CampaignError as exc:
        raise CliError(str(exc)) from None
    console = Console(highlight=False)
    with Progress(TextColumn("sending"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        def progress(total: int):
            task = bar.add_task("send", total=total)
            return lambda: bar.advance(task)

        with _clock_at(now), _database("campaign run"):
            summary = asyncio.run(run_once(now=now, dry_run=args.dry_run, limit=args.limit,
                                           campaigns=campaigns, progress=progress))
    if args.dry_run:
        _print_plan(summary, console)
    else:
        _print_summary(summary, console)
    return 0


def _campaign_worker(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from rich.console import Console

    from bot.campaigns.definitions import CampaignError, load_campaigns
    from bot.campaigns.dispatcher import worker

    try:
        load_campaigns()  # a bad file stops the worker at start, not on every tick
    except CampaignError as exc:
        raise CliError(str(exc)) from None
    console = Console(highlight=False)

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await worker(stop=stop, tick_seconds=args.tick,
                            on_summary=lambda summary: _print_summary(summary, console))

    with _database("campaign worker"):
        passes = asyncio.run(main())
    console.print(f"worker stopped after {passes} pass(es)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    camp = subparsers.add_parser("campaign", help="outbound campaigns")
    camp_sub = camp.add_subparsers(dest="campaign_command")
    camp_sub.required = True
    run = camp_sub.add_parser("run", help="plan and send due outreach once")
    run.add_argument("--now", help="plan and send as of this ISO instant (replays)")
    run.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    run.add_argument("--limit", type=int, help="send at most N messages this run")
    run.set_defaults(func=_campaign_run)
    work = camp_sub.add_parser("worker", help="long-running dispatcher (ticks every minute)")
    work.add_argument("--tick", type=float, default=None,
                      help="seconds between passes (default COLLECTBOT_WORKER_TICK_SECONDS, 60)")
    work.set_defaults(func=_campaign_worker)

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
