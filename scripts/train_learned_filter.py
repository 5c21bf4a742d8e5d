"""Build (and evaluate) the learned phrase filter's weights (issue 13 item 9).

    python scripts/train_learned_filter.py            # write compliance_filters/training/learned_weights.json
    python scripts/train_learned_filter.py --evaluate # grouped CV, held-out 5/6 left out, sets 7-9 time split

Training data: the corpus in compliance_filters/training/*.txt (<label>\\t<lang>\\t<text>;
a blank line ends a group of paraphrases of one text, so cross-validation never splits a
group), the labelled and held-out sets in tests/compliance/data named in HELDOUT_FILES
(sets 1-10 since wave 9; never a later blind set: they are listed by name, not globbed), and every text the assistant
sends (the `utter_*` responses of bot/domain/*.yml and the campaign templates of
bot/campaigns/*.yml) as compliant. The model is scikit-learn's liblinear logistic
regression (deterministic for a fixed corpus; no random state involved); the exported
weights are rounded, sorted JSON that `compliance_filters.learned` reads without numpy.

`--evaluate` reports the learned check's own numbers, per language: of the compliant texts
the rules allow, how many it blocks alone, and of the banned texts the rules miss, how many
only it catches (grouped CV, and `time_split` for sets 7-9). Wave 8 chose C and the
per-script budgets by them. C: 1, 2, 4, 6, 8, 16 and 32 gave the same false blocks at budget
0.005 (CV 7/1,406 en and 5/1,193 zh, the w8 near misses 1/69 and 3/70, the time split 1/288
and 1/253) and the most catches at 8 (en 210/375 and zh 182/279; 196 and 180 at 2). Budgets
(0.0025-0.01 tried at C=8): a false block spends the goal's FPR budget (0.01) three times as
fast as a miss spends its recall budget (0.03). For English, 0.005 is best at that rate
(0.0035: 3 fewer false blocks, 28 fewer catches; 0.0075: 3 more, 1 more catch). For Chinese,
0.0075 added 25 CV catches for 3 false blocks, but none in the time split (18/18 either way)
and one more false block among the w8 lawful near misses out of fold (4/70), the blind
sets' failure mode; 0.01 also added a time-split false block (2/253). Both stay at 0.005.
Wave 9 (set 10 and the _w9 corpus in) tried again: C 4-32, no class weights, min_groups 2,
word trigrams, Chinese trigrams or single characters moved catches by noise or less; budget
0.0075 added catches (en +18, zh +25) for false blocks (+5, +4), FPR being what blind sets fail:
C = 8 and 0.005 stay (compliance_filters/README.md, "wave 9").
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance_filters.learned import (  # noqa: E402
    STOP,
    TRAINING_DIR,
    UNIT,
    WEIGHTS_PATH,
    LearnedModel,
    features,
    is_chinese,
    probability,
)

DATA_DIR = ROOT / "tests" / "compliance" / "data"
#: development and held-out sets used for training, by name (a new blind set is never read):
#: sets 7-9 joined in wave 8, after their first runs, as development data (their lawful texts
#: are the blind writers' scary-word mentions the check must learn to leave alone)
HELDOUT_FILES = ("heldout.txt", "heldout2.txt", "heldout3.txt", "heldout4.txt", "heldout5.txt",
                 "heldout6.txt", "heldout7.txt", "heldout8.txt", "heldout9.txt", "heldout10.txt")
#: for each development set, the corpus files written from its first run's errors (a name
#: holding one of these): `time_split` leaves them out with the set and every later set, so
#: the set is scored by a model as blind to it as its first run was
WRITTEN_AFTER = {"heldout7.txt": ("_w6", "_w7", "_w8", "_w9"), "heldout8.txt": ("_w7", "_w8", "_w9"),
                 "heldout9.txt": ("_w7b", "_w8", "_w9"), "heldout10.txt": ("_w9",)}
C = 8.0            # inverse L2 strength, chosen by the grouped CV in --evaluate (wave 8: 1, 2, 4, 6, 8, 16, 32; see above)
MIN_GROUPS = 1     # a feature must occur in this many groups to get a weight
FOLDS = 10
INTERCEPT = False
#: the learned check's false-block budget per script among the compliant texts the rules allow
#: (grouped CV)
TARGET_FPR = {"en": 0.005, "zh": 0.005}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SAMPLE_SLOTS = {"name": "Maria", "company": "Acme Services", "creditor": "Acme Bank",
                "balance": "$120.50", "amount": "$40.00", "due_date": "June 3", "link":
                "https://pay.example.com/x1", "callback": "800-555-0100"}


class Example:
    """One labelled text; `group` ties paraphrases together, `source` names its file."""

    __slots__ = ("label", "lang", "text", "group", "source")

    def __init__(self, label: int, lang: str, text: str, group: str, source: str) -> None:
        self.label, self.lang, self.text, self.group, self.source = label, lang, text, group, source

    @property
    def twin(self) -> bool:
        """A style twin made for training (see `style_twin`), not a text anyone wrote."""
        return self.source.endswith("+twin")


def _corpus_file(path: Path) -> List[Example]:
    out: List[Example] = []
    block = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            block += 1
            continue
        if line.startswith("#"):
            continue
        label, lang, text = line.split("\t")
        if label not in ("blocked", "allowed") or lang not in ("en", "zh"):
            raise SystemExit(f"{path.name}:{number}: want <blocked|allowed>\\t<en|zh>\\t<text>")
        out.append(Example(int(label == "blocked"), lang, text, f"{path.name}#{block}", path.name))
    return out


def _data_sets() -> List[Example]:
    out: List[Example] = []
    for name in ("blocked.txt", "allowed.txt"):
        for number, line in enumerate((DATA_DIR / name).read_text(encoding="utf-8").splitlines()):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            out.append(Example(int(name == "blocked.txt"), parts[0], parts[-1], f"{name}:{number}", name))
    for name in HELDOUT_FILES:
        for number, line in enumerate((DATA_DIR / name).read_text(encoding="utf-8").splitlines()):
            if not line.strip() or line.startswith("#"):
                continue
            label, lang, text = line.split("\t")
            out.append(Example(int(label == "blocked"), lang, text, f"{name}:{number}", name))
    return out


def assistant_texts() -> List[Tuple[str, str, str]]:
    """(where, language, text) of every response and campaign template the assistant sends,
    placeholders filled with sample values (the learned check sees filled-in texts)."""
    out: List[Tuple[str, str, str]] = []

    def lang_of(text: str) -> str:
        return "zh" if re.search(r"[\u3400-\u9fff]", text) else "en"

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: SAMPLE_SLOTS.get(m.group(1), m.group(1)), text)

    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        for name, variants in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {})
                               .get("responses") or {}).items():
            for variant in variants or []:
                if isinstance(variant, dict) and variant.get("text"):
                    text = fill(str(variant["text"]))
                    out.append((f"{path.name}:{name}", lang_of(text), text))
    for path in sorted((ROOT / "bot" / "campaigns").glob("*.yml")):
        for step in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("steps") or []:
            for lang, template in (step.get("templates") or {}).items():
                out.append((f"{path.name}:{step.get('id')}", str(lang), fill(str(template))))
    return out


#: style twins: each pair is swapped both ways, so the register (您 or 你, "we will" or
#: "we'll") carries no weight of its own: the corpus's compliant texts mostly say 您 and its
#: threats 你, and a lawful "你这个月的账单" scored 0.98 before the twins were added
_TWINS = (("您", "你"), ("we will", "we'll"), ("you will", "you'll"), ("will not", "won't"),
          ("do not", "don't"), ("cannot", "can't"), ("we are", "we're"), ("you are", "you're"))


_TWIN_OF = {x: y for a, b in _TWINS for x, y in ((a, b), (b, a), (a.capitalize(), b.capitalize()),
                                                  (b.capitalize(), a.capitalize()))}
_TWIN = re.compile("|".join(re.escape(k) for k in sorted(_TWIN_OF, key=len, reverse=True)))


def style_twin(text: str) -> Optional[str]:
    """`text` with every register pair of _TWINS swapped, or None when none occurs."""
    out = _TWIN.sub(lambda m: _TWIN_OF[m.group(0)], text)
    return out if out != text else None


_CJK = re.compile(r"[\u3400-\u9fff]")


def pinyin_twin(text: str) -> Optional[str]:
    """`text` with every Chinese character written as its toneless pinyin syllable, one
    space apart ("你的单位领导" -> "ni de dan wei ling dao"), or None when it holds none.

    Whole sentences in pinyin are an evasion the rules only partly undo (pinyin.py writes
    back the pack's own terms, not a sentence's other words), and the learned model's Latin
    word bigrams ("dan wei", "ling dao") cost nothing at check time: a twin of each Chinese
    text, with its label and in its group, teaches them (issue 13 wave 7). The reading is
    pypinyin's most frequent one per character; a wrong reading of a rare character only
    adds a bigram no text will hold."""
    if not _CJK.search(text):
        return None
    from pypinyin import Style, lazy_pinyin

    pieces = [p.strip() for p in lazy_pinyin(text, style=Style.NORMAL, errors="default")]
    return re.sub(r"\s+", " ", " ".join(p for p in pieces if p)).strip() or None


def load_examples(twins: bool = True) -> List[Example]:
    """Every training example, in a fixed order; with `twins`, each text's style twin
    follows it in the same group (cross-validation keeps the two together)."""
    out: List[Example] = []
    for path in sorted(TRAINING_DIR.glob("*.txt")):
        out += _corpus_file(path)
    out += _data_sets()
    out += [Example(0, lang, text, f"assistant:{where}", "assistant")
            for where, lang, text in assistant_texts()]
    if not twins:
        return out
    with_twins: List[Example] = []
    for e in out:
        with_twins.append(e)
        twin = style_twin(e.text)
        if twin is not None:
            with_twins.append(Example(e.label, e.lang, twin, e.group, e.source + "+twin"))
        spelled = pinyin_twin(e.text)
        if spelled is not None:
            with_twins.append(Example(e.label, e.lang, spelled, e.group, e.source + "+pinyin+twin"))
    return with_twins


def fit(examples: Sequence[Example], c: float = C, min_groups: int = MIN_GROUPS) -> LearnedModel:
    """A logistic regression over `features` (occurrence counts), weights exported as a dict."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    groups_of: Dict[str, set] = {}
    feats = [Counter(features(e.text)) for e in examples]
    for e, fs in zip(examples, feats):
        for f in fs:
            groups_of.setdefault(f, set()).add(e.group)
    vocab = sorted(f for f, g in groups_of.items() if len(g) >= min_groups and f not in STOP
                   and not (f[0] == "~" and f[1:] in STOP))
    index = {f: i for i, f in enumerate(vocab)}
    rows, cols, counts = [], [], []
    for r, fs in enumerate(feats):
        for f, n in fs.items():
            if f in index:
                rows.append(r)
                cols.append(index[f])
                counts.append(float(n))
    x = csr_matrix((counts, (rows, cols)), shape=(len(examples), len(vocab)))
    y = [e.label for e in examples]
    clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000,
                             fit_intercept=INTERCEPT)
    clf.fit(x, y)
    weights = {f: float(w) for f, w in zip(vocab, clf.coef_[0]) if abs(w) >= 1e-4}
    # integer millionths, exactly what is exported and scored
    return LearnedModel.from_floats(weights, float(clf.intercept_[0]) if INTERCEPT else 0.0, {})


