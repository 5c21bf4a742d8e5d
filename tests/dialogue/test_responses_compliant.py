"""Every response variant passes the phrase filter; pre-verification ones disclose nothing."""

from __future__ import annotations

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.dialogue.responses import PRE_VERIFICATION, SAMPLE_VARIABLES


def _variants():
    for path in sorted((PROJECT_ROOT / "bot/domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            for variant in variants:
                lang = "zh" if any(c.get("value") == "zh" for c in variant.get("condition") or []) else "en"
                yield name, lang, variant["text"].format(**SAMPLE_VARIABLES)


VARIANTS = list(_variants())


def test_every_response_has_an_english_and_a_chinese_variant() -> None:
    langs: dict[str, set[str]] = {}
    for name, lang, _ in VARIANTS:
        langs.setdefault(name, set()).add(lang)
    assert {n: got for n, got in langs.items() if got != {"en", "zh"}} == {}
    assert len(langs) == 77  # + utter_legitimacy(_verified), utter_welcome, utter_options, utter_paid_followup,
    #   utter_split_promise_confirm, utter_split_promise_counter; wave 9: utter_nothing_open(_unverified),
    #   utter_plan_cadence, utter_offer_hardship_one; wave 10: utter_plan_parts, utter_offer_pause_away,
    #   utter_verify_before_answering


@pytest.mark.parametrize("pack", ["us", "cn"])
def test_no_response_is_blocked_by_the_phrase_filter(pack: str) -> None:
    from compliance_filters import check_text, load_pack

    loaded = load_pack(pack)
    blocked = [
        (name, lang, [r.rule for r in d.reasons])
        for name, lang, text in VARIANTS
        if not (d := check_text(loaded, text, lang=lang)).allowed
    ]
    assert blocked == []


def test_pre_verification_responses_do_not_disclose_the_debt() -> None:
    from compliance_filters import check_disclosure

    names = {name for name, _, _ in VARIANTS}
    assert PRE_VERIFICATION <= names
    leaks = [
        (name, lang, [r.match for r in d.reasons])
        for name, lang, text in VARIANTS
        if name in PRE_VERIFICATION and not (d := check_disclosure(text, verified=False, lang=lang)).allowed
    ]
    assert leaks == []
