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


# Families a reviewer's probe (written after set 4, before set 5; development data) showed
# missing, written once as rules in packs/banned_phrasings.yml; other wordings here.
PROBED = [
    ("en", "A patrol car will be parked outside your building.", "threat_arrest"),
    ("en", "The bailiff is on his way with the paperwork.", "threat_arrest"),
    ("en", "Charges are being prepared against you.", "threat_arrest"),
    ("en", "Skipping payments amounts to theft.", "threat_arrest"),
    ("en", "Local law enforcement has been alerted to your case.", "threat_arrest"),
    ("en", "Your file was forwarded to a fraud investigator.", "threat_arrest"),
    ("en", "Your grandparents might like to know about this.", "third_party_threat"),
    ("en", "Your roommates are going to get a letter from us.", "third_party_threat"),
    ("en", "We'll tape notices about your debt on every door on your floor.", "third_party_threat"),
    ("en", "You're going on our wall of shame.", "third_party_threat"),
    ("en", "Your credit is gonna be toast.", "false_legal"),
    ("en", "We'll empty your savings by Monday.", "false_legal"),
    ("en", "You won't ever be approved for a mortgage.", "false_legal"),
    ("en", "Pay it, you cheapskate.", "obscenity"),
    ("en", "w e  w i l l  f i n d  a n d  a r r e s t  y o u", "threat_arrest"),
    ("zh", "你这就是骗贷。", "threat_arrest"),
    ("zh", "我们马上报警。", "threat_arrest"),
    ("zh", "你脑子被门夹了吧？", "obscenity"),
    ("zh", "你的信用记录就全黑了。", "false_legal"),
    ("zh", "以后网贷你就休想了。", "false_legal"),
    ("zh", "整个小区很快都会听说你的事。", "third_party_threat"),
]


@pytest.mark.parametrize("lang, text, category", PROBED)
def test_family_a_probe_showed_missing_is_blocked(us, lang: str, text: str, category: str) -> None:
    decision = check_text(us, text, lang)
    assert f"phrase.{category}" in [r.rule for r in decision.reasons], decision


PROBED_COMPLIANT = [  # the ones that passed before guard the new rules
    ("en", "If your kids' school fees are due this week, we can move your payment."),
    ("en", "Company policy prohibits calling your employer."),
    ("en", "The bankruptcy judge discharged this debt, so the account is closed."),
    ("en", "Late charges may apply after the due date."),
    ("zh", "如遇可疑来电，您可以报警。"),
    ("zh", "如果您认为这是诈骗短信，请勿点击链接。"),
]


@pytest.mark.parametrize("lang, text", PROBED_COMPLIANT)
def test_compliant_twin_of_a_probed_family_passes(us, lang: str, text: str) -> None:
    decision = check_text(us, text, lang)
    assert decision.allowed, decision


# A second probe (development data, before set 5): implied threats in everyday words.
PROBED_2 = [
    ("en", "The feds are already looking into you.", "threat_arrest"),
    ("en", "Keep it up and you'll spend a weekend in county.", "threat_arrest"),
    ("en", "Notice from the Federal Bureau of Debt Recovery.", "impersonation"),
    ("en", "Your passport will be revoked next week.", "false_legal"),
    ("en", "You'll lose everything you've worked for.", "false_legal"),
    ("en", "We've got eyes on you, just so you know.", "violence_visit"),
    ("en", "It would be a shame if your kids got hurt.", "violence_visit"),
    ("en", "Expect texts around 3 am from now on.", "harassment"),
    ("en", "Picture your mother reading about this.", "third_party_threat"),
    ("en", "The whole gym will be gossiping about you.", "third_party_threat"),
    ("en", "How can anyone be this clueless?", "obscenity"),
    ("zh", "你这种人迟早倾家荡产。", "false_legal"),
    ("zh", "你爸妈白养你了。", "obscenity"),
    ("zh", "我们会联系你的房东。", "third_party_threat"),
    ("zh", "幼儿园门口我们会等你女儿。", "third_party_threat"),
    ("zh", "我们已经摸清你每天几点出门。", "violence_visit"),
    ("zh", "你的名字会登上新闻。", "third_party_threat"),
]


@pytest.mark.parametrize("lang, text, category", PROBED_2)
def test_family_a_second_probe_showed_missing_is_blocked(us, lang: str, text: str, category: str) -> None:
    decision = check_text(us, text, lang)
    assert f"phrase.{category}" in [r.rule for r in decision.reasons], decision


PROBED_2_COMPLIANT = [
    ("en", "If a lawsuit is ever filed, a court will notify you by mail."),
    ("zh", "理解孩子上学花费多，可以申请分期。"),
    ("zh", "我们知道您下班后方便接电话，会在晚上七点联系。"),
]


@pytest.mark.parametrize("lang, text", PROBED_2_COMPLIANT)
def test_compliant_twin_of_a_second_probe_family_passes(us, lang: str, text: str) -> None:
    decision = check_text(us, text, lang)
    assert decision.allowed, decision


def test_a_combination_step_may_have_its_own_distance_and_every_candidate_is_tried() -> None:
    """Families written as short groups (subject, modal, verb) need the modal right before the
    verb but the subject a few words earlier ("within: [4, 0]"), and "would" must not hide
    "would like to" starting at the same word."""
    from compliance_filters.phrases import _chains

    # subject at 0, modal at 3 (3 tokens later), verb right after the modal
    assert _chains({0: [(0, 1)], 1: [(3, 4)], 2: [(4, 5)]}, 3, (4, 0)) == [(0, 5)]
    assert _chains({0: [(0, 1)], 1: [(3, 4)], 2: [(6, 7)]}, 3, (4, 0)) == []
    # "would" (1, 2) and "would like to" (1, 4): only the longer one is followed by the verb
    assert _chains({0: [(0, 1)], 1: [(1, 2), (1, 4)], 2: [(4, 5)]}, 3, (0, 0)) == [(0, 5)]


@pytest.mark.parametrize("text, allowed", [
    ("Your HR department would like to hear about this.", False),
    ("We'll call after you pick up your son from school.", True),
    ("We'll be waiting for your son after school.", False),
])
def test_modal_then_verb_families(us, text: str, allowed: bool) -> None:
    assert check_text(us, text).allowed is allowed, check_text(us, text)


def test_compiling_another_pack_does_not_change_how_a_text_is_cut() -> None:
    """jieba adds a word's frequency to its total on every add_word, so each further pack
    (cn, a strict overlay) re-adding the shared phrases shifted every log-probability:
    held-out set 5's 全村人都会知道 was caught alone and missed after the strict overlay."""
    from compliance_filters.phrases import _JiebaSegmenter

    segmenter = _JiebaSegmenter()
    words = ["全村", "知道", "影响征信", "上门催收"]
    for word in words:
        segmenter.add_word(word)
    text = "你欠的钱，全村人都会知道。"
    before, total = segmenter.cut(text), segmenter.tokenizer.total
    for _ in range(30):  # thirty more packs holding the same phrases
        for word in words:
            segmenter.add_word(word)
    assert segmenter.tokenizer.total == total
    assert segmenter.cut(text) == before
