"""Conversation benchmark: the trained assistant as a debtor meets it.

Prints, for the current model (trained first if the inputs changed):
- held-out NLU macro-F1 per language (tests/nlu_heldout, never used in training),
- the false-positive rate of the high-impact intents on the held-out files: messages
  that are not cease/dispute/distress/wrong number/attorney/bankruptcy/deceased but
  that the assistant would act on as one (confidence at or above CarePolicy's threshold),
  and the rate before the threshold (what the model's top intent alone would do),
- the success rate per language of the simulated-debtor conversation suite
  (tests/conversations/suite.py) through the signed SMS webhook.

`python -m bench conversations`
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
ROOT = Path(__file__).resolve().parents[1]


def care_threshold() -> float:
    """CarePolicy's threshold as configured in config.yml."""
    from bot.dialogue.care import DEFAULT_THRESHOLD

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for policy in config.get("policies") or []:
        if policy.get("name", "").endswith("CarePolicy"):
            return float(policy.get("threshold", DEFAULT_THRESHOLD))
    return DEFAULT_THRESHOLD


def heldout_scores(model: Path) -> Dict[str, Dict[str, Any]]:
    """Per language: macro-F1 and high-impact false-positive rates on the held-out file."""
    from bench.nlu_bench import HELDOUT, _examples, macro_f1, parse, top_intent
    from bot.dialogue.care import HIGH_IMPACT_INTENTS

    threshold = care_threshold()
    scores: Dict[str, Dict[str, Any]] = {}
    for lang, path in HELDOUT.items():
        pairs: List[Tuple[str, str]] = _examples(path)
        parsed = parse(model, [t for t, _ in pairs])
        gold = [i for _, i in pairs]
        pred = [top_intent(p) for p in parsed]
        others = [(g, p) for g, p in zip(gold, parsed) if g not in HIGH_IMPACT_INTENTS]
        acted = [g for g, p in others if p["intent"]["name"] in HIGH_IMPACT_INTENTS
                 and float(p["intent"].get("confidence") or 0) >= threshold]
        raw = [g for g, p in others if p["intent"]["name"] in HIGH_IMPACT_INTENTS]
        wrong = [(t, g, p) for (t, g), p in zip(pairs, pred) if g != p]
        scores[lang] = {
            "macro_f1": macro_f1(gold, pred),
            "examples": len(pairs),
            "high_impact_fp_rate": round(len(acted) / max(1, len(others)), 4),
            "high_impact_fp_rate_without_threshold": round(len(raw) / max(1, len(others)), 4),
            "misclassified": wrong,
        }
    return scores


def run() -> Dict[str, Any]:
    from bot.training import ensure_model
    from tests.conversations.suite import report, run_suite, success_rates

    model = ensure_model()
    scores = heldout_scores(model)
    for lang, s in scores.items():
        print(f"   held-out {lang}: macro-F1 {s['macro_f1']}  high-impact FP {s['high_impact_fp_rate']:.2%}"
              f" (top intent alone {s['high_impact_fp_rate_without_threshold']:.2%})", flush=True)
    results = run_suite(model)
    rates = success_rates(results)
    failed = [line for line in report(results).splitlines() if line.startswith("FAIL")]
    print(f"   conversations: {len(results)}  success en {rates.get('en')}  zh {rates.get('zh')}", flush=True)
    for line in failed:
        print(f"     {line}", flush=True)
    return {
        "heldout": {lang: {k: v for k, v in s.items() if k != "misclassified"} for lang, s in scores.items()},
        "conversations": len(results),
        "conversation_success_rate": rates,
        "failed_conversations": failed,
    }


if __name__ == "__main__":
    run()
