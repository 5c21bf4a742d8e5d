"""`collectbot compliance window|text`: ask the gate directly from the command line.

`window` says whether a phone number (plus any address zones) may be contacted at an
instant and, if not, when; `text` runs the banned-phrase filter over a text or over each
line of stdin. Both print JSON so scripts and auditors can use them; exit 3 means blocked.
Imports stay inside the handlers and the phrase filter needs no spaCy, so `text` starts
in a fraction of a second (bench: `python -m bench compliance`).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any, List, Optional

from bot.cli import CliError

BLOCKED_EXIT = 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("compliance", help="check a contact window or a text against a rule pack")
    sub = parser.add_subparsers(dest="compliance_command", parser_class=type(parser))
    sub.required = True

    window = sub.add_parser("window", help="may this number be contacted at this instant?")
    window.add_argument("--pack", required=True, choices=("us", "cn"))
    window.add_argument("--phone", required=True, help="E.164 number, e.g. +12125550101")
    window.add_argument("--tz", action="append", default=[], metavar="ZONE",
                        help="an IANA zone known from the address (repeatable)")
    window.add_argument("--at", required=True, help="ISO 8601 instant (naive means UTC)")
    window.set_defaults(func=_window)

    text = sub.add_parser("text", help="check TEXT (or each line of stdin) for banned content")
    text.add_argument("--pack", required=True, choices=("us", "cn"))
    text.add_argument("--lang", choices=("en", "zh"), default=None)
    text.add_argument("text", nargs="?", default=None)
    text.set_defaults(func=_text)


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant as aware UTC ("Z" accepted; naive is UTC)."""
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise CliError(f"--at: not an ISO 8601 instant: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _iso_utc(moment: Optional[datetime]) -> Optional[str]:
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _window(args: argparse.Namespace) -> int:
    from compliance_filters import ZoneError, check_window, load_pack

    at = parse_instant(args.at)
    try:
        result = check_window(load_pack(args.pack), [args.phone], args.tz, at)
    except ZoneError as exc:
        raise CliError(str(exc)) from None
    print(json.dumps({
        "allowed": result.allowed,
        "zones": list(result.zones),
        "next_allowed_at": _iso_utc(result.next_allowed_at),
    }, ensure_ascii=False))
    return 0 if result.allowed else BLOCKED_EXIT


def _text(args: argparse.Namespace) -> int:
    from compliance_filters import check_text, load_pack

    pack = load_pack(args.pack)
    texts: List[str]
    if args.text is not None:
        texts = [args.text]
    else:
        texts = [line.rstrip("\r\n") for line in sys.stdin]
        texts = [t for t in texts if t.strip()]
    any_blocked = False
    out: List[str] = []
    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per line
    for text in texts:
        decision = check_text(pack, text, lang=args.lang)
        if decision.allowed:  # the common line: only the text needs encoding
            out.append('{"text": ' + encode(text) + ', "allowed": true, "reasons": []}')
        else:
            any_blocked = True
            out.append(encode({
                "text": text,
                "allowed": False,
                "reasons": [{"rule": r.rule, "match": r.match} for r in decision.reasons],
            }))
        if len(out) >= 1000:  # one write per thousand lines, not per line
            _write_lines(out)
    _write_lines(out)
    return BLOCKED_EXIT if any_blocked else 0


def _write_lines(lines: List[str]) -> None:
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
        lines.clear()
