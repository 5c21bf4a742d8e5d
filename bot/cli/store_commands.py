"""Store sub-commands: `db upgrade`, `import`, `demo-data`, `evidence verify`, `export`."""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bot.cli import CliError


@contextmanager
def _database(what: str) -> Iterator[None]:
    """Turn a database failure into one line (exit 2) that says what to do."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise CliError(f"{what}: database error: {detail} "
                       f"(is DATABASE_URL right, and did 'collectbot db upgrade' run?)") from None


def _db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import get_settings
    from bot.store.db import reset_engine
    from bot.store.migrate import upgrade

    try:
        upgrade()
    except SQLAlchemyError as exc:
        raise CliError(f"cannot migrate the database: {str(exc.orig or exc).splitlines()[0]}") from None
    reset_engine()  # the schema changed: forget any cached metadata/connections
    url = get_settings().database_url
    print(f"database is at the newest schema ({url.split('@')[-1]})")
    return 0


def _import(args: argparse.Namespace) -> int:
    from bot.store.portfolio import PortfolioError, PortfolioInvalid, import_portfolio

    def show(problem) -> None:
        print(problem, file=sys.stderr)

    try:
        with _database(f"{args.file}: nothing imported"):
            result = import_portfolio(Path(args.file), dry_run=args.dry_run, on_problem=show)
    except PortfolioError as exc:
        raise CliError(str(exc)) from None
    except PortfolioInvalid as exc:
        raise CliError(f"{args.file}: {len(exc.problems)} problem(s) listed above; "
                       f"nothing imported") from None
    if result.dry_run:
        print(f"ok: {result.rows} rows valid; dry run, nothing written")
    else:
        print(f"imported {result.rows} accounts ({result.created} new, {result.updated} updated)")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from bot.demo_data import write_csv

    if args.accounts < 1:
        raise CliError("--accounts must be at least 1")
    try:
        count = write_csv(Path(args.out), args.accounts, args.seed)
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror}") from None
    print(f"wrote {count} accounts to {args.out}")
    return 0


def _evidence_verify(args: argparse.Namespace) -> int:
    from bot.store import evidence
    from bot.store.db import session_scope

    with _database("evidence verify"), session_scope() as s:
        result = evidence.verify(s)
    if result.ok:
        print(f"ok: {result.checked} records")
        return 0
    print(f"TAMPERED: {result.problem} ({result.checked} records intact before it)")
    return 1


def _export(args: argparse.Namespace) -> int:
    from bot.store import export
    from bot.store.db import session_scope

    with _database(f"export {args.kind}"), session_scope() as s:
        export.write(s, args.kind, args.format, sys.stdout)
    sys.stdout.flush()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command")
    db_sub.required = True
    up = db_sub.add_parser("upgrade", help="create or migrate the schema (Alembic)")
    up.set_defaults(func=_db_upgrade)

    imp = subparsers.add_parser("import", help="validate and load a portfolio CSV (all rows or none)")
    imp.add_argument("file", help="portfolio CSV (UTF-8, header row)")
    imp.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
    imp.set_defaults(func=_import)

    demo = subparsers.add_parser("demo-data", help="write a synthetic portfolio CSV")
    demo.add_argument("--accounts", type=int, required=True, help="number of accounts")
    demo.add_argument("--seed", type=int, default=0, help="random seed (same seed, same file)")
    demo.add_argument("--out", required=True, help="CSV file to write")
    demo.set_defaults(func=_demo_data)

    ev = subparsers.add_parser("evidence", help="the tamper-evident evidence log")
    ev_sub = ev.add_subparsers(dest="evidence_command")
    ev_sub.required = True
    ver = ev_sub.add_parser("verify", help="check the hash chain; exit 1 at the first bad record")
    ver.set_defaults(func=_evidence_verify)

    from bot.store.export_fields import FORMATS, KINDS

    ex = subparsers.add_parser("export", help="dump contacts, arrangements, handoffs or opt-outs")
    ex.add_argument("kind", choices=KINDS)
    ex.add_argument("--format", choices=FORMATS, default="jsonl")
    ex.set_defaults(func=_export)
