"""`collectbot run`, `collectbot chat`, `collectbot demo`: running the assistant."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import CliError


def _run(args: argparse.Namespace) -> int:
    from bot.runtime.server import serve

    try:
        if args.workers is not None and args.workers < 0:
            raise CliError("--workers must be 0 or more")
        serve(args.port, args.action_port, args.model, turn_processes=args.workers)
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        raise CliError(str(exc)) from exc
    return 0


def _chat(args: argparse.Namespace) -> int:
    import asyncio  # here, not at the top: every other command starts without it

    from bot.runtime.chat import ChatError, chat

    try:
        asyncio.run(chat(args.account, model=args.model))
    except ChatError as exc:
        raise CliError(str(exc)) from exc
    except RuntimeError as exc:
        raise CliError(str(exc)) from exc
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.runtime.demo import DemoError, run_demo

    try:
        return run_demo(port=args.port, accounts=args.accounts, lang=args.lang)
    except DemoError as exc:
        raise CliError(str(exc), exit_code=1) from exc


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="serve the assistant: Rasa server, channels, action server")
    run.add_argument("--port", type=int, default=5005, help="HTTP port (default 5005)")
    run.add_argument("--action-port", type=int, default=5055, help="action server port (default 5055)")
    run.add_argument("--model", type=Path, default=None, help="model archive (default: train if needed)")
    run.add_argument("--workers", type=int, default=None,
                     help="turn worker processes (default: one per core when REDIS_URL is set, "
                          "else 0: the serving process runs the turns)")
    run.set_defaults(func=_run)

    chat = subparsers.add_parser("chat", help="talk to the assistant in the terminal as a debtor")
    chat.add_argument("--account", required=True, help="account_id of the debtor to play")
    chat.add_argument("--model", default=None, help="model archive (default: train if needed)")
    chat.set_defaults(func=_chat)

    demo = subparsers.add_parser("demo", help="load a demo portfolio and run a scripted SMS conversation")
    demo.add_argument("--port", type=int, default=None, help="HTTP port (default: a free one)")
    demo.add_argument("--accounts", type=int, default=50, help="size of the demo portfolio")
    demo.add_argument("--lang", choices=("en", "zh", "both"), default="both",
                      help="the debtor's language (default: both, English then Chinese)")
    demo.set_defaults(func=_demo)