def rules_block(texts: Iterable[str]) -> List[bool]:
    """The rule filter's verdict (phrases only, no learned check) for each text."""
    from compliance_filters import load_pack
    from compliance_filters.phrases import banned_hits

    pack = load_pack("us")
    return [bool(banned_hits(pack, t)) for t in texts]


def folds_of(examples: Sequence[Example], k: int = FOLDS) -> List[int]:
    """Fold number per example: whole groups per fold, assigned by a stable hash of the
    group name (deterministic, no random state)."""
    import zlib

    return [zlib.crc32(e.group.encode("utf-8")) % k for e in examples]


def oof_scores(examples: Sequence[Example], k: int = FOLDS, **kw) -> List[float]:
    fold = folds_of(examples, k)
    scores = [0.0] * len(examples)
    for f in range(k):
        model = fit([e for e, g in zip(examples, fold) if g != f], **kw)
        for i, (e, g) in enumerate(zip(examples, fold)):
            if g == f:
                scores[i] = model.score(e.text)
    return scores


def pick_threshold(examples: Sequence[Example], scores: Sequence[float], rules: Sequence[bool],
                   target: float = 0.005) -> float:
    """The lowest threshold at which the learned check blocks at most `target` of the
    compliant examples the rules allow (scores out of fold; style twins are training
    material only and not counted). The rules' own false blocks are not counted against
    the budget: the classifier cannot undo them, and on new text they alone reach 0.01-0.05
    (held-out sets 5 and 6)."""
    candidates = sorted((s for e, s, r in zip(examples, scores, rules)
                         if not e.label and not r and not e.twin), reverse=True)
    budget = int(target * len(candidates))
    return candidates[budget] + 1e-6 if budget < len(candidates) else 0.5


