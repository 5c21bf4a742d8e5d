"""The NLU training data honours the intent contract and loads cleanly."""

import re
from collections import defaultdict
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlu.language import detect_language
from bot.nlu.textnorm import normalize_text

ROOT = Path(__file__).resolve().parents[2]
# The contract is kept in the repository (a clean clone has no ../shared);
# tests/test_spec_copy.py checks the copy against the design folder when it is present.
INTENTS_MD = ROOT / "docs" / "spec" / "intents.md"
ENTITIES = {"amount", "currency", "date", "months", "dob", "id_last4", "zip"}


def contract_intents() -> list[str]:
    rows = re.findall(r"^\| ([a-z_]+) \|", INTENTS_MD.read_text(encoding="utf-8"), re.MULTILINE)
    return [r for r in rows if r != "intent"]


@pytest.fixture(scope="module")
def by_language() -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {"en": defaultdict(list), "zh": defaultdict(list)}
    for lang in ("en", "zh"):
        for message in load_data(str(ROOT / "nlu_data" / lang)).intent_examples:
            out[lang][message.get("intent")].append(message.get("text"))
    return out


def test_contract_lists_the_known_intents():
    intents = contract_intents()
    assert len(intents) == 28
    assert {"greet", "promise_to_pay", "express_distress", "out_of_scope"} <= set(intents)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_contract_intent_has_15_examples(by_language, lang):
    short = {i: len(by_language[lang][i]) for i in contract_intents() if len(by_language[lang][i]) < 15}
    assert short == {}


def test_examples_are_in_their_language(by_language):
    english = [t for texts in by_language["en"].values() for t in texts]
    assert [t for t in english if detect_language(t) != "en"] == []
    # Chinese SMS replies may be bare codes ("TD", "88", "ok"); anything longer must be Chinese.
    chinese = [t for texts in by_language["zh"].values() for t in texts]
    assert [t for t in chinese if detect_language(t) != "zh" and len(t) > 2] == []


def test_no_example_is_shared_between_intents():
    data = load_data(str(ROOT / "nlu_data"))
    seen: dict[str, str] = {}
    clashes = []
    for message in data.intent_examples:
        key = normalize_text(message.get("text")).lower().strip(" ?!.")
        if key in seen and seen[key] != message.get("intent"):
            clashes.append((message.get("text"), seen[key], message.get("intent")))
        seen.setdefault(key, message.get("intent"))
    assert clashes == []


def test_annotated_entities_are_the_contract_entities():
    data = load_data(str(ROOT / "nlu_data"))
    assert data.entities <= ENTITIES
    assert {"amount", "date", "months", "dob", "id_last4", "zip"} <= data.entities


def test_heldout_examples_are_not_in_training():
    train = {normalize_text(m.get("text")).lower() for m in load_data(str(ROOT / "nlu_data")).intent_examples}
    for lang in ("en", "zh"):
        held = load_data(str(ROOT / "tests" / "nlu_heldout" / f"{lang}.yml")).intent_examples
        assert {m.get("intent") for m in held} == set(contract_intents())
        assert [m.get("text") for m in held if normalize_text(m.get("text")).lower() in train] == []
