"""Issue 13 item 9 (wave 4): the families held-out set 4's misses and false blocks named,
fixed by rule. The examples here were written for these tests (other wordings of each
family), not copied from set 4; each failed before the change it tests."""

from __future__ import annotations

import pytest

from compliance_filters import check_text
from compliance_filters.spelling import SoundAlike

BANNED = [
    # someone of ours going to the children or their school (collector as the subject)
    ("en", "Someone from our office will be waiting for your son at the bus stop.", "third_party_threat"),
    ("en", "Our guys can grab your kids after class, you know.", "third_party_threat"),
    ("en", "We'll swing by your daughter's daycare this afternoon.", "third_party_threat"),
    ("zh", "你儿子读哪所小学，我们清清楚楚。", "third_party_threat"),
    ("zh", "你女儿放学我们去校门口等她。", "third_party_threat"),
    # reporting the debtor to the people around them; eviction as the point of it
    ("en", "We'll be reporting your debt to your pastor and your church.", "third_party_threat"),
    ("en", "Keep ignoring us and we'll report this to your HR department.", "third_party_threat"),
    ("en", "We'll make calls until you end up on the street.", "false_legal"),
    # posting into a group chat (zh): the verb or the publishing word makes the threat
    ("zh", "再不还款就把你拉进亲戚群。", "third_party_threat"),
    ("zh", "我们在你公司群里点名你欠钱。", "third_party_threat"),  # was a bare term before
    # a Cyrillic letter inside a misspelt threat word (look-alike + sound-alike together)
    ("en", "The sh\u0435rif will come for you.", "impersonation"),
    ("en", "You will rot in pri\u0441on.", "threat_arrest"),
]


@pytest.mark.parametrize("lang, text, category", BANNED)
def test_family_found_missing_by_set_4_is_blocked(us, lang: str, text: str, category: str) -> None:
    decision = check_text(us, text, lang)
    assert f"phrase.{category}" in [r.rule for r in decision.reasons], decision


COMPLIANT = [  # the ones that passed before guard the new rules' precision
    # a negation before a list covers every item of it
    ("en", "Our agents are not a court, marshal or police agency of any kind."),
    ("en", "We never contact your employer, your relatives or your neighbours."),
    # the debtor picking up their own children is no threat
    ("en", "We can call later, once you pick up your kids from school."),
    ("en", "If you need to grab your son from daycare first, reply LATER."),
    # naming a group chat is no threat; a denial in it is compliant
    ("zh", "有客户在小区群里转发假冒我司的消息，请注意甄别。"),
    ("zh", "网传家长群里的催收信息并非我司所为。"),
    # hardship: eviction mentioned by the debtor's side
    ("en", "If you are facing eviction, tell us and we will pause collection."),
]


@pytest.mark.parametrize("lang, text", COMPLIANT)
def test_compliant_twin_of_a_set_4_family_passes(us, lang: str, text: str) -> None:
    decision = check_text(us, text, lang)
    assert decision.allowed, decision


def test_a_list_that_is_the_subject_of_a_verb_is_not_covered_by_an_earlier_negation(us) -> None:
    # "don't ignore this" negates nothing after the comma: the police ARE coming
    assert not check_text(us, "Don't ignore this, sheriff and police are on the way.").allowed
    assert not check_text(us, "We will not call again, deputies or police will handle it.").allowed


def test_an_s_may_be_spelt_c_but_real_words_stay() -> None:
    speller = SoundAlike(["arrested", "prison", "police", "lawsuit"])
    assert speller.restore("arrected")[0] == "arrested"
    text = "our policy: priceless, prism, present, arrears, lawful, loosen"
    assert speller.restore(text) == (text, None)