def script_of(text: str) -> str:
    """"zh" for a text with a Chinese bigram (the model adds its zh_bias), else "en"."""
    return "zh" if is_chinese(text) else "en"


def pick_thresholds(examples: Sequence[Example], scores: Sequence[float], rules: Sequence[bool],
                    target: Optional[Mapping[str, float]] = None) -> Dict[str, float]:
    """`pick_threshold` for the texts of each script on their own: each gets its own
    false-block budget (`target`, default TARGET_FPR per script) of its own compliant texts
    (the model's zh_bias then puts both on one pack threshold)."""
    budget = dict(target or TARGET_FPR)
    out: Dict[str, float] = {}
    scripts = [script_of(e.text) for e in examples]
    for script in ("en", "zh"):
        idx = [i for i, s in enumerate(scripts) if s == script]
        out[script] = pick_threshold([examples[i] for i in idx], [scores[i] for i in idx],
                                     [rules[i] for i in idx], budget[script])
    return out


def blocks(examples: Sequence[Example], scores: Sequence[float], thresholds: Dict[str, float]
           ) -> List[bool]:
    """The learned check's verdicts under per-script thresholds."""
    return [s >= thresholds[script_of(e.text)] for e, s in zip(examples, scores)]


def operating_point() -> float:
    """The packs' learned.threshold (us and cn agree; the test suite checks it)."""
    from compliance_filters import load_pack

    return float(load_pack("us").learned["threshold"])


