"""Issue 13 item 9 (wave 3): phrase families written once with "{a|b}" choices, the
families held-out set 3 showed missing (development data now), and exceptions that excuse a
combination whose first word is used in another sense. Each failed before the change."""

from __future__ import annotations

import pytest

from compliance_filters import check_text, load_pack
from compliance_filters.packs import PackError, expand_phrases


def test_a_family_line_expands_to_every_member():
    assert expand_phrases(["{will|'ll|are going to} hear", "{ever |}lend", "{去|到}你老家"]) == [
        "will hear", "'ll hear", "are going to hear", "ever lend", "lend", "去你老家", "到你老家"]
    assert expand_phrases(["plain phrase"]) == ["plain phrase"]


def test_an_overlay_family_line_expands_too():
    pack = load_pack("us", {"banned": {"intimidation": {"en": {"terms": ["{wreck|smash} your {van|truck}"]}}}})
    assert not check_text(pack, "We will smash your truck.").allowed
    with pytest.raises(PackError):  # an overlay still cannot add exceptions
        load_pack("us", {"banned": {"intimidation": {"en": {"allow": ["{a|b}"]}}}})


@pytest.mark.parametrize("lang, text, category", [
    ("en", "Your neighbors are going to hear all about your debts.", "third_party_threat"),
    ("en", "Your boss is gonna find out about this.", "third_party_threat"),
    ("en", "Your kids will be embarrassed at school when everyone finds out.", "third_party_threat"),
    ("en", "No lender will ever touch you after this.", "false_legal"),
    ("en", "You'll lose your car by the end of the month.", "false_legal"),
    ("en", "We will ruin your reputation online.", "intimidation"),
    ("en", "Your mother will be getting a call from us.", "third_party_threat"),
    ("en", "Expect us at your front door.", "violence_visit"),
    ("en", "We'll have you hauled off in front of your kids.", "threat_arrest"),
    ("en", "This matter will be referred to the authorities.", "threat_arrest"),
    ("zh", "你这种人就是社会的渣滓。", "obscenity"),
    ("zh", "我们明天就去你老家找你爸妈。", "violence_visit"),
    ("zh", "你这辈子都出不了国。", "false_legal"),
    ("zh", "你个傻比。", "obscenity"),
])
def test_families_the_development_sets_showed_missing(us, lang, text, category):
    decision = check_text(us, text, lang)
    assert f"phrase.{category}" in [r.rule for r in decision.reasons], decision


@pytest.mark.parametrize("lang, text", [
    ("en", "Please let us know if a family member is helping you manage your bills."),
    ("en", "If you've been a victim, report it to law enforcement and send us the report."),
    ("en", "If you're at risk of losing your home, we have hardship options."),
    ("en", "This is a voluntary plan, no court involved."),
    ("en", "If you are a fraud victim, call us."),
    ("en", "Please share your details with us so we can set up your plan."),
    ("zh", "你这个月的账单已经出来了，买的东西较多。"),
    ("zh", "账单已寄到你家里，请查收。"),
    ("zh", "天气变冷，注意安全。"),
])
def test_look_alike_compliant_texts_pass(us, lang, text):
    assert check_text(us, text, lang).allowed, check_text(us, text, lang)


@pytest.mark.parametrize("text", ["You'll be arested on Monday.", "We will call the poleece.",
                                  "Your gonna be in jale by Friday.", "The sherrif has a warrent.",
                                  "You dedbeet."])
def test_misspelt_core_words_count_as_the_words(us, text):
    assert not check_text(us, text, "en").allowed


def test_words_that_only_look_close_stay_as_they_are():
    from compliance_filters.spelling import SoundAlike

    speller = SoundAlike(["police", "jail", "arrested", "prison", "warrant", "sheriff"])
    text = "our policy: be polite, poles, a person, this place, presents, pressing, warren, jelly, jill"
    assert speller.restore(text) == (text, None)
    restored, index = speller.restore("call the poleece")
    assert restored == "call the police" and "call the poleece"[index[9]:index[-1] + 1] == "poleece"
