"""Measure the banned-phrase RULES alone and the rules plus the learned check on the training
corpora (compliance_filters/training/train_*.txt), per language.

Why: the learned check only scores texts the rules allow, so a rule's false block is one
retraining cannot undo; this script shows how many of the corpora's lawful texts the rules
block on their own (and which, with --list), next to the combined filter. The learned check's
numbers on the corpora are in-sample once the weights were trained on them (the trainer's
--evaluate gives the out-of-fold ones); the rules' numbers are not trained on anything.

    PYTHONPATH=$PWD .venv/bin/python scripts/rules_on_corpus.py [--pack us] [--only w9] [--list]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence

from compliance_filters import load_pack
from compliance_filters.learned import TRAINING_DIR, learned_verdict
from compliance_filters.phrases import banned_hits


class Line(NamedTuple):
    """One labelled corpus line."""

    blocked: bool
    lang: str
    text: str
    source: str


class Counts(NamedTuple):
    """Per language: banned lines, banned lines caught, lawful lines, lawful lines blocked."""

    banned: int
    caught: int
    lawful: int
    false_blocks: int

    @property
    def recall(self) -> float:
        return self.caught / self.banned if self.banned else float("nan")

    @property
    def fpr(self) -> float:
        return self.false_blocks / self.lawful if self.lawful else float("nan")


def corpus_lines(paths: Iterable[Path]) -> List[Line]:
    """Every labelled line of the corpus files (`<blocked|allowed>\\t<en|zh>\\t<text>`;
    comments and blank lines skipped)."""
    out: List[Line] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, lang, text = line.split("\t")
            out.append(Line(label == "blocked", lang, text, path.name))
    return out


def count(lines: Sequence[Line], verdicts: Sequence[bool], lang: str) -> Counts:
    """The confusion counts of `verdicts` over the lines of `lang`."""
    mine = [(ln.blocked, v) for ln, v in zip(lines, verdicts) if ln.lang == lang]
    return Counts(sum(1 for y, _ in mine if y), sum(1 for y, v in mine if y and v),
                  sum(1 for y, _ in mine if not y), sum(1 for y, v in mine if not y and v))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pack", default="us")
    parser.add_argument("--only", default="", help="only corpus files whose name holds this")
    parser.add_argument("--list", action="store_true", help="list the rules' false blocks and misses")
    args = parser.parse_args(argv)
    pack = load_pack(args.pack)
    paths = sorted(p for p in TRAINING_DIR.glob("train_*.txt") if args.only in p.name)
    lines = corpus_lines(paths)
    hits = [banned_hits(pack, ln.text) for ln in lines]
    rules = [bool(h) for h in hits]
    learned = [r or learned_verdict(pack.learned, ln.text) is not None for ln, r in zip(lines, rules)]
    print(f"pack {args.pack}, {len(paths)} files, {len(lines)} lines")
    for lang in ("en", "zh"):
        r, c = count(lines, rules, lang), count(lines, learned, lang)
        print(f"{lang}: banned {r.banned} lawful {r.lawful} | rules alone recall {r.recall:.3f} FPR {r.fpr:.3f}"
              f" ({r.false_blocks} false blocks, {r.banned - r.caught} misses) | rules+learned recall"
              f" {c.recall:.3f} FPR {c.fpr:.3f} ({c.false_blocks} false blocks, {c.banned - c.caught} misses)")
    if args.list:
        by_kind: Dict[str, List[str]] = {"FP": [], "MISS": []}
        for ln, h, c in zip(lines, hits, learned):
            if h and not ln.blocked:
                by_kind["FP"].append(f"FP   {ln.lang} {ln.source} {sorted(set(k for k, _ in h))} {h[0][1]!r} | {ln.text}")
            elif not c and ln.blocked:
                by_kind["MISS"].append(f"MISS {ln.lang} {ln.source} | {ln.text}")
        for rows in by_kind.values():
            print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