def logit_units(p: float) -> int:
    """The logit of probability `p`, in the model's millionths."""
    return round(math.log(p / (1.0 - p)) * UNIT)


def bias_shift(cv_threshold: float, point: float) -> int:
    """The bias change (millionths) that makes a score of `point` mean what a score of
    `cv_threshold` meant: a monotone shift, so every decision at the CV-chosen threshold
    is the same decision at the packs' threshold, and the packs need no edit when a grown
    corpus moves the CV threshold (the model is not a calibrated probability anyway:
    balanced class weights, no fitted intercept)."""
    return logit_units(point) - logit_units(cv_threshold)


def rates(examples: Sequence[Example], blocked: Sequence[bool], lang: Optional[str] = None
          ) -> Tuple[float, float, int, int]:
    """Recall and false-positive rate over the original texts (twins left out)."""
    pos = [b for e, b in zip(examples, blocked) if e.label and not e.twin and (lang is None or e.lang == lang)]
    neg = [b for e, b in zip(examples, blocked) if not e.label and not e.twin and (lang is None or e.lang == lang)]
    return (sum(pos) / len(pos) if pos else float("nan"), sum(neg) / len(neg) if neg else float("nan"),
            len(pos), len(neg))


def report(title: str, examples: Sequence[Example], rules: Sequence[bool], scores: Sequence[float],
           thresholds: Dict[str, float]) -> None:
    combined = [r or b for r, b in zip(rules, blocks(examples, scores, thresholds))]
    threshold = " / ".join(f"{k} {v:.3f}" for k, v in thresholds.items())
    for lang in (None, "en", "zh"):
        r_rec, r_fpr, npos, nneg = rates(examples, rules, lang)
        c_rec, c_fpr, _, _ = rates(examples, combined, lang)
        print(f"{title:28s} {lang or 'all':3s} n={npos}/{nneg}  rules recall {r_rec:.3f} FPR {r_fpr:.3f}"
              f"  | rules+learned recall {c_rec:.3f} FPR {c_fpr:.3f}  (thresholds {threshold})")


