"""NLU benchmark: intent macro-F1 per language on held-out data, plus k-fold CV.

Trains an NLU-only model from nlu_data/ with config.yml into a temporary directory,
parses tests/nlu_heldout/{en,zh}.yml (never used in training) and reports macro-F1 per
language next to two baselines measured on the same split in the same run: a
majority-class guess and TF-IDF (char 1-4 grams) + logistic regression.
Then, unless --no-cv, a stratified k-fold cross-validation of the Rasa pipeline.

`python -m bench.nlu_bench [--no-cv] [--folds 3]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config.yml"
NLU_DATA = ROOT / "nlu_data"
HELDOUT = {"en": ROOT / "tests/nlu_heldout/en.yml", "zh": ROOT / "tests/nlu_heldout/zh.yml"}


def _examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs from a Rasa NLU file or directory."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def train(data_path: Path, out_dir: Path) -> tuple[Path, float]:
    """Train an NLU-only model; returns (model archive, seconds)."""
    from rasa.model_training import train_nlu

    started = time.perf_counter()
    model = train_nlu(str(CONFIG), str(data_path), str(out_dir), fixed_model_name="nlu-bench")
    if not model:
        raise RuntimeError(f"NLU training on {data_path} produced no model")
    return Path(model), time.perf_counter() - started


def parse(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    """Parse data for `texts` through a loaded Agent (the processor's real parse path)."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def top_intent(parsed: dict[str, Any], allow_fallback: bool = True) -> str:
    """The predicted intent; with allow_fallback=False the best ranked real intent."""
    if allow_fallback or parsed["intent"]["name"] != "nlu_fallback":
        return parsed["intent"]["name"] or ""
    ranking = [r["name"] for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    return ranking[0] if ranking else ""


def macro_f1(gold: list[str], pred: list[str]) -> float:
    from sklearn.metrics import f1_score

    return round(float(f1_score(gold, pred, average="macro", labels=sorted(set(gold)), zero_division=0)), 4)


def baselines(train_pairs: list[tuple[str, str]], test_pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Majority class and TF-IDF char n-grams + logistic regression on the same split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from bot.nlu.textnorm import normalize_text

    x_train = [normalize_text(t).lower() for t, _ in train_pairs]
    y_train = [i for _, i in train_pairs]
    x_test = [normalize_text(t).lower() for t, _ in test_pairs]
    y_test = [i for _, i in test_pairs]
    majority = Counter(y_train).most_common(1)[0][0]
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    model.fit(x_train, y_train)
    return {
        "majority": macro_f1(y_test, [majority] * len(y_test)),
        "tfidf_logreg": macro_f1(y_test, list(model.predict(x_test))),
    }


def _by_language(pairs: list[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    from bot.nlu.language import detect_language

    out: dict[str, list[tuple[str, str]]] = {"en": [], "zh": []}
    for text, intent in pairs:
        out[detect_language(text)].append((text, intent))
    return out


def cross_validate(folds: int, workdir: Path, langs: tuple[str, ...] = ("en", "zh")) -> dict[str, Any]:
    """Stratified k-fold CV of the Rasa pipeline; macro-F1 per language averaged over folds.

    `langs` narrows the data to those languages (each fold then trains on them alone): a
    quicker look at one language while its data is being worked on. `make bench` always
    cross-validates the bilingual model, as it is deployed.
    """
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    from bot.nlu.language import detect_language

    data = load_data(str(NLU_DATA))
    examples = [m for m in data.intent_examples if detect_language(m.get("text")) in langs]
    strata = [f"{m.get('intent')}|{detect_language(m.get('text'))}" for m in examples]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=42)
    scores: dict[str, list[float]] = {lang: [] for lang in langs}
    baseline: dict[str, list[float]] = {lang: [] for lang in langs}
    pairs = [(m.get("text"), m.get("intent")) for m in examples]
    confused: dict[str, Counter[str]] = {lang: Counter() for lang in langs}
    no_fallback: dict[str, list[float]] = {lang: [] for lang in langs}
    for index, (train_idx, test_idx) in enumerate(splitter.split(examples, strata)):
        fold_dir = workdir / f"fold{index}"
        fold_dir.mkdir()
        fold_data = TrainingData(
            training_examples=[examples[i] for i in train_idx], regex_features=data.regex_features
        )
        (fold_dir / "nlu.yml").write_text(fold_data.nlu_as_yaml(), encoding="utf-8")
        model, _ = train(fold_dir / "nlu.yml", fold_dir)
        test = [(examples[i].get("text"), examples[i].get("intent")) for i in test_idx]
        parsed = parse(model, [t for t, _ in test])
        predicted = [top_intent(p) for p in parsed]
        ranked = dict(zip([t for t, _ in test], (top_intent(p, False) for p in parsed)))
        for lang, lang_pairs in _by_language(list(zip([t for t, _ in test], predicted))).items():
            if lang not in langs:
                continue
            gold = [dict(test)[t] for t, _ in lang_pairs]
            scores[lang].append(macro_f1(gold, [p for _, p in lang_pairs]))
            # the classifier alone: the best real intent even where FallbackClassifier said nlu_fallback
            no_fallback[lang].append(macro_f1(gold, [ranked[t] for t, _ in lang_pairs]))
            confused[lang].update(f"{g} -> {p}" for g, (_, p) in zip(gold, lang_pairs) if g != p)
        train_by_lang = _by_language([pairs[i] for i in train_idx])
        for lang, lang_test in _by_language(test).items():
            if lang not in langs:
                continue
            baseline[lang].append(baselines(train_by_lang[lang], lang_test)["tfidf_logreg"])
    mean = {lang: round(sum(v) / len(v), 4) for lang, v in scores.items()}
    mean_baseline = {lang: round(sum(v) / len(v), 4) for lang, v in baseline.items()}
    return mean | {
        "folds": folds,
        "baseline_tfidf_logreg": mean_baseline,
        "no_fallback": {lang: round(sum(v) / len(v), 4) for lang, v in no_fallback.items()},
        # Which intents the pipeline mixes up (gold -> predicted, summed over folds): where data helps.
        "confused": {lang: dict(c.most_common(12)) for lang, c in confused.items()},
    }


def _quiet_logs() -> None:
    """Rasa's structlog prints every parse at debug level; keep the bench output readable."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)


def run(cv_folds: int = 3) -> dict[str, Any]:
    """Train once, score held-out per language against baselines, then CV (0 folds = skip)."""
    sys.path.insert(0, str(ROOT))
    _quiet_logs()
    results: dict[str, Any] = {}
    train_pairs = _examples(NLU_DATA)
    previous_cache = os.environ.get("RASA_CACHE_DIRECTORY")
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as tmp:
        # A fresh training cache, so train_seconds measures training, not a cache hit.
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")
        try:
            results.update(_measure(Path(tmp), train_pairs, cv_folds))
        finally:
            if previous_cache is None:
                os.environ.pop("RASA_CACHE_DIRECTORY", None)
            else:
                os.environ["RASA_CACHE_DIRECTORY"] = previous_cache
    _print_summary(results)
    return results


def cv_only(folds: int, langs: tuple[str, ...]) -> dict[str, Any]:
    """Cross-validation alone (no held-out scoring), in a fresh cache."""
    sys.path.insert(0, str(ROOT))
    _quiet_logs()
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as tmp:
        os.environ["RASA_CACHE_DIRECTORY"] = str(Path(tmp) / "cache")
        started = time.perf_counter()
        result = cross_validate(folds, Path(tmp), langs)
    return result | {"cv_seconds": round(time.perf_counter() - started, 1)}


def _print_summary(results: dict[str, Any]) -> None:
    print(f"   trained on {results['train_examples']} examples in {results['train_seconds']} s", flush=True)
    for lang in HELDOUT:
        held = results[f"heldout_{lang}"]
        print(f"   held-out {lang}: intent macro-F1 {held['rasa_macro_f1']:.3f} (n {held['n']}; "
              f"baseline tf-idf + logistic regression {held['baseline']['tfidf_logreg']:.3f}, "
              f"majority {held['baseline']['majority']:.3f}), {len(held['errors'])} errors", flush=True)
    cv = results.get("cv_macro_f1")
    if cv:
        base = cv["baseline_tfidf_logreg"]
        print(f"   {cv['folds']}-fold cross-validation macro-F1: en {cv['en']:.3f}, zh {cv['zh']:.3f} "
              f"(classifier alone, no fallback: en {cv['no_fallback']['en']:.3f}, zh {cv['no_fallback']['zh']:.3f}; "
              f"baseline en {base['en']:.3f}, zh {base['zh']:.3f})", flush=True)


def _measure(tmp: Path, train_pairs: list[tuple[str, str]], cv_folds: int) -> dict[str, Any]:
    """Train on all of nlu_data, score held-out per language, then cross-validate."""
    results: dict[str, Any] = {}
    model, seconds = train(NLU_DATA, tmp)
    results["train_seconds"] = round(seconds, 1)
    results["train_examples"] = len(train_pairs)
    for lang, path in HELDOUT.items():
        test_pairs = _examples(path)
        parsed = parse(model, [t for t, _ in test_pairs])
        predicted = [top_intent(p) for p in parsed]
        gold = [i for _, i in test_pairs]
        lang_train = _by_language(train_pairs)[lang]
        results[f"heldout_{lang}"] = {
            "n": len(test_pairs),
            "rasa_macro_f1": macro_f1(gold, predicted),
            "rasa_macro_f1_no_fallback": macro_f1(gold, [top_intent(p, False) for p in parsed]),
            "parse_has_emotion_and_language": all(
                isinstance(p.get("emotion"), dict) and p.get("language") == lang for p in parsed
            ),
            "baseline": baselines(lang_train, test_pairs),
            "errors": [
                f"{t} -> {p} (want {g})" for (t, g), p in zip(test_pairs, predicted) if p != g
            ],
        }
    if cv_folds >= 2:
        started = time.perf_counter()
        results["cv_macro_f1"] = cross_validate(cv_folds, tmp)
        results["cv_seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--cv-only", choices=["en", "zh", "both"],
                        help="only cross-validate, on this language's data alone (or both)")
    args = parser.parse_args(argv)
    if args.cv_only:
        print(json.dumps(cv_only(args.folds, ("en", "zh") if args.cv_only == "both" else (args.cv_only,)),
                         indent=2, ensure_ascii=False))
        return 0
    print(json.dumps(run(0 if args.no_cv else args.folds), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
