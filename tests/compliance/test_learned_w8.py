"""The learned check leaves alone lawful texts that mention words a threat also uses (issue 13
wave 8): blind held-out sets failed mostly through false blocks of such texts, and the
learned check blocked "系统升级期间，我们会逐个通知受影响的客户" (score 0.951 at threshold 0.910
before wave 8's corpus: its words 们会 and 通知 were mostly seen in threats).

The texts below were written for these tests, by family (system notices, apologies,
courtesy, scam warnings, the debtor quoted, place names, ordinary notices), and are in no
training file (checked below); the rules allow every one, so what is tested is the learned
check alone. Before wave 8 the built model blocked 1 of the 34 lawful ones (that notice);
the banned ones, which the rules miss, it blocked then and still blocks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from compliance_filters import check_text, load_pack
from compliance_filters.phrases import banned_hits

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import train_learned_filter as trainer  # noqa: E402

LAWFUL = [
    # system notices
    ("zh", "系统升级期间，我们会逐个通知受影响的客户"),
    ("zh", "本周末系统升级，网上还款暂停，恢复后会逐一通知受影响的用户。"),
    ("zh", "由于计费系统出错，部分客户被误收了滞纳金，我们正在逐个联系这些客户退还。"),
    ("zh", "系统提醒：您的分期款45元将于本月3日自动扣款。"),
    ("zh", "昨晚账务系统已更新，您的还款记录没有任何变化。"),
    ("en", "Heads up: our website will be offline Saturday night for an upgrade. We will let each affected customer know when payments are back."),
    ("en", "Because of a billing glitch, some accounts were shown a late fee by mistake. We are reaching out to every customer it affected."),
    ("en", "Reminder from the billing system: your plan payment of $45 goes through on the 3rd."),
    ("en", "Our records system was updated overnight; your payment history is unchanged."),
    # apologies
    ("zh", "两封信的事让您困惑了，抱歉，以第二封为准，其他都不变。"),
    ("en", "Sorry for the mix-up with the two letters. Only the second one is correct, and nothing else changes."),
    ("en", "We apologize for the late-night text. It was sent by an error in our scheduler and it won't happen again."),
    # courtesy
    ("zh", "谢谢您回电，今晚下雪，开车慢一点。"),
    ("zh", "希望您感冒好些了，不着急，等您方便的时候我们再聊还款计划。"),
    ("en", "Thanks so much for calling back. Drive safely in the snow tonight."),
    ("en", "Hope you're feeling better after the flu. There's no rush; we can go over the plan whenever you're ready."),
    # scam warnings
    ("zh", "如果有人自称警察要求您还这笔款，请直接挂断，那不是我们。"),
    ("en", "Watch out for texts that say you'll be taken to court today unless you pay a stranger. We don't send messages like that."),
    ("en", "If a caller claims to be from the police and demands payment on this account, hang up: it isn't us."),
    # the debtor quoted or answered
    ("zh", "您说房东一直在问钱的事，我们没有联系过您的房东，以后也不会。"),
    ("zh", "您说担心因为这件事丢了工作，我们不会联系您的单位。"),
    ("en", "You told us your landlord has been asking about money. We have not spoken to your landlord and will not."),
    ("en", "You said you were scared of losing your job over this. We do not contact employers."),
    # place names
    ("zh", "我们的网点在正义路，离汽车站两个路口。"),
    ("zh", "也可以在狱前街商场的自助机上还款。"),
    ("en", "Our branch is on Justice Avenue, two blocks from the bus station."),
    ("en", "Payments can also be made at the kiosk in the Warden Street mall."),
    # ordinary notices with words threats also use (notify, everyone, 通知, 每个人)
    ("zh", "还款计划如有任何变动，我们会提前短信通知您。"),
    ("zh", "我们团队的每个人都接受过培训，会对您的账户信息保密。"),
    ("zh", "我们已通知征信机构，这个账户已经全部结清。"),
    ("zh", "按您担保人的要求，和解协议的副本已寄给他本人。"),
    ("en", "We will notify you by text before any change to your payment plan."),
    ("en", "Everyone on our team is trained to keep your account private."),
    ("en", "We've informed the credit bureaus that this account is paid in full."),
]

#: banned texts of the same families that the rules miss: the learned check must still block them
#: (of the 4 such texts written with these, "Your kids' school is on Justice Avenue, right? Nice
#: place." scores 0.904 and passes, before wave 8 and after: a miss left to the rules)
BANNED = [
    ("en", "You said you'd lose your job over this. Good, we'll make sure of it."),
    ("zh", "我们会让你们教会的人都知道你是什么样的人。"),
    ("zh", "不好意思，今天我们就给你房东打电话。"),
]


def _training_texts() -> set:
    return {e.text for e in trainer.load_examples(twins=False)}


def test_the_test_texts_are_in_no_training_file() -> None:
    seen = _training_texts()
    assert [t for _, t in LAWFUL + BANNED if t in seen] == []


@pytest.mark.parametrize("pack_name", ["us", "cn"])
@pytest.mark.parametrize("lang, text", LAWFUL)
def test_lawful_scary_word_texts_pass_the_learned_check(pack_name: str, lang: str, text: str) -> None:
    pack = load_pack(pack_name)
    assert banned_hits(pack, text) == []  # the rules allow it: the learned check alone decides
    assert check_text(pack, text, lang).allowed


@pytest.mark.parametrize("lang, text", BANNED)
def test_banned_texts_of_the_same_families_are_still_caught_by_the_learned_check(us, lang: str, text: str) -> None:
    assert banned_hits(us, text) == []
    (reason,) = check_text(us, text, lang).reasons
    assert reason.rule == "phrase.learned"


def test_sets_7_to_9_and_the_w8_corpus_are_training_data() -> None:
    """Sets 7-9 are development data since their first runs: the trainer reads them by
    name, with the wave-8 corpus in both languages and both labels."""
    examples = trainer.load_examples(twins=False)
    sources = {e.source for e in examples}
    assert {"heldout7.txt", "heldout8.txt", "heldout9.txt", "train_en_w8.txt", "train_zh_w8.txt"} <= sources
    w8 = [(e.lang, e.label) for e in examples if "_w8" in e.source]
    assert set(w8) == {("en", 0), ("en", 1), ("zh", 0), ("zh", 1)}


def test_the_time_split_is_blind_to_the_set_and_what_was_written_from_it() -> None:
    """`blind_to`: set 9 is scored by a model without set 9, the corpus written from its
    first run (w7b) and everything after (w8), but with set 8 and the wave-7 corpus."""
    def ex(source: str) -> trainer.Example:
        return trainer.Example(0, "en", "x", source, source)

    keep = {s: trainer.blind_to("heldout9.txt", ex(s)) for s in (
        "heldout8.txt", "heldout9.txt", "train_en_w7.txt", "train_zh_w7b.txt", "train_en_w8.txt",
        "train_en.txt", "heldout.txt", "assistant", "heldout8.txt+twin")}
    assert keep == {"heldout8.txt": True, "heldout9.txt": False, "train_en_w7.txt": True,
                    "train_zh_w7b.txt": False, "train_en_w8.txt": False, "train_en.txt": True,
                    "heldout.txt": True, "assistant": True, "heldout8.txt+twin": True}
    assert not trainer.blind_to("heldout7.txt", ex("train_zh_w6c.txt"))
    assert not trainer.blind_to("heldout7.txt", ex("heldout8.txt"))


def test_component_counts_are_the_learned_checks_own() -> None:
    """Only texts the rules allow count (the learned check never sees the others), twins
    are left out, and a lawful block and a banned catch land in their own columns."""
    rows = [  # label, lang, source, rules block, learned block
        (0, "en", "a", False, True), (0, "en", "a", False, False), (0, "en", "a", True, True),
        (1, "en", "a", False, True), (1, "en", "a", False, False), (1, "en", "a", True, False),
        (0, "en", "a+twin", False, True), (1, "zh", "b", False, True),
    ]
    examples = [trainer.Example(y, lang, "t", src, src) for y, lang, src, _, _ in rows]
    counts = trainer.component_counts(examples, [r for *_, r, _ in rows], [b for *_, b in rows])
    assert counts == {"en": (2, 1, 2, 1), "zh": (0, 0, 1, 1)}