def component_counts(examples: Sequence[Example], rules: Sequence[bool], learned: Sequence[bool]
                     ) -> Dict[str, Tuple[int, int, int, int]]:
    """Per language, over the original texts (twins left out): (compliant texts the rules
    allow, how many of them the learned check blocks on its own, banned texts the rules
    miss, how many of them only the learned check catches). The learned check runs only
    on what the rules allow, so these are its own false blocks and its own recall."""
    out: Dict[str, Tuple[int, int, int, int]] = {}
    for lang in ("en", "zh"):
        mine = [(e.label, b) for e, r, b in zip(examples, rules, learned)
                if e.lang == lang and not e.twin and not r]
        out[lang] = (sum(1 for y, _ in mine if not y), sum(1 for y, b in mine if not y and b),
                     sum(1 for y, _ in mine if y), sum(1 for y, b in mine if y and b))
    return out


def print_components(title: str, examples: Sequence[Example], rules: Sequence[bool],
                     learned: Sequence[bool]) -> None:
    for lang, (n_ok, fb, n_bad, caught) in component_counts(examples, rules, learned).items():
        print(f"{title:28s} {lang}  learned alone: false blocks {fb}/{n_ok} lawful texts the rules allow,"
              f" catches {caught}/{n_bad} banned texts the rules miss")


def set_number(name: str) -> int:
    """heldout.txt -> 1, heldoutN.txt -> N."""
    return int(name[len("heldout"):-len(".txt")] or 1)


def blind_to(held: str, e: Example) -> bool:
    """Whether `e` existed before `held`'s first run and was not written from it: not that
    set or a later one, nor a corpus file of WRITTEN_AFTER[held]."""
    source = e.source.split("+")[0]
    if source.startswith("heldout"):
        return set_number(source) < set_number(held)
    return not any(tag in source for tag in WRITTEN_AFTER[held])


def time_split(examples: List[Example], rules: Sequence[bool], c: float, min_groups: int,
               target: Mapping[str, float], verbose: bool) -> None:
    """Each of sets 7-9 scored by a model trained only on what existed before its first run
    (`blind_to`), at the threshold grouped CV picks on that training data: the nearest thing
    to a new blind set the repository holds (the rules were since tuned on these sets, so
    the rules' part of them is optimistic; the learned check's part is not)."""
    for held in WRITTEN_AFTER:
        keep = [blind_to(held, e) for e in examples]
        train = [e for e, k in zip(examples, keep) if k]
        t_rules = [r for r, k in zip(rules, keep) if k]
        threshold = pick_thresholds(train, oof_scores(train, c=c, min_groups=min_groups), t_rules, target)
        model = fit(train, c=c, min_groups=min_groups)
        test = [(e, r) for e, r in zip(examples, rules) if e.source == held]
        scores = [model.score(e.text) for e, _ in test]
        learned = blocks([e for e, _ in test], scores, threshold)
        print_components(f"{held} time split", [e for e, _ in test], [r for _, r in test], learned)
        if verbose:
            for (e, r), s, b in zip(test, scores, learned):
                if not r and b != bool(e.label):
                    print(f"   {'MISS' if e.label else 'FP  '} {s:.3f} {e.lang} {e.text}")


#: the examples wave 8 added (sets 7-9 and the w8 corpus): `evaluate` also reports grouped CV
#: over the rest, so numbers before and after wave 8 are over the same texts
WAVE8_SOURCES = ("heldout7.txt", "heldout8.txt", "heldout9.txt", "_w8")
#: the examples wave 9 added (set 10 and the w9 corpus), reported the same way
WAVE9_SOURCES = ("heldout10.txt", "_w9")


