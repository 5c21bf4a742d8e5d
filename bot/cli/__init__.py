"""The `collectbot` command.

Each sub-command family lives in its own module with a `register(subparsers)` function,
so that the store, compliance, assistant and channel code do not share one huge file.
Errors users can fix are raised as `CliError` and printed as one line (exit 2).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import List, Optional

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
# TensorFlow's start-up banner (CUDA, oneDNN) says nothing a collections team can act on.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Modules that contribute sub-commands; a module that is missing is skipped so that a
# partial checkout still gives a working CLI for the rest.
_COMMAND_MODULES = (
    "bot.cli.store_commands",
    "bot.cli.compliance_commands",
    "bot.cli.assistant_commands",
    "bot.cli.runtime_commands",
    "bot.cli.campaign_commands",
    "bot.cli.console_commands",
    "bot.cli.report_commands",
    "bot.cli.consent_commands",
)


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2 unless given."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        self.exit(2, f"collectbot: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="collectbot", description="Compliant debt-collection assistant")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    sub.required = True
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def quiet_third_party_warnings() -> None:
    """Rasa's dependencies print dozens of deprecation warnings on import; on the command
    line they bury the one line the user needs. Tests keep them (they call main(argv)).

    Warning filters do not hold: an import inside Rasa's stack puts ('once',
    DeprecationWarning) in front of them. The display hook sees every warning whatever
    the filters say, so it is the one place that drops them."""
    import warnings

    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")  # child processes
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    shown = warnings.showwarning

    def show(message, category, *args, **kwargs):  # type: ignore[no-untyped-def]
        if issubclass(category, (DeprecationWarning, PendingDeprecationWarning)) \
                or "deprecat" in str(message).lower():
            return
        shown(message, category, *args, **kwargs)

    warnings.showwarning = show
    # jieba sets its logger to DEBUG when imported, later; a filter survives that.
    logging.getLogger("jieba").addFilter(lambda record: record.levelno >= logging.WARNING)


def main(argv: Optional[List[str]] = None) -> int:
    if argv is None:
        quiet_third_party_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except CliError as exc:
        print(f"collectbot: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
