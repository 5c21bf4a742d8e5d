"""Wave 9 conversations: the known defects (a message after an opt-out, "ok" with nothing
open, an amount at another cadence, the one-option pause) and what playing a debtor found,
in phrasings that are not in nlu_data and in orders the gate does not use. Every one must
pass, like wave 8. Also a script: `python -m tests.conversations.test_wave9 [model]` plays
them and prints the transcripts of the ones that fail.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List, Optional

import pytest

from tests.conversations.suite import (
    Check,
    Outcome,
    Scenario,
    Transcript,
    arrangement,
    handoff,
    never_says,
    no_arrangement,
    no_disclosure,
    no_handoff,
    optout,
    report,
    run_suite,
    says,
    status,
    verified,
)

pytestmark = pytest.mark.slow


def said_once(pattern: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        n = sum(bool(re.search(pattern, r)) for r in t.sent)
        return None if n == 1 else f"{n} replies matching {pattern!r}, expected one"
    return check


def last_turn_says(pattern: str) -> Check:
    def check(t: Transcript, o: Outcome) -> Optional[str]:
        replies = t.turns[-1][1] if t.turns else []
        return None if any(re.search(pattern, r) for r in replies) else f"last reply {replies} lacks {pattern!r}"
    return check


LONG_EN = ("ok so i got your text and honestly i've been meaning to deal with this for a while, my hours got "
           "cut at the warehouse back in the summer and then my car broke down and i had to pay for that "
           "first, and my daughter needed stuff for school, so things have been really tight, but i do want "
           "to sort this out and not let it drag on. anyway could we set something up where i pay a bit "
           "each month?")
LONG_ZH = ("你好，短信我收到了。这段时间我一直想处理这件事，但是今年厂里效益不好，工资发得晚，孩子上学也要花钱，"
           "家里老人看病又花了一笔，所以一直拖着没还。我不是不想还，就是一下子拿不出这么多。能不能每个月还一点，分期慢慢还？")


def _wave9() -> List[Scenario]:
    en, zh = "en", "zh"
    understood_en, understood_zh = never_says("didn't catch that"), never_says("没有理解")
    return [
        # --- defect 1: a message after an opt-out gets one answer on how to resume, then nothing
        Scenario("STOP, then i want to pay", en, ["STOP", "I want to pay", "hello??"],
                 [optout("sms", "keyword"), said_once(r"can't reply here.*reply START.*call us at"),
                  no_disclosure], silent_after=2),
        Scenario("退订 然后我要还款", zh, ["退订", "我要还款", "在吗"],
                 [optout("sms", "keyword"), said_once(r"无法在此回复.*回复START.*致电"), no_disclosure],
                 silent_after=2),
        Scenario("stop texting, then the balance", en, ["pls stop texting this phone", "what do i owe tho"],
                 [optout("sms", "nlu"), said_once(r"can't reply here"), no_disclosure]),
        # --- defect 2: "ok" / "嗯" with nothing open: what they can do next, never an acceptance
        Scenario("ok with nothing open", en, ["whats my balance", "ok"],
                 [balance_en(), last_turn_says("Whenever you're ready"), understood_en, no_arrangement]),
        Scenario("嗯 没有待回答的问题", zh, ["我欠多少", "嗯"],
                 [last_turn_says("您可以随时查询欠款"), understood_zh, no_arrangement]),
        Scenario("k then a promise", en, ["what do i owe", "k", "ill pay 100 on friday"],
                 [arrangement("promise", "100.00", 1), understood_en]),
        # --- defect 3: an amount at another cadence is a plan proposal, in monthly terms
        Scenario("50 every 2 weeks", en, ["could i do 50 every 2 weeks", "yes"],
                 [says(r"paid monthly: \$50\.00 every 2 weeks comes to about \$108\.33 a month"),
                  arrangement("plan", "500.00"), never_says("how much will you pay, and on what date")]),
        Scenario("每两周还200", zh, ["我每两周还200块行吗", "好"],
                 [says(r"按月还款：每2周¥200\.00约合每月¥433\.33"), arrangement("plan", "3000.00"),
                  never_says("哪天还款")], identity_style="last4"),
        # defect 5 (the pause said again is one option) is held at the action level
        # (tests/actions/test_wave9_actions.py): "thanks" after the hardship offer is thank_you
        # (utter_welcome), so no conversation here reaches the restated pause
        # --- playing a debtor: orders, typos, mixed languages, emoji, long messages, two intents
        Scenario("pay first, then the balance", en, ["i wanna pay 150 on the 5th", "how much is left on it"],
                 [arrangement("promise", "150.00", 1), balance_en()]),
        Scenario("dispute mid negotiation", en, ["could i split it into monthly chunks",
                                                 "hold on, i never borrowed anything from acme"],
                 [status("dispute"), handoff("dispute"), no_arrangement]),
        Scenario("wrong person after verification", en, ["whats owed", "sorry you've got the wrong person, "
                                                                      "this is not my account"],
                 [wrong_number_or_dispute, no_arrangement, understood_en]),
        Scenario("typos", en, ["wats the amout i owe"], [verified, balance_en()]),
        Scenario("emoji balance", en, ["💸💸 how much do i still owe 😩"], [verified, balance_en()]),
        Scenario("mixed en zh", en, ["can i 分期 pay monthly"], [says("monthly installments"), understood_en]),
        Scenario("very long message", en, [LONG_EN], [says("monthly installments|can offer|pause until"),
                                                      understood_en, no_handoff]),
        Scenario("two intents", en, ["whats my balance and can i pay it in parts"],
                 [says(r"\$[\d,]+\.\d\d"), understood_en]),
        Scenario("先还款 再问余额", zh, ["我这周五先还300", "还完之后还剩多少"],
                 [arrangement("promise", "300.00", 1), balance_zh()], identity_style="last4"),
        Scenario("谈判中异议", zh, ["能不能分几期还", "等一下 这笔账我根本不认"],
                 [status("dispute"), handoff("dispute"), no_arrangement]),
        Scenario("错别字", zh, ["我还欠多少前"], [verified, balance_zh()]),
        Scenario("中英混合", zh, ["我想一次性pay off"], [says("一次性还清"), understood_zh],
                 identity_style="last4"),
        Scenario("表情 减免", zh, ["😭😭 能不能少还一点"], [understood_zh, no_handoff]),
        Scenario("很长的消息", zh, [LONG_ZH], [says("分期|暂停还款"), understood_zh, no_handoff],
                 identity_style="last4"),
        Scenario("两个意图", zh, ["我现在欠多少？可以分期吗"], [says(r"¥[\d,]+\.\d\d"), understood_zh]),
        Scenario("核实后 打错了", zh, ["还差多少钱", "不好意思 你们找错人了 这不是我的账户"],
                 [wrong_number_or_dispute, understood_zh, no_arrangement]),
    ]


def wrong_number_or_dispute(t: Transcript, o: Outcome) -> Optional[str]:
    """"Not my account" after verification: the number is flagged, or the debt disputed;
    either way collection stops (not "didn't catch that", not a plan)."""
    return None if o.wrong_number or "dispute" in o.statuses else \
        f"neither wrong number nor dispute: {o.statuses}"


def balance_en() -> Check:
    return says(r"Your balance with .* is \$[\d,]+\.\d\d")


def balance_zh() -> Check:
    return says(r"待还金额为¥[\d,]+\.\d\d")


WAVE9: List[Scenario] = _wave9()


def test_wave9_has_20_conversations_in_both_languages() -> None:
    assert len(WAVE9) >= 20 and {s.lang for s in WAVE9} == {"en", "zh"}


def test_wave9_conversations_all_pass(trained_model, tmp_path) -> None:
    results = run_suite(trained_model, WAVE9, workdir=tmp_path)
    print(report(results))
    failed = [r for r in results if not r.ok]
    assert not failed, report(failed)


if __name__ == "__main__":  # the play script: every transcript, failures marked
    model = Path(sys.argv[1]) if len(sys.argv) > 1 else sorted(Path("models").glob("*.tar.gz"))[-1]
    only = sys.argv[2:]
    chosen = [s for s in WAVE9 if not only or s.name in only]
    results = run_suite(model, chosen)
    for r in results:
        print(("ok  " if r.ok else "FAIL") + f" [{r.scenario.lang}] {r.scenario.name}"
              + ("" if r.ok else ": " + "; ".join(r.problems)))
        for text, replies in r.transcript.turns:
            print(f"       > {text}")
            for x in replies:
                print(f"       < {x}")
    print(f"{sum(r.ok for r in results)}/{len(results)} passed")