def evaluate(examples: List[Example], c: float, min_groups: int, verbose: bool,
             target: Mapping[str, float]) -> None:
    rules = rules_block(e.text for e in examples)
    scores = oof_scores(examples, c=c, min_groups=min_groups)
    t = pick_thresholds(examples, scores, rules, target)
    report(f"CV{FOLDS} all (C={c}, mg={min_groups})", examples, rules, scores, t)
    learned = blocks(examples, scores, t)
    print_components(f"CV{FOLDS} all", examples, rules, learned)
    for title, added in (("wave-7 corpus only", WAVE8_SOURCES), ("wave-8 corpus only", WAVE9_SOURCES)):
        old = [not any(tag in e.source for tag in added) for e in examples]
        print_components(f"CV{FOLDS} {title}", [e for e, o in zip(examples, old) if o],
                         [r for r, o in zip(rules, old) if o], [b for b, o in zip(learned, old) if o])
    for tag in ("_w8", "_w9", "heldout7.txt", "heldout8.txt", "heldout9.txt", "heldout10.txt"):
        mine = [i for i, e in enumerate(examples) if tag in e.source]
        if mine:
            print_components(f"CV{FOLDS} {tag}", [examples[i] for i in mine], [rules[i] for i in mine],
                             [learned[i] for i in mine])
            if verbose:
                for i in mine:
                    e = examples[i]
                    if not rules[i] and not e.twin and learned[i] != bool(e.label):
                        print(f"   {'MISS' if e.label else 'FP  '} {scores[i]:.3f} {e.lang} {e.text}")
    time_split(examples, rules, c, min_groups, target, verbose)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--evaluate", action="store_true", help="print grouped-CV and held-out numbers")
    parser.add_argument("--verbose", action="store_true", help="with --evaluate: list held-out errors")
    parser.add_argument("-C", type=float, default=C)
    parser.add_argument("--min-groups", type=int, default=MIN_GROUPS)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--without", nargs="*", default=(),
                        help="with --evaluate: leave out examples whose source holds one of these")
    parser.add_argument("--target-en", type=float, default=TARGET_FPR["en"])
    parser.add_argument("--target-zh", type=float, default=TARGET_FPR["zh"])
    args = parser.parse_args(argv)
    examples = load_examples()
    if args.evaluate:
        examples = [e for e in examples if not any(tag in e.source for tag in args.without)]
        evaluate(examples, args.C, args.min_groups, args.verbose, {"en": args.target_en, "zh": args.target_zh})
        return 0
    model = fit(examples, c=args.C, min_groups=args.min_groups)
    # the threshold grouped CV picks for this corpus, moved onto the packs' learned.threshold
    # by shifting the bias (see `bias_shift`): a grown corpus changes the model, not the
    # packs; tests/compliance/test_learned.py checks that the two agree
    scores = oof_scores(examples, c=args.C, min_groups=args.min_groups)
    raw = pick_thresholds(examples, scores, rules_block(e.text for e in examples))
    point = operating_point()
    shift = {script: bias_shift(t, point) for script, t in raw.items()}
    model.bias += shift["en"]
    model.zh_bias = shift["zh"] - shift["en"]
    cv_threshold = probability(logit_units(raw["en"]) + shift["en"])
    model.meta = {"examples": len(examples), "C": args.C, "min_groups": args.min_groups,
                  "features": len(model.weights), "cv_threshold": round(cv_threshold, 4),
                  "raw_cv_threshold": {k: round(v, 4) for k, v in raw.items()},
                  "bias_shift": shift["en"], "target_fpr": dict(TARGET_FPR)}
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(f"learned filter: {len(examples)} examples, {len(model.weights)} weights, CV thresholds "
          f"{raw['en']:.3f} (texts without Chinese) and {raw['zh']:.3f} (with) moved onto the packs' "
          f"{point:.3f} (bias {model.bias:+d}, Chinese {model.zh_bias:+d} millionths) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
