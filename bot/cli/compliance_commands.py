"""`collectbot compliance window|text`: ask the gate directly from the command line.

`window` says whether a phone number (plus any address zones) may be contacted at an
instant and, if not, when; `text` runs the banned-phrase filter over a text or over each
line of stdin. Both print JSON so scripts and auditors can use them; exit 3 means blocked.
Imports stay inside the handlers and the phrase filter needs no spaCy, so `text` starts
in a fraction of a second (bench: `python -m bench compliance`). A batch on stdin checks
each distinct line once and, from PARALLEL_MIN_LINES distinct lines on, splits them over
one forked process per core (issue 13 item 10: the goal is lines per second end to end);
the output is the same, line for line, as one process gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

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
    from compliance_filters import load_pack

    pack = load_pack(args.pack)
    texts: List[str]
    if args.text is not None:
        texts = [args.text]
    else:
        texts = [line.rstrip("\r\n") for line in sys.stdin]
        texts = [t for t in texts if t.strip()]
    # A text's decision depends on the text and the pack only, so a line repeated in the
    # batch (a campaign's unpersonalised template, a resent reminder) is checked once.
    unique = list(dict.fromkeys(texts))
    workers = _worker_count(len(unique))
    if workers > 1:
        any_blocked, lines = _check_in_workers(pack, unique, args.lang, workers)
    else:
        any_blocked, lines = _check_lines(pack, unique, args.lang)
    if len(unique) != len(texts):
        verdict = dict(zip(unique, lines))
        lines = [verdict[text] for text in texts]
    if lines:  # one write: the lines are joined in C, not written one by one
        sys.stdout.write("\n".join(lines) + "\n")
    return BLOCKED_EXIT if any_blocked else 0


_ALLOWED_TAIL = ', "allowed": true, "reasons": []}'
#: below this many distinct lines a second process costs more than it saves (fork, pipes)
PARALLEL_MIN_LINES = 4000
_CHUNK = 2000


def _worker_count(lines: int) -> int:
    """Processes for a batch: one per usable core (at most 8), one for a short batch or
    where processes cannot be forked (the parent's compiled matchers are inherited, not
    rebuilt per process)."""
    if lines < PARALLEL_MIN_LINES:  # before importing multiprocessing: start-up time
        return 1
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8, -(-lines // _CHUNK)))


def _check_lines(pack: Any, texts: List[str], lang: Optional[str]) -> Tuple[bool, List[str]]:
    """(was any text blocked, the JSON line `compliance text` prints per text)."""
    from compliance_filters import check_text

    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per line
    out: List[str] = []
    any_blocked = False
    for text in texts:
        decision = check_text(pack, text, lang=lang)
        if decision.allowed:  # the common line: only the text needs encoding
            out.append('{"text": ' + encode(text) + _ALLOWED_TAIL)
        else:
            any_blocked = True
            out.append(encode({
                "text": text,
                "allowed": False,
                "reasons": [{"rule": r.rule, "match": r.match} for r in decision.reasons],
            }))
    return any_blocked, out


_worker_state: Dict[str, Any] = {}


def _worker_chunk(texts: List[str]) -> Tuple[bool, str]:
    """One chunk's lines as one string: a worker's answer is pickled and read back by the
    parent, and one string of 2,000 lines costs a fraction of 2,000 small objects (a JSON
    line never holds a raw newline, so the parent splits it back exactly)."""
    any_blocked, lines = _check_lines(_worker_state["pack"], texts, _worker_state["lang"])
    return any_blocked, "\n".join(lines)


def _check_in_workers(pack: Any, texts: List[str], lang: Optional[str], workers: int
                      ) -> Tuple[bool, List[str]]:
    """`_check_lines` over chunks of `texts` in `workers` forked processes, in order.

    The matchers (and jieba's dictionary, when a line holds Chinese) are built here once,
    before the fork, so every worker starts with them instead of building its own; the
    workers send back the finished JSON lines."""
    import multiprocessing

    from compliance_filters.normalize import has_cjk
    from compliance_filters.phrases import warm_up

    warm_up(pack, chinese=any(has_cjk(t) for t in texts))
    _worker_state.update(pack=pack, lang=lang)
    chunks = [texts[i:i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
    any_blocked = False
    lines: List[str] = []
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for blocked, joined in pool.imap(_worker_chunk, chunks):
                any_blocked = any_blocked or blocked
                lines.extend(joined.split("\n"))
    finally:
        _worker_state.clear()
    return any_blocked, lines
