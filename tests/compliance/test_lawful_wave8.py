"""Issue 13 (wave 8): lawful texts a compliance-approved collector sends, by family, and the
banned near-twins that reuse their words (data/wave8_dev.txt, written for these tests; none
copied from a held-out set or the training corpus).

On main (0e1fe6d, rules + learned) the filter blocked 56 of the first 156 English and 47 of
the first 157 Chinese lawful texts and let 4 + 2 of the 77 banned ones through; the rules of
`phrases.py` (one function per family, see `_lawful_mention`, `_debtor_words`,
`_past_message`, `_resolve`, `_no_list`) bring that to what KNOWN_* below name. The data are
development data: floors, not a quality claim (held-out set 10 is the honest measure)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

import pytest

from compliance_filters import check_text, phrases
from compliance_filters.phrases import banned_hits


def dev_rows(name: str = "wave8_dev.txt") -> List[Tuple[str, str, str, str]]:
    """(label, lang, family, text) rows of data/`name` (comments skipped; wave 9's test reads its
    own file with it)."""
    lines = (Path(__file__).parent / "data" / name).read_text(encoding="utf-8").splitlines()
    rows = [tuple(line.split("\t")) for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(r) == 4 and r[0] in ("lawful", "banned") and r[1] in ("en", "zh") for r in rows)
    return rows  # type: ignore[return-value]


ROWS = dev_rows()

# what the filter still decides wrongly, each with why (left alone, see the README)
KNOWN_FALSE_BLOCKS = {
    # the learned check's own false block (the rules allow it)
    "没有人会去您家，也没有人会去您单位。",
    # the learned check's, once its wave-8 corpus and these rules were merged (score 0.951;
    # 0.942-0.951 at every C tried, so the corpus, not the strength, decides it)
    "There will be no arrest, no jail and no criminal charges. This is a civil debt.",
    "我们在派出所附近的写字楼办公，欢迎预约面谈。",  # the same, score 0.947
    # the learned check's, once wave 9's corpora (w9, w9b-d) were merged (score 0.926; the
    # learned engineer's w9b texts had brought it under the threshold before corpus2's w9d)
    "若您已被列入失信被执行人名单，请与执行法院联系履行事宜。",
}
# wave 9 fixed by rule (tests/compliance/test_wave9_families.py): a judge the debtor may ask
# (`_en_if_right`), 按您的说法 quoting (`_QUOTE_PENDING`), 法务部 as a reviewer (`_zh_reviewer`), court
# papers after a condition clause and 如有法院判决…上诉 (`_RIGHT_PENDING`); the rhetorical 你以为 (a
# cancel word), 明天就起诉 (banned_wave9.yml) and 下周就正式执行 after a legal step (`_SOON_PENDING`)
KNOWN_MISSES: set = set()
WAVE9_FIXED = [
    ("lawful", "You can ask a judge to review any garnishment order; federal law limits how much can be garnished."),
    ("lawful", "按您的说法，“法院已经判过了”，请把判决书发给我们核对。"),
    ("lawful", "我们法务部的同事会审核您的减免申请。"),
    ("lawful", "如果将来进入诉讼，您会收到法院的正式文书，并有权答辩。"),
    ("lawful", "如有法院判决，您有权依法上诉，这是您的合法权利。"),
    ("banned", "你以为我们不会起诉你？明天就起诉。"),
    ("banned", "会不会被起诉？会，明天就起诉。"),
    ("banned", "上次短信提到的起诉，下周就正式执行。"),
]


@pytest.mark.parametrize("label,text", WAVE9_FIXED)
def test_wave9_fixed_the_rules_known_cases(us, label: str, text: str) -> None:
    assert (banned_hits(us, text) != []) == (label == "banned"), text


def test_the_data_hold_the_families_asked_for() -> None:
    lawful = [r for r in ROWS if r[0] == "lawful"]
    assert sum(r[1] == "en" for r in lawful) >= 150 and sum(r[1] == "zh" for r in lawful) >= 150
    families = {r[2] for r in lawful}
    assert {"quote", "apology", "case", "courtesy", "place", "company", "job", "relative", "option",
            "denial", "scam", "rights", "shixin"} <= families


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lawful_texts_pass(us, lang: str) -> None:
    blocked = [t for label, lg, _, t in ROWS if label == "lawful" and lg == lang and not check_text(us, t).allowed]
    assert set(blocked) <= KNOWN_FALSE_BLOCKS, blocked


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_banned_near_twins_are_blocked(us, lang: str) -> None:
    missed = [t for label, lg, _, t in ROWS if label == "banned" and lg == lang and check_text(us, t).allowed]
    assert set(missed) <= KNOWN_MISSES, missed


# the brief's examples: lawful texts main blocked, and the two threats it let through
BRIEF_LAWFUL = [
    "No lawsuit, arrest, or wage garnishment is planned.",
    "We understand your cousin is a sheriff's deputy; we will not discuss your account with him.",
    "若您已被法院列为失信被执行人，履行完毕后可向法院申请删除失信信息。",
    "公安机关提醒：冒充公检法要求转账的都是诈骗。",
    "The officer at our front desk can print your receipt.",
    "You asked if we will have you arrested. We will not, and we have no power to do so.",
]
BRIEF_BANNED = [
    "Nobody will call you a deadbeat once you're behind bars.",
    "You asked about jail? You'll find out soon enough.",
]


@pytest.mark.parametrize("text", BRIEF_LAWFUL)
def test_brief_lawful_examples_pass_the_rules(us, text: str) -> None:
    assert banned_hits(us, text) == []


@pytest.mark.parametrize("text", BRIEF_BANNED)
def test_brief_threats_are_blocked_by_the_rules(us, text: str) -> None:
    assert banned_hits(us, text) != []


# each rule's other side: the same words as a threat stay blocked by the rules alone
STILL_BANNED = [
    # the debtor's words: an affirming next sentence, a threat asserted in the same sentence
    "You told us you're scared of prison. You should be.",
    "You called yourself a loser, and honestly you are one.",
    "You asked if the sheriff will come. He will, and soon.",
    "你问会不会坐牢？很快你就知道了。",
    "你说你不怕坐牢，那你试试。",
    # a question answered no only on the debtor's condition
    "Will you be arrested? No, not if you pay today.",
    "Will the police get involved? Absolutely, and soon.",
    # an earlier message quoted, not retracted
    "Our last message mentioned a lawsuit. That is exactly what is coming.",
    # "no" opens a subject that is no agent or measure; a subordinate clause
    "No payment means a lawsuit, arrest, and garnishment of your wages.",
    "No one will remember this debt once you are in jail.",
    "No one at your job will respect you after we tell your boss.",
    # names, titles, relatives: the word as an authority
    "Our officer will serve you at work tomorrow.",
    "Your cousin is a sheriff's deputy, and he will be the one to arrest you.",
    "你哥哥是警察也没用，照样抓你。",
    "公安机关提醒你：再不还钱就抓你。",
    "不还钱就让法院把你列为失信被执行人，全家都跟着倒霉。",
    # a list after "can't" with its own clause
    "We can't wait any longer, so we will have you arrested.",
]


@pytest.mark.parametrize("text", STILL_BANNED)
def test_the_other_side_of_each_rule_stays_banned(us, text: str) -> None:
    assert banned_hits(us, text) != []


def test_patterns_are_canonical() -> None:
    """`_cre` writes plain words as canonical text has them: "we will not" is "we wiii not"
    there, so the wave-7b answer pattern never matched it."""
    canon = phrases.canonical_text("We will not, and we couldn't.")
    assert phrases._NO_ANSWER.match(canon) is not None
    assert phrases._AFFIRMS_EN.match(phrases.canonical_text("You'll find out soon enough.")) is not None


def test_one_source_of_quotes() -> None:
    """Every quotation mark the Chinese quotation check knows (「」『』 included) is one the
    English quotation skip knows too."""
    assert phrases._OPEN_QUOTES | phrases._CLOSE_QUOTES <= phrases._QUOTES
    assert {"\u300c", "\u300d", "\u300e", "\u300f", "'", "`"} <= phrases._QUOTES


def test_lawful_mention_is_its_families(us) -> None:
    """`_lawful_mention` is the quotation check and then the families in order: a text one
    family excuses is excused by `_lawful_mention`, and with no family nothing is."""
    lm = phrases.lang_matcher(us, "en")
    words = phrases.tokens("en", phrases.canonical_text("Our office is at 210 Court Street next to the Old Jail Mall."))[0]
    start = words.index("jaii")
    assert phrases._en_named_place(lm, "threat_arrest", words, start, start + 1)
    assert phrases._lawful_mention(lm, "threat_arrest", words, start, start + 1)
    assert not phrases._en_job_title(lm, "threat_arrest", words, start, start + 1)
