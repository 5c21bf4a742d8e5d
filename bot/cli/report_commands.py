"""`collectbot report` (the KPIs as a table, CSV or JSON) and `collectbot report alerts`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from typing import Optional

from bot.cli import CliError
from bot.cli.campaign_commands import parse_now
from bot.cli.store_commands import _database


def _day(value: Optional[str], flag: str) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"{flag}: {value!r} is not a date like 2026-11-30") from None


def _query(args: argparse.Namespace):  # -> ReportQuery
    from bot.reports.metrics import ReportQuery

    by = tuple(b.strip() for b in (args.by or "").split(",") if b.strip())
    try:
        as_of = parse_now(args.as_of)
    except CliError as exc:
        raise CliError(str(exc).replace("--now", "--as-of", 1)) from None
    try:
        return ReportQuery(start=_day(args.start, "--from"), end=_day(args.end, "--to"), by=by,
                           tier=args.tier, pack=args.pack, language=args.language,
                           creditor=args.creditor, campaign=args.campaign, as_of=as_of)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _report(args: argparse.Namespace) -> int:
    from bot.reports import render
    from bot.reports.metrics import compute
    from bot.store.db import session_scope

    query = _query(args)
    with _database("report"), session_scope() as s:
        report = compute(s, query)
    render.write(report, args.format, sys.stdout)
    sys.stdout.flush()
    return 0


def _alerts(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bot import clock
    from bot.config import get_settings
    from bot.reports import alerts
    from bot.store.db import session_scope

    end = _day(args.end, "--to") or clock.now().date()
    start = _day(args.start, "--from") or end - timedelta(days=6)
    if start > end:
        raise CliError(f"--from {start} is after --to {end}")
    try:
        thresholds = alerts.parse_thresholds(get_settings().alert_thresholds)
    except ValueError as exc:
        raise CliError(f"COLLECTBOT_ALERT_THRESHOLDS: {exc}") from None
    with _database("report alerts"), session_scope() as s:
        new = alerts.check(s, start, end, thresholds) if not args.no_check else []
        shown = alerts.listed(s, start, end)
    if args.format == "json":
        print(json.dumps({"from": start.isoformat(), "to": end.isoformat(), "new": len(new),
                          "alerts": [asdict(a) for a in shown]}, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"early-warning alerts {start} .. {end} ({len(new)} new)")
    for column in ("day", "level", "metric", "value", "threshold"):
        table.add_column(column)
    for a in shown:
        table.add_row(a.day, a.level, a.metric, a.value, a.threshold)
    Console(file=sys.stdout, width=100).print(table)
    return 0


def _range_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", metavar="DATE", help="first UTC day (inclusive)")
    p.add_argument("--to", dest="end", metavar="DATE", help="last UTC day (inclusive)")


def register(subparsers: argparse._SubParsersAction) -> None:
    from bot.reports.names import DIMENSIONS, FORMATS

    rep = subparsers.add_parser("report", help="collections KPIs (table, CSV or JSON); "
                                               "'report alerts' lists early-warning alerts")
    _range_flags(rep)
    rep.add_argument("--by", metavar="SLICES", help=f"comma-separated: {', '.join(DIMENSIONS)}")
    rep.add_argument("--format", choices=FORMATS, default="table")
    for name in ("tier", "pack", "language", "creditor", "campaign"):
        rep.add_argument(f"--{name}", help=f"only accounts with this {name}")
    rep.add_argument("--as-of", dest="as_of", metavar="ISO",
                     help="instant an unanswered handoff's SLA is judged at (default now)")
    rep.set_defaults(func=_report)
    sub = rep.add_subparsers(dest="report_command")
    al = sub.add_parser("alerts", help="raise and list early-warning alerts (default: last 7 days)")
    _range_flags(al)
    al.add_argument("--format", choices=("table", "json"), default="table")
    al.add_argument("--no-check", action="store_true",
                    help="only list alerts already raised; evaluate nothing")
    al.set_defaults(func=_alerts)
