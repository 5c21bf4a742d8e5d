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
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

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
        # the lines iterating over stdin gives (ends at "\n" only) with their "\r\n"
        # stripped, from one read and one split: a fraction of the cost per line
        data = sys.stdin.read()
        lines = data.split("\n")
        if "\r" in data:
            lines = [line.rstrip("\r") for line in lines]
        texts = [t for t in lines if t.strip()]
    # A text's decision depends on the text and the pack only, so a line repeated in the
    # batch (a campaign's unpersonalised template, a resent reminder) is checked once.
    unique = list(dict.fromkeys(texts))
    workers = _worker_count(len(unique))
    if workers > 1:
        return _print_from_workers(pack, texts, unique, args.lang, workers)
    any_blocked, lines = _check_lines(pack, unique, args.lang)
    if len(unique) != len(texts):
        verdict = dict(zip(unique, lines))
        lines = [verdict[text] for text in texts]
    if lines:  # one write: the lines are joined in C, not written one by one
        sys.stdout.write("\n".join(lines) + "\n")
    return BLOCKED_EXIT if any_blocked else 0


def _print_from_workers(pack: Any, texts: List[str], unique: List[str], lang: Optional[str],
                        workers: int) -> int:
    """`_text`'s printing for a batch checked in worker processes. Where no line repeats,
    each chunk's lines are written as they arrive, in order, as the bytes the worker
    encoded them to (stdout's own encoding and error handler), while later chunks are
    still being checked: no decoding, splitting, joining or re-encoding of the whole
    output in the parent after the last chunk. A repeated line's verdict is copied from
    the distinct line's, which needs the lines themselves."""
    stdout = sys.stdout
    binary = getattr(stdout, "buffer", None)
    encoding = getattr(stdout, "encoding", None) or "utf-8"
    errors = getattr(stdout, "errors", None) or "strict"
    any_blocked = False
    if len(unique) == len(texts) and binary is not None:
        stdout.flush()
        for blocked, piece in _check_in_workers(pack, unique, lang, workers, (encoding, errors)):
            any_blocked = any_blocked or blocked
            binary.write(piece + b"\n")
        binary.flush()
        return BLOCKED_EXIT if any_blocked else 0
    lines: List[str] = []
    for blocked, piece in _check_in_workers(pack, unique, lang, workers, (encoding, errors)):
        any_blocked = any_blocked or blocked
        lines.extend(piece.decode(encoding, errors).split("\n"))
    if len(unique) != len(texts):
        verdict = dict(zip(unique, lines))
        lines = [verdict[text] for text in texts]
    stdout.write("\n".join(lines) + "\n")
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


def _check_lines(pack: Any, texts: Sequence[str], lang: Optional[str]) -> Tuple[bool, List[str]]:
    """(was any text blocked, the JSON line `compliance text` prints per text)."""
    from json.encoder import encode_basestring  # what that encoder's encode does with a str

    from compliance_filters import check_text

    encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per line
    out: List[str] = []
    any_blocked = False
    for text in texts:
        decision = check_text(pack, text, lang=lang)
        if decision.allowed:  # the common line: only the text needs encoding
            out.append('{"text": ' + encode_basestring(text) + _ALLOWED_TAIL)
        else:
            any_blocked = True
            out.append(encode({
                "text": text,
                "allowed": False,
                "reasons": [{"rule": r.rule, "match": r.match} for r in decision.reasons],
            }))
    return any_blocked, out


_worker_state: Dict[str, Any] = {}


def _worker_chunk(span: Tuple[int, int]) -> Tuple[bool, bytes]:
    """One chunk's lines, joined by "\n" and encoded as stdout encodes. A worker is sent
    only the chunk's bounds: the texts were in memory before the fork, so it reads them
    there instead of having them pickled to it; and its answer, pickled and read back by
    the parent, is one bytes object, which costs a fraction of 2,000 small strings and can
    be written as it is (a JSON line never holds a raw newline, so the lines can be split
    back exactly where needed)."""
    start, end = span
    any_blocked, lines = _check_lines(_worker_state["pack"], _worker_state["texts"][start:end],
                                      _worker_state["lang"])
    encoding, errors = _worker_state["encoding"]
    return any_blocked, "\n".join(lines).encode(encoding, errors)


def _check_in_workers(pack: Any, texts: List[str], lang: Optional[str], workers: int,
                      encoding: Tuple[str, str]) -> Iterator[Tuple[bool, bytes]]:
    """`_check_lines` over chunks of `texts` in `workers` forked processes: for each chunk,
    in order, (was any of its texts blocked, its JSON lines joined by "\n" and encoded
    with `encoding` = (codec, error handler)), yielded as soon as that chunk is done.

    The matchers (and jieba's dictionary, when a line holds Chinese) are built here once,
    before the fork, so every worker starts with them instead of building its own. They
    are then frozen out of the garbage collector (`gc.freeze`): a worker's collections
    never write to the objects it inherited, so the pages holding them stay shared with
    the parent instead of being copied into each worker as its collector walks them."""
    import gc
    import multiprocessing

    from compliance_filters.normalize import has_cjk
    from compliance_filters.phrases import warm_up

    # the first Chinese line ends the scan (no joined copy of the whole batch)
    chinese = any(not text.isascii() and has_cjk(text) for text in texts)
    warm_up(pack, chinese=chinese)
    _worker_state.update(pack=pack, lang=lang, texts=texts, encoding=encoding)
    spans = [(i, min(i + _CHUNK, len(texts))) for i in range(0, len(texts), _CHUNK)]
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_worker_chunk, spans)
    finally:
        gc.unfreeze()
        _worker_state.clear()
