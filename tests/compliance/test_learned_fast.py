"""The learned check's fast path (`LearnedModel.logit`: features made and looked up by
C-level maps, never listed) gives, to the unit, the sum its definition gives
(`LearnedModel.reference_logit` over `features`), so its decisions are the reference's
decisions byte for byte. Weights are integers (millionths), so the sums are exact whatever
the order of the features.

Two models are compared: the built one, and a probe whose every feature of every text
below has its own random weight (a feature the fast path misses, adds or counts twice
then changes the sum, even where the built model gives that feature no weight)."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import List

import pytest

from compliance_filters import learned
from compliance_filters.learned import NEG_CUES, LearnedModel, features

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from train_learned_filter import assistant_texts, load_examples  # noqa: E402

#: edge cases by construction: negation cues at the edges, inside other words, quoted,
#: after look-alike characters, in every clause; Traditional and full-width Chinese;
#: single characters; empty and blank texts
EDGES = [
    "", " ", "\n", "a", "no", "No.", "never", "NEVER EVER", "not-not", "'not'", "*never*",
    "can't won't don't", "we cannot, we will not; we never: nobody!", "knot nonetheless snow",
    "We will never call your boss, but we will call you.", "without", "nor'easter",
    "nothing\nnothing", "Ｗｅ ＷＯＮ'Ｔ call", "no$ not@ n0t", "We won’t call (curly quote).",
    "你", "你好", "不会", "我们不会上门，也不会。谨防诈骗", "任何機構都不會讓你坐牢", "絕不會聯繫你的單位",
    "我们不会 call your boss, never 你的领导", "𝐧𝐨𝐭 𝐣𝐚𝐢𝐥", "ＮＯ　ｗａｙ", "İstanbul not", "不会不会不会",
]

ALPHABET = (list("abcdefghijklmnopqrstuvwxyz0123456789$@*' .,;:!?\n-") + sorted(NEG_CUES) * 3
            + list("不会绝从未没有谨防任何你我们坐牢上门單位會機構，。！？；：、") + ["Ｗ", "’", "İ", "ß"])


def _generated(count: int, seed: int) -> List[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = [rng.choice(ALPHABET) for _ in range(rng.randint(1, 30))]
        out.append("".join(p if rng.random() < 0.5 else " " + p for p in parts))
    return out


def _texts() -> List[str]:
    texts = [e.text for e in load_examples(twins=True)]
    texts += [t for _, _, t in assistant_texts()]
    texts += EDGES + _generated(3000, 13)
    return texts


TEXTS = _texts()


def _probe(texts: List[str]) -> LearnedModel:
    rng = random.Random(7)
    vocab = sorted({f for t in texts for f in features(t)})
    return LearnedModel({f: rng.randint(-10**9, 10**9) for f in vocab}, 12345, {})


@pytest.mark.parametrize("which", ["built", "probe"])
def test_fast_and_reference_logits_agree_to_the_unit(which: str) -> None:
    model = learned.load_model() if which == "built" else _probe(TEXTS)
    differ = [t for t in TEXTS if model.logit(t) != model.reference_logit(t)]
    assert differ == []
    assert len(TEXTS) > 7000


def test_decisions_agree_with_the_reference() -> None:
    """The verdict (score >= threshold) and the score text in the reason are the same."""
    model = learned.load_model()
    for text in TEXTS:
        assert model.score(text) == learned.probability(model.reference_logit(text))


def test_negated_clauses_add_marked_features() -> None:
    """The features that let the model tell "we will never call your boss" from "we will
    call your boss": each word of a negated clause, up to its end, again with "~"."""
    feats = features("We will never call your boss, but we will call you.")
    assert [f for f in feats if f.startswith("~")] == ["~call", "~your", "~boss"]
    assert "~坐牢"[0:2] in features("任何机构都不会让你坐牢。") and "~牢" in features("任何机构都不会让你坐牢。")
    assert not [f for f in features("We know where you live.") if f.startswith("~")]


def test_old_float_weights_file_is_refused_in_one_line(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text('{"meta": {}, "bias": 0.0, "weights": {"jail": 1.5}}', encoding="utf-8")
    with pytest.raises(learned.LearnedModelMissing, match="old format: run `make learned-filter`"):
        learned.load_model(str(old))
