"""`rasa data validate` on the domain, stories, rules and NLU data finds no issues."""

from __future__ import annotations

import os
import re
import warnings

from bot.config import PROJECT_ROOT
from bot.dialogue.responses import ACTION_UTTERED, FORM_QUESTIONS, TRIGGER_INTENTS

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def _expected(message: str) -> bool:
    """Warnings that are by design (see bot/dialogue/responses.py)."""
    unused = re.match(r"The utterance '(\w+)' is not used in any story or rule", message)
    if unused:
        name = unused.group(1)
        return name in ACTION_UTTERED or name in FORM_QUESTIONS
    no_examples = re.match(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU", message)
    return bool(no_examples and no_examples.group(1) in TRIGGER_INTENTS)


def test_validator_finds_no_issues() -> None:
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(PROJECT_ROOT / "bot/domain"),
        training_data_paths=[str(PROJECT_ROOT / p) for p in ("bot/stories", "bot/rules", "nlu_data")],
        config_path=str(PROJECT_ROOT / "config.yml"),
    )
    validator = Validator.from_importer(importer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = {
            "domain": validator.verify_domain_validity(),
            "intents": validator.verify_intents(ignore_warnings=False),
            "intents_in_stories": validator.verify_intents_in_stories(ignore_warnings=False),
            "forms": validator.verify_forms_in_stories_rules(),
            "actions": validator.verify_actions_in_stories_rules(),
            "structure": validator.verify_story_structure(ignore_warnings=False),
            "form_slots": validator.verify_form_slots(),
            "slot_mappings": validator.verify_slot_mappings(),
        }
        validator.verify_utterances_in_stories(ignore_warnings=True)
    problems = [
        str(w.message)
        for w in caught
        if issubclass(w.category, UserWarning) and not _expected(str(w.message))
    ]
    assert problems == []
    failing = {k: v for k, v in results.items() if not v and k not in ("intents",)}
    assert failing == {}


def test_action_uttered_responses_are_named_by_an_action() -> None:
    """A response listed as action-uttered must really be said by some action."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "actions").glob("*.py"))
    dynamic = set(re.findall(r'f"(utter_[a-z_]+)\{', source))
    missing = sorted(
        name for name in ACTION_UTTERED
        if f'"{name}"' not in source and not any(name.startswith(prefix) for prefix in dynamic)
    )
    assert missing == []
