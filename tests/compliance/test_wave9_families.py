"""Issue 13 (wave 9): the banned-phrase filter on own probe texts by family
(data/wave9_dev.txt: collectors' everyday lawful texts with risky words, and banned texts in
families earlier waves did not cover), and one case per new rule with wordings that are not
in the probe (so a rule written for one string would fail them).

On main (d5308be, rules + learned, weights rebuilt from its corpus) the probe gave recall
0.921 / FPR 0.074 (en) and 0.925 / 0.071 (zh); rules alone caught 0.822 / 0.776 of the
banned texts; the whole file now (with probe 2, family p2): main 0.914 / 0.080 (en), 0.934 / 0.061
(zh). The probe is development data: floors, not a quality claim (held-out set 11 is
the honest measure)."""

from __future__ import annotations

import pytest

from compliance_filters import check_text
from compliance_filters.phrases import banned_hits
from tests.compliance.test_lawful_wave8 import dev_rows

ROWS = dev_rows("wave9_dev.txt")

# what the filter still decides wrongly, each with why (left alone)
KNOWN_FALSE_BLOCKS = {
    # the court named in a definition of a quoted word, a clause after the semicolon
    "You may hear the word \"judgment\" in this letter; it refers only to the court process the law describes, "
    "not to anything filed against you.",
    # the learned check (score 0.965; the rules allow it): an office next to a procuratorate
    "我们的办公室搬到了检察院旁边的金融大厦12层。",
    # we pass an impostor's threat on to the police: a clause of ours naming the police, two clauses
    # after the scam it reports (我们会…向公安机关报案 stays banned as a threat)
    "如您收到自称我司的威胁短信，请截图发给我们，我们会核查并向公安机关反映。",
    # the learned check (score 0.977; the rules allow it) once wave 9's corpora were merged: a
    # scam warning that repeats the impostor's arrest threat before calling it false
    "Fraudsters sometimes say you will be arrested unless you pay today. That is false; unpaid debt is not a crime.",
}
# the rules alone: a lone article joined to spaced-out letters ("a l o s e r" is "aloser")
KNOWN_RULE_MISSES = {"Ur such a l o s e r lol"}


def test_the_probe_holds_what_the_brief_asked_for() -> None:
    for lang in ("en", "zh"):
        assert sum(r[0] == "lawful" and r[1] == lang for r in ROWS) >= 150
        assert sum(r[0] == "banned" and r[1] == lang for r in ROWS) >= 100
    families = {r[2] for r in ROWS}
    assert {"rights", "validation", "credit", "bankrupt", "attorney", "scam", "apology", "correction", "office",
            "holiday", "system", "quote", "thirdparty", "hardship", "service"} <= families
    assert {"insult", "profanity", "legalfact", "posing", "contacts", "harm", "pickup", "creditlife", "frequency",
            "evasive"} <= families


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lawful_probe_texts_pass(us, lang: str) -> None:
    blocked = [t for label, lg, _, t in ROWS if label == "lawful" and lg == lang and not check_text(us, t).allowed]
    assert set(blocked) <= KNOWN_FALSE_BLOCKS, blocked


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_banned_probe_texts_are_blocked(us, lang: str) -> None:
    missed = [t for label, lg, _, t in ROWS if label == "banned" and lg == lang and check_text(us, t).allowed]
    assert missed == [], missed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_banned_probe_texts_are_caught_by_the_rules(us, lang: str) -> None:
    """The lexicon families, not the learned check, catch them (what generalises)."""
    missed = [t for label, lg, _, t in ROWS if label == "banned" and lg == lang and not banned_hits(us, t)]
    assert set(missed) <= KNOWN_RULE_MISSES, missed


