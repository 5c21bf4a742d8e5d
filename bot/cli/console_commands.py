"""`collectbot agent add`: console users (password prompted, or one line on stdin)."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.cli import CliError


def _split(value: str) -> list:
    return [v for v in (p.strip() for p in (value or "").split(",")) if v]


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise CliError("the passwords do not match")
    return first


def _add(args: argparse.Namespace) -> int:
    from bot.console.agents import AgentError, add_agent
    from bot.store.db import session_scope

    password = _password(args)
    try:
        with session_scope() as s:
            agent = add_agent(s, args.name, role=args.role, password=password,
                              languages=_split(args.lang), packs=_split(args.packs),
                              skills=_split(args.skills), capacity=args.capacity)
    except AgentError as exc:
        raise CliError(str(exc)) from exc
    print(f"agent {agent.name} ({agent.role}; {','.join(agent.languages)}; packs "
          f"{','.join(agent.packs)}; skills {','.join(agent.skills) or '-'}) added")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    agent = subparsers.add_parser("agent", help="console users")
    sub = agent.add_subparsers(dest="agent_command")
    sub.required = True
    add = sub.add_parser("add", help="create a console user")
    add.add_argument("name")
    add.add_argument("--role", choices=("agent", "supervisor"), required=True)
    add.add_argument("--lang", default="en", help="languages the agent works in (en,zh)")
    add.add_argument("--packs", default="us,cn", help="rule packs / regions (us,cn)")
    add.add_argument("--skills", default="", help="hardship,legal")
    add.add_argument("--capacity", type=int, default=3, help="open conversations at once")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin")
    add.set_defaults(func=_add)
