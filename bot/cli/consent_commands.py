"""`collectbot consent record|withdraw`: prior express consent, as the creditor documented it.

The us pack lets an artificial-voice call (a campaign's automated call) go out only with a
voice consent on file (TCPA; FCC 24-18 for revocation). Consent is evidence a creditor
holds (a signed application, a recorded call), so it is entered deliberately, per account,
with its source; a debtor's STOP or "stop calling me" revokes it through the channels.
"""

from __future__ import annotations

import argparse

from bot.cli import CliError

CHANNELS = ("sms", "voice", "all")


def _phone_of(s, account_id: str) -> str:
    from bot.store import repo

    account = repo.get_account(s, account_id)
    if account is None:
        raise CliError(f"no account {account_id!r}")
    phones = repo.recipient_for(s, account).phones
    if not phones:
        raise CliError(f"account {account_id!r} has no phone number")
    return phones[0]


def _record(args: argparse.Namespace) -> int:
    from bot.store import repo
    from bot.store.db import session_scope

    try:
        with session_scope() as s:
            phone = _phone_of(s, args.account_id)
            repo.record_consent(s, account_id=args.account_id, phone=phone,
                                channel=args.channel, source=args.source)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"consent recorded: {args.account_id} {args.channel} (source {args.source})")
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    from bot.store import repo
    from bot.store.db import session_scope

    try:
        with session_scope() as s:
            phone = _phone_of(s, args.account_id)
            count = repo.withdraw_consent(s, phone=phone, channel=args.channel,
                                          source=args.source)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(f"consent withdrawn: {args.account_id} {args.channel} ({count} record(s))")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    consent = subparsers.add_parser("consent", help="prior express consent per account")
    sub = consent.add_subparsers(dest="consent_command")
    sub.required = True
    for name, func, help_text in (("record", _record, "record a consent the creditor holds"),
                                  ("withdraw", _withdraw, "withdraw a consent")):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("account_id")
        cmd.add_argument("--channel", choices=CHANNELS, required=True)
        cmd.add_argument("--source", default="creditor",
                         help="where the consent comes from (1-16 characters)")
        cmd.set_defaults(func=func)
