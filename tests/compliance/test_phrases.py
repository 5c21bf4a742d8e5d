"""The banned-phrase filter against the labelled sets in data/, evasions and near-misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_filters import check_text, load_pack
from compliance_filters.normalize import canonical, fold_width, to_simplified

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(tuple(line.split("\t")))
    return rows


BLOCKED = _rows("blocked.txt")   # (lang, category, text)
ALLOWED = _rows("allowed.txt")   # (lang, text)


def test_the_sets_are_big_and_bilingual() -> None:
    assert len(BLOCKED) >= 100 and len(ALLOWED) >= 100
    for rows in (BLOCKED, ALLOWED):
        zh = sum(1 for r in rows if r[0] == "zh")
        assert 0.4 <= zh / len(rows) <= 0.6
    categories = {r[1] for r in BLOCKED}
    assert categories == set(load_pack("us").banned["categories"])


@pytest.mark.parametrize("pack_name", ["us", "cn"])
def test_precision_and_recall_on_the_labelled_sets(pack_name: str) -> None:
    """Thresholds: every banned text must be caught (recall 1.0: a miss reaches a debtor)
    and no compliant text may be blocked (precision 1.0 on our own set: a false block
    silences a legitimate, often legally required, message). Both are printed."""
    pack = load_pack(pack_name)
    caught = [r for r in BLOCKED if not check_text(pack, r[2], lang=r[0]).allowed]
    right_rule = [r for r in caught
                  if f"phrase.{r[1]}" in {x.rule for x in check_text(pack, r[2], lang=r[0]).reasons}]
    false_blocks = [r for r in ALLOWED if not check_text(pack, r[1], lang=r[0]).allowed]
    recall = len(caught) / len(BLOCKED)
    precision = len(caught) / (len(caught) + len(false_blocks))
    print(f"\n[{pack_name}] blocked set {len(BLOCKED)}, allowed set {len(ALLOWED)}: "
          f"recall {recall:.3f}, precision {precision:.3f}, right category "
          f"{len(right_rule)}/{len(caught)}")
    assert [r[2] for r in BLOCKED if r not in caught] == []
    assert [r[1] for r in false_blocks] == []
    assert recall == 1.0 and precision == 1.0
    assert len(right_rule) == len(caught)


@pytest.mark.parametrize("text, rule, match", [
    ("You will be a r r e s t e d", "phrase.threat_arrest", "a r r e s t e d"),
    ("You will be ARR-EST-ED", "phrase.threat_arrest", "ARR-EST-ED"),
    ("the p0l1ce are on their way", "phrase.impersonation", "p0l1ce"),
    ("Y0u d3adb3at", "phrase.obscenity", "d3adb3at"),
    ("we will $eize your car", "phrase.false_legal", "$eize"),
    ("ＤＥＡＤＢＥＡＴ", "phrase.obscenity", "ＤＥＡＤＢＥＡＴ"),
    ("公、检、法已介入", "phrase.impersonation", "公、检、法"),
    ("公.检.法已介入", "phrase.impersonation", "公.检.法"),
    ("你這個老賴", "phrase.obscenity", "老賴"),
    ("爆 通 讯 录", "phrase.third_party_threat", "爆 通 讯 录"),
    ("We know where you live, deadbeat", "phrase.intimidation", "know where you live"),
])
def test_evasions_are_caught_and_reported_in_the_original_spelling(us, text, rule, match) -> None:
    reasons = check_text(us, text).reasons
    assert (rule, match) in {(r.rule, r.match) for r in reasons}


def test_a_message_can_carry_both_languages(us) -> None:
    decision = check_text(us, "Hi 老赖, you will be arrested", lang="en")
    assert {r.rule for r in decision.reasons} == {"phrase.obscenity", "phrase.threat_arrest"}


@pytest.mark.parametrize("text", [
    "we will not hesitate to call your employer",
    "If you don't pay by Friday you will be arrested.",
    "We won't stop calling you every hour",
    "我们不得不通知你的家人",
    "再不还钱就联系你单位",
    "insults are never excused: you're not a deadbeat, you're a loser",
])
def test_negation_tricks_do_not_excuse_a_threat(us, text) -> None:
    assert not check_text(us, text).allowed


def test_empty_and_plain_texts(us) -> None:
    assert check_text(us, "").allowed
    assert check_text(us, "   ").allowed
    assert check_text(us, "Your payment is due on the 5th.").allowed


def test_normalisation_keeps_offsets() -> None:
    assert fold_width("ＡＢＣ１２３　") == "ABC123 "
    assert to_simplified("我想還錢") == "我想还钱"
    assert to_simplified("hello") == "hello"
    canon, index = canonical("P-0-L-I-C-E!")
    assert canon == "poiice!"
    assert [index[i] for i in range(len(canon))] == [0, 2, 4, 6, 8, 10, 11]


def test_private_jieba_cut_matches_jieba_without_hmm(us) -> None:
    """The filter's segmentation is jieba's (same dictionary, same route), only faster."""
    from compliance_filters import phrases

    phrases.compiled_for(us)
    segmenter = phrases._jieba_tokenizer
    texts = [canonical(r[-1])[0] for r in BLOCKED + ALLOWED]
    texts += ["公检法 arrest 2026年 abc123 你好！", "  空格  和\t标点，。", "a"]
    mismatched = [t for t in texts if segmenter.cut(t) != list(segmenter.tokenizer.cut(t, HMM=False))]
    assert mismatched == []


def test_gate_phrases_live_in_a_private_jieba_dictionary(us) -> None:
    """Loading the gate must not change how the NLU's (global) jieba segments text."""
    import jieba

    from compliance_filters import phrases

    phrases.compiled_for(us)
    assert "爆通讯录" in phrases._jieba_tokenizer.tokenizer.FREQ
    jieba.initialize()
    assert jieba.dt.FREQ.get("爆通讯录") is None
