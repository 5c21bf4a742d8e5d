"""Issue 13 item 9: banned-phrase families, evasions, the strict overlay, held-out set 2.

Every banned example below passed the filter before issue 13's changes; each has a
compliant twin that must keep passing (the false alarm the rule could cause).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_filters import PackError, check_text, load_pack
from compliance_filters.normalize import canonical

ZW, ZWJ = "\u200b", "\u200d"


def _bold(text: str) -> str:
    return "".join(chr(0x1D41A + ord(c) - 97) if "a" <= c <= "z" else c for c in text)


FAMILIES = [
    # (family, banned text, rule) -- written for these tests, not taken from the held-out sets
    ("prison, everyday words", "Ignore this and you'll be doing time.", "phrase.threat_arrest"),
    ("prison, everyday words", "Enjoy the slammer, pal.", "phrase.threat_arrest"),
    ("prison, everyday words", "你这是要进局子的节奏。", "phrase.threat_arrest"),
    ("prison, everyday words", "你就等着去里面过年吧。", "phrase.threat_arrest"),
    ("posing as court/government", "Circuit Court notice: your case number is 4471.", "phrase.impersonation"),
    ("posing as court/government", "Treasury Department notice: your account is overdue.",
     "phrase.impersonation"),
    ("posing as court/government", "我们是区政府金融办，请配合处理欠款。", "phrase.impersonation"),
    ("masked profanity", "Answer the phone, you sh*t.", "phrase.obscenity"),
    ("masked profanity", "What a b#tch move.", "phrase.obscenity"),
    ("children and school", "Your son's classmates will hear all about it.", "phrase.third_party_threat"),
    ("children and school", "我们已经找到你孩子的学校了。", "phrase.third_party_threat"),
    ("zh colloquial insults", "你是不是脑子进水了？", "phrase.obscenity"),
    ("zh colloquial insults", "真是个窝囊废。", "phrase.obscenity"),
    ("credit for life", "You will never get a mortgage after this.", "phrase.false_legal"),
    ("credit for life", "你下半辈子都别想贷款了。", "phrase.false_legal"),
    ("group-chat / village shaming", "Your HOA group chat will hear about this.",
     "phrase.third_party_threat"),
    ("group-chat / village shaming", "我们会把你的欠款发到你们班级群。", "phrase.third_party_threat"),
    ("group-chat / village shaming", "让全村都知道你欠钱。", "phrase.third_party_threat"),
]


EVASIONS = [
    ("zero-width space", "You will be ar" + ZW + "rested.", "phrase.threat_arrest"),
    ("zero-width joiner (zh)", "你这个老" + ZWJ + "赖", "phrase.obscenity"),
    ("Cyrillic look-alike", "The p\u043elice are on their way.", "phrase.impersonation"),
    ("Greek look-alike", "You are going to pris\u03bfn.", "phrase.threat_arrest"),
    ("styled letters", _bold("you will be arrested"), "phrase.threat_arrest"),
    ("accents", "You will be \u00e4rrested.", "phrase.threat_arrest"),
    ("full-width with zero-width", "\uff21\uff32" + ZW + "\uff32\uff25\uff33\uff34 you today.",
     "phrase.threat_arrest"),
    ("pinyin", "ni jiu shi ge laolai", "phrase.obscenity"),
    ("pinyin inside Chinese", "再不还就让gong jian fa来处理。", "phrase.impersonation"),
    ("mixed pinyin", "我们马上去你家zhua ren。", "phrase.threat_arrest"),
    ("same-tone homophone", "你准备坐劳吧。", "phrase.threat_arrest"),
    ("same-tone homophone", "公减法马上联系你。", "phrase.impersonation"),
]


@pytest.mark.parametrize("family_or_evasion, text, rule", FAMILIES + EVASIONS)
def test_family_or_evasion_is_blocked(us, family_or_evasion: str, text: str, rule: str) -> None:
    decision = check_text(us, text)
    assert not decision.allowed, family_or_evasion
    assert rule in {r.rule for r in decision.reasons}


COMPLIANT_TWINS = [
    "Добрый день, это напоминание о платеже.",   # a Russian text keeps its letters
    "Hi Dani, your payment is scheduled.",         # "dani" is not 打你
    "请回复您的出生日期以核实身份。",                # 出生 is not 畜生 (tones differ)
    "如需人工服务，请不要联系我们的短信号码，请致电。",  # 不要联系 is not 不要脸
    "Account ***1234 is 50% paid.",                  # masks without letters stay as they are
    "**Important** your plan starts Monday.",
    "We will never threaten you with arrest or jail.",
    "No one from our company will ever visit your home.",
    "If this is identity theft, you can report it to the police.",
    "请勿相信任何自称公检法要求转账的电话。",
    "ni hao, nin de huan kuan yi dao zhang.",
    _bold("Thank you") + " for your payment.",
]


@pytest.mark.parametrize("text", COMPLIANT_TWINS)
def test_compliant_twin_passes(us, text: str) -> None:
    assert check_text(us, text).allowed, check_text(us, text).reasons


def test_no_one_can_save_you_keeps_the_threat(us) -> None:
    assert not check_text(us, "No one can save you from jail.").allowed


def test_folds_keep_the_offset_map() -> None:
    text = "call the p\u043e" + ZW + "lice"
    canon, index = canonical(text)
    assert canon.endswith("poiice")
    assert len(canon) == len(index) and text[index[canon.index("p")]] == "p"


def test_match_is_reported_in_the_original_spelling(us) -> None:
    reasons = check_text(us, "you a**hole").reasons
    assert [r.match for r in reasons] == ["a**hole"]
    reasons = check_text(us, "让gong jian fa找你").reasons
    assert "gong jian fa" in reasons[0].match


def test_strict_overlay_blocks_the_source_plans_negative_list(cn) -> None:
    strict = load_pack("cn", overlay={"creditor": "acme", "strict": True})
    for text in ("逾期会影响征信，请及时还款。", "我们不会上门催收。", "Late payments are reported to the credit bureaus."):
        assert check_text(cn, text).allowed
        assert [r.rule for r in check_text(strict, text).reasons][0] == "phrase.strict_wording"
    assert check_text(strict, "您好，提醒您本月还款。").allowed
    with pytest.raises(PackError, match="strict must be true or false"):
        load_pack("cn", overlay={"strict": "yes"})


ROWS = [tuple(line.split("\t")) for line in
        (Path(__file__).parent / "data" / "heldout2.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")]


def test_heldout2_recall_and_false_positive_rate(us) -> None:
    """Held-out set 2 (214 texts) was committed before its first run, which gave recall
    0.297 (33/111) and FPR 0.029 (3/103). The families and rules above were then grown
    from its misses, so the numbers it gives now are no longer an unseen estimate (see
    heldout3 in the bench for that). Thresholds are today's values, as a regression guard."""
    blocked = [(lang, text) for label, lang, text in ROWS if label == "blocked"]
    allowed = [(lang, text) for label, lang, text in ROWS if label == "allowed"]
    assert len(ROWS) >= 200 and {lang for _, lang, _ in ROWS} == {"en", "zh"}
    missed = [t for lang, t in blocked if check_text(us, t, lang).allowed]
    false_blocks = [t for lang, t in allowed if not check_text(us, t, lang).allowed]
    recall = 1 - len(missed) / len(blocked)
    fpr = len(false_blocks) / len(allowed)
    print(f"\nheld-out 2: recall {recall:.3f}, FPR {fpr:.3f}; missed {missed}; false blocks {false_blocks}")
    assert recall >= 0.95
    assert fpr <= 0.01


def test_heldout3_is_the_unseen_estimate(us) -> None:
    """Held-out set 3 (80 texts) was written after the issue-13 rules and committed before
    its first run; it has not been tuned on. First run: recall 0.800 (32/40), FPR 0.025
    (1/40). These are the honest estimate for new text; the thresholds are those values."""
    rows = [tuple(line.split("\t")) for line in
            (Path(__file__).parent / "data" / "heldout3.txt").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    blocked = [(lang, t) for label, lang, t in rows if label == "blocked"]
    allowed = [(lang, t) for label, lang, t in rows if label == "allowed"]
    caught = sum(1 for lang, t in blocked if not check_text(us, t, lang).allowed)
    false_blocks = sum(1 for lang, t in allowed if not check_text(us, t, lang).allowed)
    print(f"\nheld-out 3: recall {caught / len(blocked):.3f}, FPR {false_blocks / len(allowed):.3f}")
    assert caught / len(blocked) >= 0.80
    assert false_blocks / len(allowed) <= 0.025