# one case per rule, in words the probe does not use (each blocked on main)
FAMILY_LAWFUL = [
    "We are sorry about contacting your sister last week; it will not happen again.",   # _past_step
    "Our apologies for calling your workplace on Tuesday.",
    "我们对联系了您的同事深表歉意，今后不会再发生。",
    "非常抱歉打扰了您的家人。",
    "您有权要求我们停止联系您的单位。",                                                      # right to refuse
    "If a creditor ever obtains a judgment against you, you have the right to appeal it.",  # _en_if_right
    "You may ask the court to lift the garnishment if it causes hardship.",
    "Our branch is located across the street from the police station.",                  # _en_landmark
    "我司营业厅距公安局约300米。",                                                           # _zh_landmark
    "The attorney general's office provides free consumer guides online.",              # _en_info_source
    "If you are unsure, contact the sheriff's office directly to check.",
    "如有法院裁定，您可以依法申请复议。",                                                     # _RIGHT_PENDING
    "您会收到法院的通知，并有权依法答辩。",
    "You asked if we would contact your neighbors. We won't.",                           # question answered no
    "我们法务部门会复核您提交的异议材料。",                                                   # _zh_reviewer
    "照您的说法，“法院已经结案了”，请提供结案文书。",                                         # _QUOTE_PENDING
    "The creditor could decide to sue; if that happens you can respond in court.",       # option, a right after
    "Please ignore our earlier text about a lawsuit; it was sent in error.",             # message ABOUT, retracted
    "更正：前一条短信中的“冻结”二字系误发。",                                                 # 前一条, 误发
    "您在电话里反映有人说了“骗子”这种话，我们已向您致歉。",                                   # an insult named as a word
    "Anyone who claims to be from the FBI and asks for gift cards is lying.",           # people who claim to be
    "如接到“您已被立案”的电话，请直接挂断。",                                                 # a call the debtor may get
    # probe 2's families (fixed after its first run)
    "Beware of people claiming to work for the district court who ask for wire transfers.",
    "You said you were worried that we would call your pastor. We won't.",
    "Any garnishment order from a different case is not connected to this account.",
]
FAMILY_BANNED = [
    "Hope your kids stay safe walking to school.",
    "You absolute numbskull, pay the bill.",
    "Your savings account has been seized as of this morning.",
    "What would your pastor think if we told him about this?",
    "We'll be waiting for you in the parking lot after work.",
    "Good luck ever getting a mortgage after this.",
    "你个龟孙，赶紧还钱。",
    "狗娘养的，电话也不接。",
    "【仲裁委】你的案件已裁决，限期还款。",
    "你的户口马上被注销。",
    "你同学很快都会接到电话。",
    "你老公几点下班我们都知道。",
    "你家玻璃挺好砸的吧。",
    "半夜三更也给你打电话。",
    "明天就上门。",
    # probe 2's families (fixed after its first run)
    "Your truck is hard to miss in that driveway.",
    "Be a shame if your neighbors heard about this.",
    "We might pop by your place this weekend.",
    "Enjoy your weekend while you still can.",
    "We reported you to the police this morning.",
    "你们村里人很快都会知道。",
]
# each excuse's other side: the same words as a threat stay blocked by the rules alone
STILL_BANNED = [
    "We apologize for the delay in having you arrested.",
    "We apologize for the delay in telling your boss.",
    "We've stopped calling you and will now call your employer.",
    "很抱歉，明天我们会联系您的单位。",
    "我们已停止协商，明天联系你的单位。",
    "你无权拒绝我们联系你的家人。",
    "If you ignore this, a judgment will be entered against you, and you may have your wages garnished.",
    "We will meet you next to the police car.",
    "距离法院开庭还有3天，赶紧还钱。",
    "The court publishes the names of debtors who don't pay, and yours is next.",
    "We'll report you to the court directly.",
    "We will contact your office directly.",
    "Tell us or we tell your boss.",
    "“老赖”这个词就是为你准备的。",
    "You asked whether we will call your boss. We will not hesitate to.",
    "如有法院判决，我们就直接强制执行。",
    "按我的说法，“法院已经判了”，你等着吧。",
    "Please disregard our previous message about a lawsuit. The lawsuit is coming anyway.",
    "If you got a call about your arrest, that was us.",
    "The creditor may file a lawsuit; if you don't pay today, you will be sued.",
    "你的新还款方案下周就正式执行，否则明天就起诉。",
]
# and a lawful text the bare "soon" term must leave alone
STILL_LAWFUL = ["你的新还款方案下周就正式执行。", "您的分期方案明天就开始执行，请留意扣款。"]


@pytest.mark.parametrize("text", FAMILY_LAWFUL + STILL_LAWFUL)
def test_family_lawful_texts_pass_the_rules(us, text: str) -> None:
    assert banned_hits(us, text) == [], text


@pytest.mark.parametrize("text", FAMILY_BANNED + STILL_BANNED)
def test_family_banned_texts_are_blocked_by_the_rules(us, text: str) -> None:
    assert banned_hits(us, text) != [], text
