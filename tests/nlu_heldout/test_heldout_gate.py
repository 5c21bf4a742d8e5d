"""CI gate on the held-out NLU files (never used in training): macro-F1 >= 0.90 per
language, and high-impact intents acted on for other messages in at most 2% of them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scores(trained_model):
    from bench.conversation_bench import heldout_scores

    scores = heldout_scores(trained_model)
    for lang, s in scores.items():
        print(f"held-out {lang}: macro-F1 {s['macro_f1']}, high-impact FP {s['high_impact_fp_rate']}"
              f" (top intent alone {s['high_impact_fp_rate_without_threshold']}); misses {s['misclassified']}")
    return scores


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_heldout_macro_f1_at_least_090(scores, lang: str) -> None:
    assert scores[lang]["macro_f1"] >= 0.90, scores[lang]["misclassified"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_high_impact_intents_rarely_act_on_other_messages(scores, lang: str) -> None:
    assert scores[lang]["high_impact_fp_rate"] <= 0.02, scores[lang]["misclassified"]
