"""NLU data gates without the model: unseen story texts are not training examples, and
every contract intent has at least 30 examples per language."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.textnorm import normalize_text

ROOT = Path(__file__).resolve().parents[2]


def test_unseen_story_texts_are_not_training_examples() -> None:
    train = {normalize_text(m.get("text")).lower() for m in load_data(str(ROOT / "nlu_data")).intent_examples}
    texts = []
    for path in sorted((ROOT / "tests/stories").glob("test_stories_unseen_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            texts += [re.sub(r"\[([^\]]+)\]\{[^}]+\}", r"\1", s["user"].strip()) for s in story["steps"] if "user" in s]
    assert len(texts) >= 14
    assert [t for t in texts if normalize_text(t).lower() in train] == []


def test_every_intent_has_30_training_examples_per_language() -> None:
    intents = [r for r in re.findall(r"^\| ([a-z_]+) \|", (ROOT / "docs/spec/intents.md").read_text(encoding="utf-8"),
                                     re.MULTILINE) if r != "intent"]
    for lang in ("en", "zh"):
        counts: dict = {}
        for message in load_data(str(ROOT / "nlu_data" / lang)).intent_examples:
            counts[message.get("intent")] = counts.get(message.get("intent"), 0) + 1
        assert {i: counts.get(i, 0) for i in intents if counts.get(i, 0) < 30} == {}, lang
